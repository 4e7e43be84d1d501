"""The accountant's «run the period» admin action. The Period admin itself
is registered by documents (``documents/admin.py``), whose «close» action
also issues the receipts; this action calls the same service as
``manage.py billing_run`` and reports the result (or the ``DomainError``
message) through the admin messages.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from billing.engine import billing_run
from eirc.errors import DomainError
from eirc.money import format_rub
from eirc.periods import period_label


@admin.action(description=_("Рассчитать период"), permissions=["change"])
def run_periods(modeladmin, request, queryset):
    for per in queryset.order_by("month"):
        try:
            report = billing_run(period=per.month, user=request.user)
        except DomainError as exc:
            modeladmin.message_user(request, exc.message, messages.ERROR)
            continue
        text = (
            f"Период {period_label(per.month)} рассчитан: лицевых счетов {report.accounts}, строк {report.lines}, "
            f"начислено {format_rub(report.totals.get('charge', 0))}, пени {format_rub(report.totals.get('penalty', 0))}."
        )
        modeladmin.message_user(request, text, messages.SUCCESS)
        if report.warnings:
            shown = "; ".join(report.warnings[:10])
            more = f" (и ещё {len(report.warnings) - 10})" if len(report.warnings) > 10 else ""
            modeladmin.message_user(request, f"Предупреждения: {shown}{more}", messages.WARNING)
