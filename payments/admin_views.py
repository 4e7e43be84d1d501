"""Admin pages of the payments app: a refund of a payment (accountant) and
the upload of a bank registry. Both call the same services as the commands
and the tests; the admin only parses the form and shows the result."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from eirc.errors import DomainError
from eirc.money import format_rub
from payments import services
from payments.models import Payment
from payments.providers import GatewayUnavailable
from payments.registry import registry_import

MAX_UPLOAD = 10 * 1024 * 1024


class RefundForm(forms.Form):
    amount = forms.CharField(label=_("Сумма возврата, ₽"), help_text=_("В рублях, например 600 или 600,50"))
    reason = forms.CharField(label=_("Причина"), max_length=250)
    # One form, one refund: a double submit reuses this key.
    key = forms.UUIDField(widget=forms.HiddenInput)


def refund_view(request, object_id, admin_site):
    if not request.user.has_perm("payments.add_refund"):
        raise PermissionDenied
    payment = get_object_or_404(Payment.objects.select_related("account"), pk=object_id)
    refunded = sum((r.amount for r in payment.refunds.exclude(status="canceled")), start=0)
    form = RefundForm(request.POST) if request.method == "POST" else RefundForm(initial={"key": uuid.uuid4()})
    if request.method == "POST" and form.is_valid():
        try:
            amount = services.amount_validate(form.cleaned_data["amount"])
            refund = services.refund_create(
                payment_id=payment.pk,
                amount=amount,
                reason=form.cleaned_data["reason"],
                user=request.user,
                key=form.cleaned_data["key"],
            )
        except DomainError as exc:
            form.add_error("amount" if exc.field == "amount" else None, exc.message)
        except GatewayUnavailable:
            messages.warning(request, _("Платёжный сервис не ответил: возврат будет повторён автоматически."))
            return redirect("admin:payments_payment_change", payment.pk)
        else:
            messages.success(
                request,
                _("Возврат %(amount)s: %(status)s.")
                % {"amount": format_rub(refund.amount), "status": refund.get_status_display()},
            )
            return redirect("admin:payments_payment_change", payment.pk)
    context = {
        **admin_site.each_context(request),
        "title": _("Возврат платежа"),
        "payment": payment,
        "refunded": refunded,
        "available": payment.amount - refunded,
        "form": form,
        "opts": Payment._meta,
    }
    return render(request, "payments/admin_refund.html", context)


class RegistryForm(forms.Form):
    file = forms.FileField(label=_("Файл реестра (CSV, UTF-8, «;»)"))
    dry_run = forms.BooleanField(label=_("Только проверить"), required=False, initial=True)
    skip_errors = forms.BooleanField(label=_("Провести верные строки, пропустив ошибочные"), required=False)


def registry_upload_view(request, admin_site):
    if not request.user.has_perm("payments.add_registryimport"):
        raise PermissionDenied
    form = RegistryForm(request.POST, request.FILES) if request.method == "POST" else RegistryForm()
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            form.add_error("file", _("Файл больше 10 МБ: разбейте его на части."))
        else:
            report = registry_import(
                content=upload.read(),
                filename=upload.name,
                user=request.user,
                dry_run=form.cleaned_data["dry_run"],
                skip_errors=form.cleaned_data["skip_errors"],
            )
    context = {
        **admin_site.each_context(request),
        "title": _("Загрузка реестра платежей"),
        "form": form,
        "report": report,
        "opts": Payment._meta,
    }
    return render(request, "payments/admin_registry.html", context)


class PaymentsExportForm(forms.Form):
    day = forms.DateField(label=_("День оплаты (ДД.ММ.ГГГГ)"), input_formats=["%d.%m.%Y", "%Y-%m-%d"])


def payments_export_view(request, admin_site):
    """The day's payments, one file per provider (payments.exchange_export), as a zip."""
    from billing.admin_exchange import export_page
    from payments.exchange_export import payments_export

    return export_page(
        request,
        admin_site,
        title=_("Выгрузка платежей"),
        form_class=PaymentsExportForm,
        write=lambda data, out, user: payments_export(day=data["day"], out=out, user=user).files,
        name="payments.zip",
    )
