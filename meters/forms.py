"""The readings form: one field per meter and zone, built from the rows the
page shows (:func:`meters.selectors.meter_rows`)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ReadingsForm(forms.Form):
    confirm_jump = forms.BooleanField(label=_("Подтверждаю показания (большой расход указан верно)"), required=False)

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            for zone in row.zones:
                label = f"{row.meter.service.name}, № {row.meter.serial}"
                if zone.zone != "single":
                    label += f" — {zone.title}"
                self.fields[zone.field_name] = forms.CharField(
                    label=label,
                    required=False,
                    max_length=20,
                    disabled=row.expired,
                    widget=forms.TextInput(
                        attrs={"inputmode": "decimal", "autocomplete": "off", "class": "form-control"}
                    ),
                )

    def values(self) -> dict[tuple[int, str], str]:
        out = {}
        for row in self.rows:
            for zone in row.zones:
                raw = self.cleaned_data.get(zone.field_name) or ""
                if raw.strip():
                    out[(row.meter.pk, zone.zone)] = raw
        return out


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Название (например, «Умный дом»)"),
        max_length=60,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
