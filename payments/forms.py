from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import email_field


class PayForm(forms.Form):
    amount = forms.CharField(
        label=_("Сумма, ₽"),
        max_length=20,
        help_text=_("В рублях, например 1000 или 1234,56"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    email = email_field(_("Электронная почта для чека"))
    form_token = forms.UUIDField(widget=forms.HiddenInput)
