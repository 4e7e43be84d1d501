"""Reads of residents' requests, always scoped to the resident: a request,
file or message of someone else is a 404, never a 403."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404

from billing.models import Charge
from documents.models import Appeal, AppealAttachment, AppealKind, AppealMessage


def appeal_kinds():
    return AppealKind.objects.filter(is_active=True).order_by("position", "title")


def appeal_kind(code: str) -> AppealKind:
    return get_object_or_404(AppealKind, code=code, is_active=True)


def appeals_for(*, user, account):
    """The resident's requests on the account, newest first."""
    return (
        Appeal.objects.filter(user=user, account=account)
        .select_related("kind")
        .annotate(n_messages=Count("messages"))
        .order_by("-filed_at")
    )


def appeal_for(*, user, account, appeal_id: int) -> Appeal:
    """One request of the resident with its thread, files and history; 404
    for anyone else's."""
    qs = Appeal.objects.select_related("kind", "account", "recalculation", "recalculation__period").prefetch_related(
        Prefetch("messages", queryset=AppealMessage.objects.select_related("author")),
        Prefetch("attachments", queryset=AppealAttachment.objects.order_by("created_at", "id")),
        "history",
    )
    return get_object_or_404(qs, pk=appeal_id, user=user, account=account)


def appeal_attachment_for(*, user, account, appeal_id: int, attachment_id: int) -> AppealAttachment:
    return get_object_or_404(
        AppealAttachment, pk=attachment_id, appeal_id=appeal_id, appeal__user=user, appeal__account=account
    )


def charge_line_for(*, account, charge_id) -> Charge | None:
    """A charge line of the account (the «Оспорить» link); None for a
    foreign or unknown id."""
    try:
        charge_id = int(charge_id)
    except (TypeError, ValueError):
        return None
    return Charge.objects.select_related("service", "period").filter(pk=charge_id, account=account).first()


def charge_lines_for(*, account, period) -> list[Charge]:
    return list(
        Charge.objects.filter(account=account, period=period)
        .select_related("service")
        .order_by("service__position", "service__name")
    )


def is_overdue(appeal: Appeal, today: dt.date) -> bool:
    return appeal.is_open and appeal.deadline < today
