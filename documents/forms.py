from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from documents.models import CertificateRequest


class CertificateOrderForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Какой документ нужен"), choices=CertificateRequest.Kind.choices, widget=forms.RadioSelect
    )
    date_from = forms.DateField(
        label=_("Период с"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=_("по"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    text = forms.CharField(
        label=_("Что нужно (для другого документа)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
