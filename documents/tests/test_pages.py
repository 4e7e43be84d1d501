"""Residents' pages: receipts list, download, print, certificates, verify,
e-receipts by email (real SMTP on loopback) and the signed unsubscribe."""

from __future__ import annotations

import datetime as dt
import email
from email import policy

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Consent, User
from billing.models import Statement
from billing.services import ledger_post_payment
from documents import services
from documents.models import CertificateRequest
from documents.tests.conftest import DEMO_NUMBER, pdf_text
from eirc.errors import DomainError
from payments.models import Payment


@pytest.fixture
def demo_user(demo):
    return User.objects.get(account_links__account__number=DEMO_NUMBER)


def _url(name, period, **kw):
    return reverse(name, args=[period.month.year, period.month.month])


def test_receipts_page_lists_every_closed_period_with_amount_and_status(client, demo_user, closed_period):
    client.force_login(demo_user)
    response = client.get(reverse("documents:receipts"))
    assert response.status_code == 200
    body = response.content.decode()
    months = Statement.objects.filter(account__number=DEMO_NUMBER, period__status="closed").count()
    assert body.count('class="receipt-row"') == months
    assert 'data-status="unpaid"' in body or 'data-status="partly"' in body or 'data-status="paid"' in body
    assert _url("documents:receipt_download", closed_period) in body


def test_download_renders_on_demand_then_serves_an_attachment_nobody_caches(
    client, demo_user, closed_period, django_capture_on_commit_callbacks
):
    client.force_login(demo_user)
    url = _url("documents:receipt_download", closed_period)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        pending = client.get(url)
    assert pending.status_code == 200
    body = pending.content.decode()
    assert "готовится" in body and 'http-equiv="refresh"' not in body  # no timed reload (WCAG 2.2.1)
    assert 'role="status"' in body and f'data-watch-url="{url}"' in body and "js/pending-watch.js" in body
    assert len(callbacks) == 1
    callbacks[0]()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    pdf = b"".join(response.streaming_content)
    assert DEMO_NUMBER in pdf_text(pdf)


def test_print_view_shows_the_receipt_as_html(client, demo_user, demo_account, closed_period):
    services.receipt_render(account=demo_account, period=closed_period)
    client.force_login(demo_user)
    response = client.get(_url("documents:receipt_print", closed_period))
    assert response.status_code == 200
    body = response.content.decode()
    assert DEMO_NUMBER in body and "Итого к оплате" in body and "style=" not in body


def test_another_residents_receipt_and_certificate_are_404(
    client, demo_account, closed_period, demo_user, other_resident
):
    services.receipt_render(account=demo_account, period=closed_period)
    req = CertificateRequest.objects.create(account=demo_account, user=demo_user, kind="extract", status="ready")
    client.force_login(other_resident)
    r = client.get(_url("documents:receipt_download", closed_period))
    assert r.status_code == 404, r.content.decode()[-3000:]
    assert client.get(_url("documents:receipt_print", closed_period)).status_code == 404
    assert client.get(reverse("documents:certificate_download", args=[req.pk])).status_code == 404


def test_no_debt_certificate_is_refused_with_the_debt_then_issued_after_paying(
    client, demo_user, demo_account, django_capture_on_commit_callbacks
):
    overdue, _ = services.account_overdue_debt(account=demo_account)
    assert overdue > 0
    client.force_login(demo_user)
    response = client.post(reverse("documents:certificate_order"), {"kind": "no_debt"})
    assert response.status_code == 200
    from eirc.money import format_rub

    assert format_rub(overdue) in response.content.decode()
    assert not CertificateRequest.objects.exists()

    debt = sum(demo_account.ledger.values_list("amount", flat=True))
    payment = Payment.objects.create(
        account=demo_account, amount=debt, status=Payment.Status.SUCCEEDED, paid_at=timezone.now(), provider="sandbox"
    )
    ledger_post_payment(payment=payment)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("documents:certificate_order"), {"kind": "no_debt"})
    assert response.status_code == 302
    req = CertificateRequest.objects.get()
    assert req.status == "ready" and req.document is not None
    download = client.get(reverse("documents:certificate_download", args=[req.pk]))
    assert download["Content-Disposition"].startswith("attachment;") and "no-store" in download["Cache-Control"]
    text = " ".join(pdf_text(b"".join(download.streaming_content)).split())
    assert DEMO_NUMBER in text and "задолженности" in text and req.document.code in text


