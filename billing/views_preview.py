"""What-if pages over the billing engine: the readings form with the bill
those readings would produce (/cabinet/readings/calc/ and its JSON twin), and
the penalty calculator (/cabinet/penalty/), «Почему изменилось»
(/cabinet/charges/why/).

The page composes meters (the form, the validation of the values) and
billing (the dry run of the monthly run: :mod:`billing.dryrun`), so it lives
here, above meters; the readings form itself stays meters' page and posts the
readings to meters' view. Nothing is saved by either view.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import account_required
from billing import dryrun
from billing.dryrun import DryRun
from billing.forms import PenaltyCalcForm
from billing.models import Service
from billing.penalties import PenaltyRefused
from billing.selectors.penalty_calc import penalty_calc
from billing.selectors.why import why_changed as why
from eirc import pagecache, periods
from eirc.money import ZERO, format_rub
from meters import selectors as meter_selectors
from meters.forms import ReadingsForm
from meters.services import ReadingErrors
from meters.views import form_context


def _preview(account, form: ReadingsForm, rows) -> DryRun | None:
    """The dry run for the values of a valid (or unbound) ``form``, or None
    after putting the refusals on the form."""
    month = rows[0].window.period if rows else periods.current_period()
    values = form.values() if form.is_bound else {}
    try:
        return dryrun.readings_preview(account=account, values=values, month=month)
    except ReadingErrors as exc:
        for name, message in exc.errors.items():
            form.add_error(None if name == "__all__" or name not in form.fields else name, message)
        return None


def _panel(preview: DryRun | None) -> dict:
    if preview is None:
        return {"preview": None}
    metered = [ln for ln in preview.lines if ln.service.method == Service.Method.METER]
    others = sum((ln.total for ln in preview.lines if ln.service.method != Service.Method.METER), ZERO)
    return {"preview": preview, "metered": metered, "others": others}


@account_required
@require_http_methods(["GET", "POST"])
def readings_preview(request):
    """The readings form re-rendered with the preview (the «Рассчитать»
    button of the form; works without JavaScript)."""
    today = periods.today()
    rows = meter_selectors.meter_rows(account=request.account, today=today)
    form = ReadingsForm(request.POST or None, rows=rows)
    preview = None
    if request.method == "GET" or form.is_valid():  # GET: the month from what is stored (or by estimate)
        preview = _preview(request.account, form, rows)
    context = form_context(form, rows, today=today) | _panel(preview)
    status = 422 if request.method == "POST" and form.errors else 200
    return render(request, "billing/readings_preview.html", context, status=status)


@account_required
@require_POST
def readings_preview_json(request):
    """The same preview for the form's script: the panel's HTML and the
    figures; refusals as ``errors`` {field: message} (status 200: a value
    being typed is not a failed request)."""
    today = periods.today()
    rows = meter_selectors.meter_rows(account=request.account, today=today)
    form = ReadingsForm(request.POST, rows=rows)
    preview = _preview(request.account, form, rows) if form.is_valid() else None
    errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
    body = {
        "html": render_to_string("billing/_readings_preview.html", _panel(preview) | {"errors": errors}),
        "errors": errors,
    }
    if preview is not None:
        body |= {
            "period": preview.month.strftime("%Y-%m"),
            "total": str(preview.total),
            "total_text": format_rub(preview.total),
            "lines": [
                {
                    "service": ln.service.code,
                    "name": ln.service.name,
                    "quantity": str(ln.quantity),
                    "amount": str(ln.amount),
                    "benefit": str(ln.benefit),
                    "total": str(ln.total),
                }
                for ln in preview.lines
            ],
            "penalties": str(preview.penalty_total),
        }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


@account_required
@require_GET
def penalty_calculator(request):
    """«Если оплатить N ₽ в дату D»: the penalty by debt period (GET form,
    on the dashboard and the charges page too)."""
    form = PenaltyCalcForm(request.GET or None, initial={"on": periods.today()})
    calc, refused = None, None
    if request.GET and form.is_valid():
        try:
            calc = penalty_calc(account=request.account, amount=form.cleaned_data["amount"], on=form.cleaned_data["on"])
        except PenaltyRefused as exc:
            refused = exc.message
    status = 422 if request.GET and form.errors else 200
    return render(
        request,
        "billing/penalty_calc.html",
        {"form": form, "calc": calc, "refused": refused, "today": periods.today()},
        status=status,
    )


@account_required
@require_GET
def why_changed(request):
    """«Почему изменилось»: the latest month against the month before and the
    same month a year earlier (cached per account like the charges page)."""
    account = request.account
    body = pagecache.cached_body(
        name="why",
        account=account,
        render=lambda: render_to_string("billing/_why_body.html", {"w": why(account=account)}),
    )
    return render(request, "billing/why.html", {"body": body})
