"""An operator answers a free-text certificate request in admin: attach a
PDF (→ ready, the resident is emailed) or refuse with a reason."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from documents.models import CertificateRequest


@pytest.fixture
def free_text_request(resident):
    account = resident.account_links.get().account
    return CertificateRequest.objects.create(
        account=account, user=resident, kind=CertificateRequest.Kind.OTHER, text="Справка о составе семьи"
    )


def url(req):
    return f"/admin/documents/certificaterequest/{req.pk}/resolve/"


def test_operator_attaches_a_pdf_and_the_request_is_ready(
    client, operator, free_text_request, django_capture_on_commit_callbacks, mailoutbox
):
    client.force_login(operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(free_text_request), {"file": SimpleUploadedFile("s.pdf", b"%PDF-1.4 test")})
    assert response.status_code == 302
    free_text_request.refresh_from_db()
    assert free_text_request.status == CertificateRequest.Status.READY
    assert free_text_request.handled_by == operator
    assert free_text_request.document is not None
    assert len(mailoutbox) == 1


def test_operator_rejects_with_a_reason(client, operator, free_text_request):
    client.force_login(operator)
    client.post(url(free_text_request), {"reject_reason": "Такие справки выдаёт паспортный стол"})
    free_text_request.refresh_from_db()
    assert free_text_request.status == CertificateRequest.Status.REJECTED
    assert "паспортный стол" in free_text_request.reject_reason


def test_neither_or_both_is_refused_and_changes_nothing(client, operator, free_text_request):
    client.force_login(operator)
    page = client.post(url(free_text_request), {})
    assert "что-то одно" in page.content.decode()
    page = client.post(url(free_text_request), {"file": SimpleUploadedFile("x.txt", b"hello")})
    assert "PDF" in page.content.decode()
    free_text_request.refresh_from_db()
    assert free_text_request.status == CertificateRequest.Status.NEW


def test_status_cannot_be_edited_on_the_change_form(client, operator, free_text_request):
    client.force_login(operator)
    form = client.get(f"/admin/documents/certificaterequest/{free_text_request.pk}/change/").content.decode()
    assert 'name="status"' not in form
    assert "Приложить документ или отказать" in form
