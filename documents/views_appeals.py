"""The resident's requests (обращения): the list with each answer's
deadline, a form per kind, the page of one request with its thread, files
and history, a reply, withdrawing, and the files (owner only)."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import Capability
from accounts.decorators import account_required
from documents import selectors_appeals as sel
from documents import services
from documents.forms_appeals import AppealForm, AppealMessageForm
from documents.views_receipts import private_file_response
from eirc import periods
from eirc.errors import DomainError
from eirc.money import format_amount


def _add_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@require_GET
@account_required
def appeals(request):
    return render(
        request,
        "documents/appeals.html",
        {
            "items": sel.appeals_for(user=request.user, account=request.account),
            "kinds": sel.appeal_kinds(),
            "today": periods.today(),
        },
    )


def _charge_initial(request) -> dict:
    charge = sel.charge_line_for(account=request.account, charge_id=request.GET.get("charge"))
    if charge is None:
        return {}
    return {
        "charge_id": charge.pk,
        "period": f"{charge.period.month:%m.%Y}",
        "service": charge.service.name,
        "amount": str(charge.total),
        "text": f"Прошу проверить начисление «{charge.service.name}» за {charge.period.month:%m.%Y} "
        f"на сумму {format_amount(charge.total)} ₽: ",
    }


@require_http_methods(["GET", "POST"])
@account_required(needs=Capability.REQUESTS)
def appeal_new(request, kind: str):
    kind_obj = sel.appeal_kind(kind)
    if request.method == "POST":
        form = AppealForm(request.POST, request.FILES, kind=kind_obj)
        if form.is_valid():
            data = dict(form.cleaned_data)  # a foreign charge line is dropped by appeal_validate
            try:
                appeal, created = services.appeal_file(
                    user=request.user,
                    account=request.account,
                    kind=kind_obj,
                    token=data.pop("token"),
                    data=data,
                    uploads=data.pop("files", []),
                )
            except DomainError as exc:
                _add_error(form, exc)
            else:
                if created:
                    messages.success(
                        request,
                        f"Обращение № {appeal.number} принято. Ответ — до {appeal.deadline:%d.%m.%Y}.",
                    )
                return redirect("documents:appeal_detail", appeal.pk)
    else:
        initial = _charge_initial(request) if kind_obj.form == kind_obj.Form.CHARGE else {}
        form = AppealForm(initial=initial, kind=kind_obj)
    return render(request, "documents/appeal_new.html", {"form": form, "kind": kind_obj})


@never_cache
@require_GET
@account_required
def appeal_detail(request, appeal_id: int):
    appeal = sel.appeal_for(user=request.user, account=request.account, appeal_id=appeal_id)
    return _detail(request, appeal, AppealMessageForm())


def _detail(request, appeal, form, status=200):
    return render(
        request,
        "documents/appeal_detail.html",
        {"appeal": appeal, "form": form, "overdue": sel.is_overdue(appeal, periods.today())},
        status=status,
    )


@require_POST
@account_required(needs=Capability.REQUESTS)
def appeal_reply(request, appeal_id: int):
    appeal = sel.appeal_for(user=request.user, account=request.account, appeal_id=appeal_id)
    form = AppealMessageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.appeal_message(
                appeal=appeal, user=request.user, text=form.cleaned_data["text"], uploads=form.cleaned_data["files"]
            )
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, "Сообщение отправлено.")
            return redirect("documents:appeal_detail", appeal.pk)
    return _detail(request, appeal, form, status=400)


@require_POST
@account_required(needs=Capability.REQUESTS)
def appeal_withdraw(request, appeal_id: int):
    appeal = sel.appeal_for(user=request.user, account=request.account, appeal_id=appeal_id)
    try:
        services.appeal_withdraw(appeal=appeal, user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Обращение № {appeal.number} отозвано.")
    return redirect("documents:appeal_detail", appeal.pk)


@never_cache
@require_GET
@account_required
def appeal_attachment(request, appeal_id: int, attachment_id: int):
    att = sel.appeal_attachment_for(
        user=request.user, account=request.account, appeal_id=appeal_id, attachment_id=attachment_id
    )
    return attachment_response(att)


def attachment_response(att) -> FileResponse:
    """A request's file as a download no cache keeps (the owner's or staff's)."""
    response = FileResponse(att.file.open("rb"), as_attachment=True, filename=att.name, content_type=att.content_type)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@never_cache
@require_GET
@account_required
def appeal_ack(request, appeal_id: int):
    """The acknowledgement PDF; rendered here if the task has not yet."""
    appeal = sel.appeal_for(user=request.user, account=request.account, appeal_id=appeal_id)
    if not appeal.ack_file:
        appeal = services.appeal_acknowledge(appeal_id=appeal.pk)
    return private_file_response(appeal.ack_file, f"appeal-{appeal.number}.pdf")
