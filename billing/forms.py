"""Forms of the resident's money pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from eirc import periods
from eirc.money import parse_amount_with_kopecks

MAX_AHEAD_DAYS = 366


class PenaltyCalcForm(forms.Form):
    """«Если оплатить N ₽ в дату D» (GET parameters ``amount``, ``on``)."""

    amount = forms.CharField(
        label=_("Сумма оплаты, ₽"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "class": "form-control"}),
        help_text=_("С копейками, например 2 500,00"),
    )
    on = forms.DateField(
        label=_("Дата оплаты"),
        input_formats=["%d.%m.%Y", "%Y-%m-%d"],
        widget=forms.DateInput(format="%d.%m.%Y", attrs={"class": "form-control", "inputmode": "numeric"}),
        help_text=_("ДД.ММ.ГГГГ"),
        error_messages={"invalid": _("Введите дату в виде ДД.ММ.ГГГГ.")},
    )

    def clean_amount(self) -> Decimal:
        raw = self.cleaned_data["amount"]
        try:
            value = parse_amount_with_kopecks(raw)
        except ValueError as exc:
            if str(exc) == "kopecks":
                raise forms.ValidationError(_("Укажите сумму с копейками, например 2 500,00.")) from exc
            raise forms.ValidationError(_("Введите сумму числом, например 2 500,00.")) from exc
        if value <= 0:
            raise forms.ValidationError(_("Сумма должна быть больше нуля."))
        return value

    def clean_on(self) -> dt.date:
        day = self.cleaned_data["on"]
        today = periods.today()
        if day < today:
            raise forms.ValidationError(_("Дата оплаты не может быть в прошлом."))
        if day > today + dt.timedelta(days=MAX_AHEAD_DAYS):
            raise forms.ValidationError(_("Рассчитать можно не дальше чем на год вперёд."))
        return day
