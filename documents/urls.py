from django.contrib import admin
from django.urls import path

from documents import (
    admin_queues,
    views,
    views_appeals,
    views_certificates,
    views_notices,
    views_receipts,
    views_verify,
)

app_name = "documents"

urlpatterns = [
    # Reference information (public). /info/<slug>/ are staff-edited flatpages
    # served by the flatpage fallback middleware.
    path("info/", views.reference_index, name="reference"),
    path("info/offices/", views.offices, name="offices"),
    path("info/contacts/", views.contacts, name="contacts"),
    path("info/tariffs/", views.tariffs, name="tariffs"),
    # Notices for the resident's address.
    path("cabinet/notices/", views_notices.notices, name="notices"),
    # Receipts (ЕПД) of the resident.
    path("cabinet/receipts/", views_receipts.receipts, name="receipts"),
    path("cabinet/receipts/paperless/", views_receipts.paperless, name="paperless"),
    path(
        "cabinet/receipts/<int:year>-<int:month>/download/",
        views_receipts.receipt_download,
        name="receipt_download",
    ),
    path("cabinet/receipts/<int:year>-<int:month>/print/", views_receipts.receipt_print, name="receipt_print"),
    # Certificates.
    path("cabinet/certificates/", views_certificates.certificates, name="certificates"),
    path("cabinet/certificates/order/", views_certificates.certificate_order, name="certificate_order"),
    path(
        "cabinet/certificates/<int:request_id>/download/",
        views_certificates.certificate_download,
        name="certificate_download",
    ),
    # Requests (обращения) of the resident.
    path("cabinet/appeals/", views_appeals.appeals, name="appeals"),
    path("cabinet/appeals/new/<slug:kind>/", views_appeals.appeal_new, name="appeal_new"),
    path("cabinet/appeals/<int:appeal_id>/", views_appeals.appeal_detail, name="appeal_detail"),
    path("cabinet/appeals/<int:appeal_id>/acknowledgement/", views_appeals.appeal_ack, name="appeal_ack"),
    path("cabinet/appeals/<int:appeal_id>/reply/", views_appeals.appeal_reply, name="appeal_reply"),
    path("cabinet/appeals/<int:appeal_id>/withdraw/", views_appeals.appeal_withdraw, name="appeal_withdraw"),
    path(
        "cabinet/appeals/<int:appeal_id>/files/<int:attachment_id>/",
        views_appeals.appeal_attachment,
        name="appeal_attachment",
    ),
    # Staff: the operators' work queues (behind the admin's gate).
    path("documents/queues/", admin.site.admin_view(admin_queues.queues), name="queues"),
    # Public: authenticity check, the e-receipt unsubscribe link, staff list.
    path("documents/verify/", views_verify.verify, name="verify_form"),
    path("documents/verify/<str:code>/", views_verify.verify, name="verify"),
    path("documents/unsubscribe/<key:token>/", views_receipts.unsubscribe, name="unsubscribe"),
    path("documents/paperless/", admin.site.admin_view(views_receipts.paperless_list), name="paperless_list"),
]
