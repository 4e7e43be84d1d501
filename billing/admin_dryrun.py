"""«Пересчитать без записи»: the billing run's dry run (billing/dryrun.py)
for any account and period, from the admin, beside what was posted — the
operator's answer to a charge-check request. A GET page: it reads only, so
its address can be sent to a colleague."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from accounts.models import PersonalAccount
from billing.dryrun import dry_run
from billing.models import Charge, LedgerEntry
from eirc.money import ZERO
from eirc.periods import parse_period, period_label

K = LedgerEntry.Kind


class DryRunForm(forms.Form):
    account = forms.CharField(label=_("Лицевой счёт"), max_length=10)
    period = forms.CharField(label=_("Период (ММ.ГГГГ)"), max_length=7)

    def clean_account(self):
        number = self.cleaned_data["account"].strip()
        account = PersonalAccount.objects.filter(number=number).first()
        if account is None:
            raise forms.ValidationError(_("Лицевой счёт не найден."))
        return account

    def clean_period(self):
        try:
            return parse_period(self.cleaned_data["period"])
        except ValueError:
            raise forms.ValidationError(_("Период в формате ММ.ГГГГ, например 11.2025.")) from None


@dataclass
class Row:
    name: str
    posted: Charge | None
    again: object | None  # billing.dryrun.DryLine

    @property
    def posted_total(self) -> Decimal:
        return self.posted.total if self.posted else ZERO

    @property
    def again_total(self) -> Decimal:
        return self.again.total if self.again else ZERO

    @property
    def difference(self) -> Decimal:
        return self.again_total - self.posted_total


def compare(*, account, month) -> dict:
    """The dry run of ``account`` in ``month`` beside what the run posted:
    rows per service and per penalty period, totals and their difference."""
    result = dry_run(account=account, month=month)
    posted = {
        c.service_id: c for c in Charge.objects.filter(account=account, period__month=month).select_related("service")
    }
    again = {ln.service.pk: ln for ln in result.lines}
    rows = []
    for sid in list(dict.fromkeys([*again, *posted])):
        name = (again[sid].service if sid in again else posted[sid].service).name
        rows.append(Row(name=name, posted=posted.get(sid), again=again.get(sid)))
    run_entries = LedgerEntry.objects.filter(account=account, period__month=month, run__isnull=False)
    posted_penalties = dict(
        run_entries.filter(kind=K.PENALTY)
        .values("for_period__month")
        .annotate(s=Sum("amount"))
        .values_list("for_period__month", "s")
    )
    again_penalties = {}
    for p in result.penalties:
        again_penalties[p.for_month] = again_penalties.get(p.for_month, ZERO) + p.amount
    penalties = [
        {
            "label": period_label(m),
            "posted": posted_penalties.get(m, ZERO),
            "again": again_penalties.get(m, ZERO),
            "difference": again_penalties.get(m, ZERO) - posted_penalties.get(m, ZERO),
        }
        for m in sorted(set(posted_penalties) | set(again_penalties))
    ]
    posted_total = run_entries.aggregate(s=Sum("amount"))["s"] or ZERO
    return {
        "result": result,
        "rows": rows,
        "penalties": penalties,
        "posted_total": posted_total,
        "difference": result.total - posted_total,
        "posted_any": bool(posted) or posted_total != 0,
    }


def dry_run_view(request, admin_site):
    if not request.user.has_perm("billing.view_charge"):
        raise PermissionDenied
    form = DryRunForm(request.GET or None)
    comparison = None
    if request.GET and form.is_valid():
        comparison = compare(account=form.cleaned_data["account"], month=form.cleaned_data["period"])
    context = {
        **admin_site.each_context(request),
        "title": _("Пересчитать без записи"),
        "form": form,
        "c": comparison,
        "opts": Charge._meta,
    }
    return render(request, "billing/admin_dry_run.html", context)
