"""Staff search for accounts (accounts.search): a partial address such as
«Б. Морская 14», a surname, a number or ЕЛС — through the admin list."""

import pytest
from django.urls import reverse

from accounts.models import PersonalAccount
from accounts.search import accounts_search, search_terms
from eirc.tests.factories import PersonalAccountFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def street_of_accounts():
    PersonalAccountFactory(number="3000000001", street="ул. Большая Морская", house="14", flat="5")
    PersonalAccountFactory(number="3000000002", street="ул. Большая Морская", house="15", flat="5")
    PersonalAccountFactory(number="3000000003", street="ул. Малая Морская", house="14", flat="5")
    PersonalAccountFactory(number="3000000004", street="ул. Большая Морская", house="14", flat="6",
                           owner_last_name="Соловьёв", els="00AB123456")  # fmt: skip


def numbers(term):
    return sorted(accounts_search(PersonalAccount.objects.all(), term).values_list("number", flat=True))


def test_abbreviations_and_kind_words_are_normalised():
    assert search_terms("Б. Морская, д. 14, кв. 5") == (["больш", "морская"], ["14", "5"])
    assert search_terms("пр-т Нахимова 3") == (["нахимова"], ["3"])


def test_a_partial_address_finds_the_house_and_the_flat(street_of_accounts):
    assert numbers("Б. Морская 14") == ["3000000001", "3000000004"]
    assert numbers("Морская Большая, 14, 6") == ["3000000004"]
    assert numbers("М. Морская 14") == ["3000000003"]
    assert numbers("ул. Большая Морская д. 15") == ["3000000002"]


def test_surname_number_part_and_els(street_of_accounts):
    assert numbers("соловьёв") == ["3000000004"]
    assert numbers("3000000002") == ["3000000002"]
    assert numbers("00AB123456") == ["3000000004"]
    assert numbers("00000003") == ["3000000003"]


def test_the_admin_list_searches_by_address(client, street_of_accounts):
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    response = client.get(reverse("admin:accounts_personalaccount_changelist"), {"q": "Б. Морская 14"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "3000000001" in page and "3000000004" in page
    assert "3000000002" not in page and "3000000003" not in page
