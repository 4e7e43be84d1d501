"""Resident pages of the readings section (/cabinet/readings/)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import Capability
from accounts.decorators import account_required
from accounts.models import ApiToken
from eirc.errors import DomainError
from eirc.periods import today as local_today
from meters import selectors
from meters.charts import consumption_svg, legend_html
from meters.confirmation import confirmation_text
from meters.forms import ReadingsForm, TokenForm
from meters.services import ReadingErrors, reading_submit
from meters.tokens import api_token_create, api_token_revoke
from meters.window import window_for


@account_required(write=Capability.READINGS)
@require_http_methods(["GET", "POST"])
def submit(request):
    """The readings form of the active account."""
    today = local_today()
    rows = selectors.meter_rows(account=request.account, today=today)
    form = ReadingsForm(request.POST or None, rows=rows)
    needs_confirmation = False
    if request.method == "POST" and form.is_valid():
        try:
            submission = reading_submit(
                account=request.account,
                user=request.user,
                values=form.values(),
                confirm_jump=form.cleaned_data["confirm_jump"],
                channel="web",
            )
        except ReadingErrors as exc:
            for name, message in exc.errors.items():
                form.add_error(None if name == "__all__" or name not in form.fields else name, message)
            needs_confirmation = "jump" in exc.codes.values()
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("meters:confirmation", code=submission.code)
    return render(
        request,
        "meters/submit.html",
        form_context(form, rows, today=today, needs_confirmation=needs_confirmation),
        status=422 if request.method == "POST" else 200,
    )


def form_context(form: ReadingsForm, rows, *, today, needs_confirmation: bool = False) -> dict:
    """The readings form's template context (``meters/submit.html``), also
    for pages above meters that show the form with more (billing's preview)."""
    window = rows[0].window if rows else window_for(None, today=today)
    fields = {name: form[name] for name in form.fields}
    for row in rows:
        for zone in row.zones:
            zone.bound = fields[zone.field_name]
    return {"form": form, "rows": rows, "window": window, "needs_confirmation": needs_confirmation, "today": today}


@account_required
def confirmation(request, code):
    submission = selectors.submission_for_user(user=request.user, code=code)
    return render(request, "meters/confirmation.html", {"submission": submission, "result": submission.result})


@account_required
@never_cache
def confirmation_download(request, code):
    submission = selectors.submission_for_user(user=request.user, code=code)
    filename, content_type, body = confirmation_text(submission)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@account_required
def history(request, meter_id):
    meter = selectors.meter_for_user(user=request.user, meter_id=meter_id)
    today = local_today()
    points, average = selectors.monthly_consumption(meter=meter, today=today)
    title = f"Расход по месяцам: {meter.service.name}, счётчик № {meter.serial}"
    return render(
        request,
        "meters/history.html",
        {
            "meter": meter,
            "readings": selectors.reading_history(meter=meter),
            "points": points,
            "average": average,
            "chart": consumption_svg(points, average, unit=meter.service.unit, title=title),
            "legend": legend_html(average=average, unit=meter.service.unit),
            "chart_title": title,
        },
    )


@account_required(needs=Capability.READINGS)
@never_cache
@require_http_methods(["GET", "POST"])
def tokens(request):
    """Personal API tokens: list, create (the token is shown once)."""
    form = TokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        try:
            _row, new_token = api_token_create(
                user=request.user, account=request.account, name=form.cleaned_data["name"]
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            form = TokenForm()
    rows = ApiToken.objects.filter(user=request.user).select_related("account")
    api_base = settings.SITE_URL + reverse("meters_api:meters").removesuffix("meters/")
    response = render(
        request, "meters/tokens.html", {"form": form, "tokens": rows, "new_token": new_token, "api_base": api_base}
    )
    response["Cache-Control"] = "no-store"
    return response


@account_required
@require_POST
def token_revoke(request, token_id):
    api_token_revoke(user=request.user, token_id=token_id)
    messages.success(request, "Токен отозван: запросы с ним больше не принимаются.")
    return redirect("meters:tokens")
