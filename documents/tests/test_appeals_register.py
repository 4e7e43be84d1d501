"""An operator registers a request a resident made by phone, in person or by
letter (ПП № 354 п. 31): the deadline runs from the contact on the
production calendar, the history names the operator, the request shows in
the holder's cabinet (when there is a login) and the acknowledgement email
goes once — or nowhere without a login and an email."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Membership
from documents.models import Appeal
from documents.tests.conftest import pdf_text
from eirc.tests.factories import PersonalAccountFactory, UserFactory

MSK = dt.timezone(dt.timedelta(hours=3))
# Tuesday 10.03.2026, the morning after the 8 March weekend (Sunday 8 → Monday 9 March off, ТК ст. 112).
NOW = dt.datetime(2026, 3, 10, 10, 0, tzinfo=MSK)


def _register(client, account, kind="household", token=None, **data):
    url = reverse("admin:documents_appeal_register") + f"?account={account.number}&kind={kind}"
    payload = {
        "token": str(token or uuid.uuid4()),
        "channel": "phone",
        "contacted_at": "2026-03-06T18:00",  # Friday evening
        "text": "Теперь проживает трое, прошу пересчитать",
        "residents": "3",
        **data,
    }
    return client.post(url, payload)


@pytest.mark.django_db
def test_a_phone_request_for_an_account_without_a_login_counts_from_the_call(
    client, operator, private_tmp, django_capture_on_commit_callbacks, mailoutbox
):
    account = PersonalAccountFactory(number="1000000303")
    client.force_login(operator)
    with time_machine.travel(NOW, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            response = _register(
                client, account, applicant_name="Иванова Мария Петровна", applicant_contact="+7 (978) 123-45-67"
            )
        assert response.status_code == 302
        appeal = Appeal.objects.get()
        assert response["Location"] == reverse("admin:documents_appeal_change", args=[appeal.pk])
    assert appeal.number == f"2026-{appeal.pk:06d}"
    assert appeal.channel == "phone" and appeal.user is None and appeal.registered_by == operator
    assert appeal.applicant_name == "Иванова Мария Петровна"
    assert appeal.fields == {"residents": 3}
    assert timezone_local(appeal.filed_at) == dt.datetime(2026, 3, 6, 18, 0, tzinfo=MSK)
    # 5 working days from the call (Friday 06.03): 9 March is off, so 10, 11, 12, 13, 16 March.
    # Counted from the registration (10.03) it would be 17.03.
    assert appeal.deadline == dt.date(2026, 3, 16)
    entry = appeal.history.get()
    assert (entry.to_status, entry.by, entry.note) == ("new", operator, "зарегистрировано оператором (телефон)")
    assert mailoutbox == []  # no login, no email given
    # The acknowledgement is produced as for a cabinet request and names the channel.
    assert appeal.document is not None and appeal.ack_file
    text = " ".join(pdf_text(appeal.ack_file.read()).split())
    assert f"№ {appeal.number}" in text and "телефон" in text and "Иванова Мария Петровна" in text
    assert "06.03.2026 18:00" in text and "до 16.03.2026" in text
    # The work page and the admin list cope with a request without a login.
    client.force_login(operator)  # a new session after the travel in time
    page = client.get(reverse("admin:documents_appeal_work", args=[appeal.pk])).content.decode()
    assert "Иванова Мария Петровна" in page and "+7 (978) 123-45-67" in page
    assert client.get(reverse("admin:documents_appeal_changelist")).status_code == 200
    assert client.get(reverse("admin:documents_appeal_change", args=[appeal.pk])).status_code == 200
    ack = client.get(reverse("admin:documents_appeal_ack", args=[appeal.pk]))
    assert ack.status_code == 200 and ack["Content-Type"] == "application/pdf"  # printed for the office


def timezone_local(value):
    return value.astimezone(MSK)


@pytest.mark.django_db
def test_a_request_for_a_holder_with_a_login_shows_in_the_cabinet_and_is_emailed_once(
    client, resident, other_resident, operator, private_tmp, django_capture_on_commit_callbacks, mailoutbox
):
    account = resident.account_links.get().account
    member = UserFactory(username="member", email="member@example.ru")
    Membership.objects.create(account=account, user=member, role="representative", invited_by=resident)
    client.force_login(operator)
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        response = _register(client, account, channel="office")
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.user == resident and appeal.channel == "office"
    assert [(m.to, m.subject) for m in mailoutbox] == [
        (["resident@example.ru"], f"Обращение № {appeal.number}: принято")
    ]
    assert reverse("documents:appeal_detail", args=[appeal.pk]) in mailoutbox[0].body

    client.force_login(resident)
    listing = client.get(reverse("documents:appeals")).content.decode()
    assert f"№ {appeal.number}" in listing and "принято оператором: лично в офисе" in listing
    detail = client.get(reverse("documents:appeal_detail", args=[appeal.pk]))
    assert detail.status_code == 200 and "зарегистрировано оператором центра" in detail.content.decode()
    # A household member sees their own requests only, as for cabinet requests; a stranger gets 404.
    client.force_login(member)
    assert f"№ {appeal.number}" not in client.get(reverse("documents:appeals")).content.decode()
    assert client.get(reverse("documents:appeal_detail", args=[appeal.pk])).status_code == 404
    client.force_login(other_resident)
    assert client.get(reverse("documents:appeal_detail", args=[appeal.pk])).status_code == 404


@pytest.mark.django_db
def test_an_email_given_as_the_contact_gets_the_acknowledgement_without_a_cabinet_link(
    client, operator, private_tmp, django_capture_on_commit_callbacks, mailoutbox
):
    account = PersonalAccountFactory(number="1000000304")
    client.force_login(operator)
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        _register(client, account, channel="letter", applicant_name="Сидоров И. И.", applicant_contact="sid@example.ru")
    appeal = Appeal.objects.get()
    assert [m.to for m in mailoutbox] == [["sid@example.ru"]]
    assert "/cabinet/" not in mailoutbox[0].body and "по контакту" in mailoutbox[0].body
    assert appeal.history.get().note == "зарегистрировано оператором (письмо)"


@pytest.mark.django_db
def test_a_double_submit_registers_one_request(client, operator, private_tmp):
    account = PersonalAccountFactory(number="1000000305")
    client.force_login(operator)
    token = uuid.uuid4()
    with time_machine.travel(NOW, tick=False):
        first = _register(client, account, token=token, applicant_name="Иванов", applicant_contact="89781234567")
        second = _register(client, account, token=token, applicant_name="Иванов", applicant_contact="89781234567")
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Appeal.objects.count() == 1


@pytest.mark.django_db
def test_a_contact_in_the_future_or_without_an_applicant_is_refused(client, operator, private_tmp):
    account = PersonalAccountFactory(number="1000000306")
    client.force_login(operator)
    with time_machine.travel(NOW, tick=False):
        future = _register(
            client, account, contacted_at="2026-03-10T10:30", applicant_name="Иванов", applicant_contact="89781234567"
        )
        nobody = _register(client, account)
        bad_phone = _register(client, account, applicant_name="Иванов", applicant_contact="позвонить")
        # The absence rules hold against the day of the contact: back on 08.03 is in the future on 06.03.
        absence = _register(
            client,
            account,
            kind="absence",
            left_on="2026-02-20",
            returned_on="2026-03-08",
            applicant_name="Иванов",
            applicant_contact="89781234567",
        )
    assert future.status_code == 200 and "Время обращения не может быть в будущем." in future.content.decode()
    assert "укажите, кто обратился" in nobody.content.decode()
    assert "Укажите телефон (10–15 цифр) или адрес электронной почты." in bad_phone.content.decode()
    assert "Дата возвращения не может быть в будущем." in absence.content.decode()
    assert not Appeal.objects.exists()


@pytest.mark.django_db
def test_only_staff_who_may_add_requests_reach_the_page(client, operator, accountant, resident):
    url = reverse("admin:documents_appeal_register")
    assert client.get(url).status_code == 302  # anonymous: to the admin's login
    client.force_login(resident)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    client.force_login(accountant)
    assert client.get(url).status_code == 403
    account = PersonalAccountFactory(number="1000000307")
    assert _register(client, account, applicant_name="Иванов", applicant_contact="89781234567").status_code == 403
    assert not Appeal.objects.exists()
    client.force_login(operator)
    page = client.get(url + f"?account={account.number}&kind=free").content.decode()
    assert "Телефон или эл. почта для ответа" in page and "Входа в кабинет нет" in page
    missing = client.get(url + "?account=1000009999&kind=free").content.decode()
    assert "Лицевой счёт № 1000009999 не найден." in missing
    changelist = client.get(reverse("admin:documents_appeal_changelist")).content.decode()
    assert url in changelist
