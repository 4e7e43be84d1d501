"""Forms of residents' requests: one per kind's ``form``. The forms parse;
the rules (dates, terms, files) are the service's (``appeal_validate``,
``appeal_files``), whose errors are put back on the field at fault."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from documents.appeal_files import MAX_FILES
from documents.models import AppealKind

DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
ACCEPT = "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def _files_field():
    return MultipleFileField(
        label=_("Файлы"),
        required=False,
        help_text=_("PDF, JPEG или PNG, до 10 МБ каждый, не больше %(n)d файлов.") % {"n": MAX_FILES},
    )


class AppealForm(forms.Form):
    token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, kind: AppealKind, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        F = AppealKind.Form
        f = self.fields
        if kind.form == F.ABSENCE:
            f["left_on"] = forms.DateField(label=_("Дата выезда"), **DATE)
            f["returned_on"] = forms.DateField(label=_("Дата возвращения"), **DATE)
        elif kind.form == F.QUALITY:
            f["service"] = forms.CharField(label=_("Услуга"), max_length=120)
            f["started_on"] = forms.DateField(label=_("Нарушение началось"), **DATE)
            f["ended_on"] = forms.DateField(label=_("Нарушение закончилось"), required=False, **DATE)
        elif kind.form == F.CHARGE:
            f["charge_id"] = forms.IntegerField(required=False, widget=forms.HiddenInput)
            f["period"] = forms.CharField(label=_("Месяц начисления"), max_length=20, required=False)
            f["service"] = forms.CharField(label=_("Услуга"), max_length=120, required=False)
            f["amount"] = forms.CharField(label=_("Оспариваемая сумма, ₽"), max_length=20, required=False)
        elif kind.form == F.METER:
            f["meter"] = forms.CharField(label=_("Заводской номер прибора"), max_length=60, required=False)
        elif kind.form == F.HOUSEHOLD:
            f["residents"] = forms.IntegerField(
                label=_("Сколько человек проживает теперь"), min_value=0, max_value=50, required=False
            )
        f["text"] = forms.CharField(
            label=_("Комментарий") if kind.form == F.ABSENCE else _("Суть обращения"),
            required=kind.form != F.ABSENCE,
            max_length=4000,
            widget=forms.Textarea(attrs={"rows": 5}),
        )
        f["files"] = _files_field()
        if not self.is_bound and not self.initial.get("token"):
            self.initial["token"] = uuid.uuid4()


class AppealMessageForm(forms.Form):
    text = forms.CharField(label=_("Сообщение"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    files = _files_field()
