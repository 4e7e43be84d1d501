"""«Зарегистрировать обращение»: an operator registers a request a resident
made by phone, in person or by letter (``admin:documents_appeal_register``,
/admin/documents/appeal/register/). Staff with ``documents.add_appeal``
(the groups «Операторы» and «Руководители») only.

Two steps on one page: the account (by number) and the kind (a GET form),
then the kind's own fields (the cabinet's ``AppealForm``) with the channel,
the time of the contact and the applicant. Saving calls
``documents.services.appeal_register``."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import PersonalAccount
from documents import selectors_appeals as sel
from documents import services
from documents.forms_appeals import AppealForm
from documents.models import Appeal, AppealKind
from documents.services.appeals_register import OPERATOR_CHANNELS, holder_login
from eirc import periods as P
from eirc.errors import DomainError

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%d.%m.%Y %H:%M", "%Y-%m-%d %H:%M"]


class FindForm(forms.Form):
    account = forms.CharField(label=_("Номер лицевого счёта"), max_length=10)
    kind = forms.ModelChoiceField(label=_("Вид обращения"), queryset=AppealKind.objects.none(), to_field_name="code")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = sel.appeal_kinds()

    def clean_account(self):
        number = "".join(self.cleaned_data["account"].split())
        account = PersonalAccount.objects.filter(number=number).first()
        if account is None:
            raise forms.ValidationError(_("Лицевой счёт № %(n)s не найден.") % {"n": number})
        return account


class RegisterForm(AppealForm):
    """The cabinet's form of the kind, plus what the operator was told."""

    def __init__(self, *args, kind: AppealKind, **kwargs):
        super().__init__(*args, kind=kind, **kwargs)
        f = self.fields
        kind_fields = dict(f)
        f.clear()
        f["token"] = kind_fields.pop("token")
        f["channel"] = forms.ChoiceField(
            label=_("Способ обращения"), choices=[(c.value, c.label) for c in OPERATOR_CHANNELS]
        )
        f["contacted_at"] = forms.DateTimeField(
            label=_("Дата и время обращения"),
            input_formats=DATETIME_FORMATS,
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            help_text=_("Срок ответа считается от этого дня. Не позже текущего времени."),
        )
        f["applicant_name"] = forms.CharField(
            label=_("Кто обратился (Ф. И. О.)"),
            max_length=200,
            required=False,
            help_text=_("Обязательно, если у лицевого счёта нет входа в кабинет."),
        )
        f["applicant_contact"] = forms.CharField(
            label=_("Телефон или эл. почта для ответа"),
            max_length=120,
            required=False,
            help_text=_("Обязательно, если у лицевого счёта нет входа в кабинет. На эл. почту придёт расписка."),
        )
        f.update(kind_fields)
        if not self.is_bound:
            self.initial.setdefault("contacted_at", timezone.localtime(timezone.now(), P.TZ).replace(second=0))


def _add_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def register_view(request, admin_site):
    if not request.user.has_perm("documents.add_appeal"):
        raise PermissionDenied
    find = FindForm(request.GET or None)
    account = kind = form = None
    if find.is_bound and find.is_valid():
        account, kind = find.cleaned_data["account"], find.cleaned_data["kind"]
        form = RegisterForm(request.POST or None, request.FILES or None, kind=kind)
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)  # a foreign charge line is dropped by appeal_validate
            try:
                appeal, created = services.appeal_register(
                    operator=request.user,
                    account=account,
                    kind=kind,
                    channel=data.pop("channel"),
                    contacted_at=data.pop("contacted_at"),
                    applicant_name=data.pop("applicant_name"),
                    applicant_contact=data.pop("applicant_contact"),
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
                        _("Обращение № %(n)s зарегистрировано. Ответ — до %(d)s.")
                        % {"n": appeal.number, "d": f"{appeal.deadline:%d.%m.%Y}"},
                    )
                return redirect("admin:documents_appeal_change", appeal.pk)
    context = {
        **admin_site.each_context(request),
        "title": _("Зарегистрировать обращение"),
        "find": find,
        "account": account,
        "kind": kind,
        "holder": holder_login(account) if account is not None else None,
        "form": form,
        "opts": Appeal._meta,
    }
    return render(request, "documents/admin_appeal_register.html", context)
