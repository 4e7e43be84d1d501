"""The operator's page for a free-text certificate request: attach the
prepared PDF (→ ready) or refuse with a reason (→ rejected). The workflow
lives in ``documents.services``; this page only parses the form."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from documents.models import CertificateRequest
from documents.services import certificate_complete, certificate_reject
from eirc.errors import DomainError

MAX_UPLOAD = 10 * 1024 * 1024


class ResolveForm(forms.Form):
    file = forms.FileField(label=_("Готовый документ (PDF)"), required=False)
    reject_reason = forms.CharField(
        label=_("Или причина отказа"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self):
        data = super().clean()
        if bool(data.get("file")) == bool((data.get("reject_reason") or "").strip()):
            raise forms.ValidationError(_("Приложите PDF или укажите причину отказа — что-то одно."))
        return data


def resolve_view(request, object_id, admin_site):
    if not request.user.has_perm("documents.change_certificaterequest"):
        raise PermissionDenied
    req = get_object_or_404(CertificateRequest.objects.select_related("account"), pk=object_id)
    form = ResolveForm(request.POST, request.FILES) if request.method == "POST" else ResolveForm()
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("file")
        try:
            if upload:
                if upload.size > MAX_UPLOAD:
                    raise DomainError(str(_("Файл больше 10 МБ.")), field="file")
                certificate_complete(request=req, user=request.user, content=upload.read(), filename=upload.name)
                messages.success(request, _("Документ приложен, житель получит письмо."))
            else:
                certificate_reject(request=req, user=request.user, reason=form.cleaned_data["reject_reason"])
                messages.success(request, _("Запрос отклонён, житель получит письмо с причиной."))
        except DomainError as exc:
            form.add_error("file" if exc.field == "file" else None, exc.message)
        else:
            return redirect("admin:documents_certificaterequest_change", req.pk)
    context = {
        **admin_site.each_context(request),
        "title": _("Ответ на запрос"),
        "req": req,
        "form": form,
        "opts": CertificateRequest._meta,
    }
    return render(request, "documents/admin_resolve.html", context)