def test_statement_certificate_for_a_date_range_is_generated(
    client, demo_user, closed_period, django_capture_on_commit_callbacks
):
    client.force_login(demo_user)
    start = closed_period.month - dt.timedelta(days=40)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("documents:certificate_order"),
            {"kind": "statement", "date_from": start.isoformat(), "date_to": closed_period.month.isoformat()},
        )
    req = CertificateRequest.objects.get()
    assert req.status == "ready"
    text = pdf_text(req.file.read())
    assert f"{closed_period.month:%m.%Y}" in text


def test_free_text_request_goes_to_operators_and_back(demo_user, demo_account, operator):
    req = services.certificate_order(user=demo_user, account=demo_account, kind="other", text="Копия договора")
    assert req.status == "new"
    services.certificate_take(request=req, user=operator)
    with pytest.raises(DomainError):
        services.certificate_complete(request=req, user=operator, content=b"not a pdf", filename="x.pdf")
    req = services.certificate_complete(request=req, user=operator, content=b"%PDF-1.4 test", filename="Копия.pdf")
    assert req.status == "ready" and req.document.sha256
    other = services.certificate_order(user=demo_user, account=demo_account, kind="other", text="Что-то ещё")
    with pytest.raises(DomainError):
        services.certificate_reject(request=other, user=operator, reason="  ")
    assert services.certificate_reject(request=other, user=operator, reason="Нет оснований").status == "rejected"


def test_verify_page_confirms_a_real_code_and_rejects_a_made_up_one(client, demo_account, closed_period):
    receipt, _ = services.receipt_render(account=demo_account, period=closed_period)
    response = client.get(reverse("documents:verify", args=[receipt.document.code]))
    body = response.content.decode()
    assert response.status_code == 200 and 'data-result="genuine"' in body
    assert demo_account.masked_number in body
    assert demo_account.number not in body and demo_account.owner_last_name not in body
    assert demo_account.address not in body and f"кв. {demo_account.flat}" not in body
    made_up = client.get(reverse("documents:verify", args=["ZZZZZZZZZZ"]))
    assert made_up.status_code == 404 and 'data-result="unknown"' in made_up.content.decode()


@pytest.fixture
def smtp(smtp_server, settings):
    """The loopback SMTP server of the root conftest, with Celery eager."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    return smtp_server


def test_e_receipt_arrives_with_the_pdf_and_unsubscribe_works_only_when_signed(
    client, smtp, demo_user, demo_account, closed_period, django_capture_on_commit_callbacks
):
    demo_user.email_confirmed_at = timezone.now()
    demo_user.save()
    services.paperless_set(user=demo_user, enabled=True)
    assert Consent.objects.filter(user=demo_user, kind="paperless", given=True).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.receipts_issue(period=closed_period)
    assert len(smtp.envelopes) == 1
    msg = email.message_from_bytes(smtp.envelopes[0].content, policy=policy.default)
    assert smtp.envelopes[0].rcpt_tos == [demo_user.email]
    pdfs = [p for p in msg.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1 and DEMO_NUMBER in pdf_text(pdfs[0].get_content())
    body = msg.get_body(preferencelist=("plain",)).get_content()
    link = next(w for w in body.split() if "/documents/unsubscribe/" in w)
    path = link.split("127.0.0.1:8000", 1)[-1] if "127.0.0.1:8000" in link else link[link.index("/documents/") :]

    with django_capture_on_commit_callbacks(execute=True):
        services.receipts_issue(period=closed_period)
    assert len(smtp.envelopes) == 1  # sent once per receipt

    token = path.rstrip("/").rsplit("/", 1)[-1]
    tampered = path.replace(token, token[:-2] + ("aa" if not token.endswith("aa") else "bb"))
    assert client.post(tampered).status_code == 400
    demo_user.refresh_from_db()
    assert demo_user.paperless_receipts is True
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 200
    demo_user.refresh_from_db()
    assert demo_user.paperless_receipts is False
    assert Consent.objects.filter(user=demo_user, kind="paperless", given=False).exists()


def test_paperless_list_is_for_staff_only(client, demo_user, operator):
    demo_user.email_confirmed_at = timezone.now()
    demo_user.save()
    services.paperless_set(user=demo_user, enabled=True)
    client.force_login(demo_user)
    assert client.get(reverse("documents:paperless_list")).status_code == 302
    client.force_login(operator)
    response = client.get(reverse("documents:paperless_list"))
    assert response.status_code == 200 and DEMO_NUMBER in response.content.decode()
