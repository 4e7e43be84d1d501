"""{% memo %}: the layout's parts rendered once per process stay right for
every page (the menu marks the page it is on) and follow a changed setting."""

import re

import pytest


@pytest.fixture
def logged_in(client, resident):
    client.force_login(resident)
    return client


def current(page: str) -> list[str]:
    """The menu items marked as the current page."""
    return re.findall(r'active" aria-current="page" href="([^"]+)"', page)


@pytest.mark.django_db
def test_the_menu_marks_the_page_it_is_on_though_rendered_once(logged_in):
    for _ in range(2):
        assert current(logged_in.get("/cabinet/").content.decode()) == ["/cabinet/"]
        assert current(logged_in.get("/cabinet/charges/").content.decode()) == ["/cabinet/charges/"]
        # The payments history is not the pay page: one item marked, not «Оплатить» too.
        assert current(logged_in.get("/cabinet/payments/").content.decode()) == ["/cabinet/payments/"]


@pytest.mark.django_db
def test_the_footer_follows_a_changed_setting(client, settings):
    assert settings.EIRC["HOTLINE"] in client.get("/").content.decode()
    settings.EIRC = {**settings.EIRC, "HOTLINE": "+7 (8692) 00-00-01"}
    assert "+7 (8692) 00-00-01" in client.get("/").content.decode()


def test_a_memo_cannot_hold_a_block():
    from django.template import Template, TemplateSyntaxError

    with pytest.raises(TemplateSyntaxError, match="block"):
        Template('{% load eirc %}{% memo "x" %}{% block title %}{% endblock %}{% endmemo %}')


@pytest.mark.django_db
def test_the_logout_form_carries_this_requests_csrf_token_around_the_memoised_button(logged_in):
    """The logout button is rendered once per process; the CSRF token between
    its halves is the request's own, and logging out with it works."""
    page = logged_in.get("/cabinet/").content.decode()
    form = re.search(r'<form method="post" action="/accounts/logout/"[^>]*>(.*?)</form>', page, re.S).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    again = logged_in.get("/cabinet/").content.decode()
    assert token not in again  # a fresh mask on every page
    logged_in.handler.enforce_csrf_checks = True
    response = logged_in.post("/accounts/logout/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert logged_in.get("/cabinet/").status_code == 302  # logged out
