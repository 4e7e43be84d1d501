"""The operators' home page: work queues as counts, each a link to the
admin's filtered list. Requests by deadline (overdue, due today, due in the
next two days), certificate requests waiting, payments stuck pending,
registry files with errors. (Readings carry no «to review» mark in the
models, so there is no such queue.)"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from documents.models import Appeal, CertificateRequest
from eirc import periods as P
from payments.models import Payment, RegistryImport

STUCK_AFTER = dt.timedelta(hours=1)


@dataclass
class Queue:
    title: str
    count: int
    url: str
    danger: bool = False


def _url(name: str, **params) -> str:
    return reverse(f"admin:{name}_changelist") + ("?" + urlencode(params) if params else "")


def work_queues(*, user, today: dt.date | None = None) -> list[Queue]:
    """The queues the ``user`` may see (by their view permissions)."""
    today = today or P.today()
    queues: list[Queue] = []
    if user.has_perm("documents.view_appeal"):
        open_ = Appeal.objects.exclude(status=Appeal.Status.CLOSED)
        overdue = open_.filter(deadline__lt=today).count()
        queues += [
            Queue(
                "Обращения: срок ответа прошёл", overdue, _url("documents_appeal", due="overdue"), danger=overdue > 0
            ),
            Queue(
                "Обращения: ответить сегодня",
                open_.filter(deadline=today).count(),
                _url("documents_appeal", due="today"),
            ),
            Queue(
                "Обращения: срок в ближайшие 2 дня",
                open_.filter(deadline__gt=today, deadline__lte=today + dt.timedelta(days=2)).count(),
                _url("documents_appeal", due="soon"),
            ),
            Queue(
                "Обращения: новые, без исполнителя",
                open_.filter(assigned_to__isnull=True).count(),
                _url("documents_appeal", status__exact=Appeal.Status.NEW),
            ),
        ]
    if user.has_perm("documents.view_certificaterequest"):
        for status in (CertificateRequest.Status.NEW, CertificateRequest.Status.IN_PROGRESS):
            queues.append(
                Queue(
                    f"Заказы справок: {CertificateRequest.Status(status).label}",
                    CertificateRequest.objects.filter(status=status).count(),
                    _url("documents_certificaterequest", status__exact=status),
                )
            )
    if user.has_perm("payments.view_payment"):
        cutoff = timezone.now() - STUCK_AFTER
        stuck = Payment.objects.filter(status=Payment.Status.PENDING, created_at__lt=cutoff).count()
        queues.append(
            Queue(
                "Платежи: дольше часа в обработке",
                stuck,
                _url("payments_payment", status__exact=Payment.Status.PENDING, created_at__lt=cutoff.isoformat()),
                danger=stuck > 0,
            )
        )
    if user.has_perm("payments.view_registryimport"):
        with_errors = RegistryImport.objects.exclude(report__errors=[]).exclude(report__errors__isnull=True).count()
        queues.append(Queue("Реестры банков с ошибками строк", with_errors, _url("payments_registryimport")))
    return queues


@require_GET
def queues(request):
    """Staff only, behind the admin site's gate (``admin_view`` in urls.py)."""
    items = work_queues(user=request.user)
    if not items:
        raise PermissionDenied
    context = {**admin.site.each_context(request), "title": "Рабочие очереди", "queues": items, "today": P.today()}
    return render(request, "documents/admin_queues.html", context)
