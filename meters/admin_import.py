"""Custom admin pages of the meters app: the readings import and the
operator's entry of readings taken by phone.

Wiring (``meters/admin.py`` belongs to the admin part): in a ModelAdmin of
the meters app add

    def get_urls(self):
        from meters.admin_import import admin_urls
        return admin_urls(self.admin_site) + super().get_urls()

which gives ``admin:meters_import`` (/admin/meters/<model>/import/) and
``admin:meters_operator_entry`` (/admin/meters/<model>/<meter id>/readings/).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path

from eirc.errors import DomainError
from eirc.periods import today
from meters.importer import import_readings
from meters.models import Meter
from meters.services import ReadingErrors, reading_enter_by_operator

MAX_UPLOAD = 5 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(label="CSV-файл (UTF-8, «;»)")
    dry_run = forms.BooleanField(label="Только проверить", required=False, initial=True)
    skip_errors = forms.BooleanField(label="Применить верные строки, пропустив ошибочные", required=False)


@permission_required("meters.add_reading", raise_exception=True)
def import_view(request, admin_site=None):
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            form.add_error("file", "Файл больше 5 МБ: разбейте его на части.")
        else:
            try:
                report = import_readings(
                    data=upload.read(),
                    user=request.user,
                    dry_run=form.cleaned_data["dry_run"],
                    skip_errors=form.cleaned_data["skip_errors"],
                )
            except DomainError as exc:
                form.add_error("file", exc.message)
    context = {"form": form, "report": report, "title": "Импорт показаний"}
    if admin_site is not None:
        context.update(admin_site.each_context(request))
    return render(request, "meters/admin_import.html", context)


@permission_required("meters.add_reading", raise_exception=True)
def operator_entry_view(request, meter_id, admin_site=None):
    meter = get_object_or_404(Meter.objects.select_related("service", "account"), pk=meter_id)
    fields = {z: forms.CharField(label=f"Показание ({z})", required=False) for z in meter.zone_list}
    fields["taken_on"] = forms.DateField(label="Дата снятия", initial=today, input_formats=["%d.%m.%Y", "%Y-%m-%d"])
    fields["confirm_jump"] = forms.BooleanField(label="Подтверждаю большой расход", required=False)
    Form = type("OperatorReadingForm", (forms.Form,), fields)
    form = Form(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            submission = reading_enter_by_operator(
                meter=meter,
                values={z: form.cleaned_data.get(z) or "" for z in meter.zone_list},
                user=request.user,
                taken_on=form.cleaned_data["taken_on"],
                confirm_jump=form.cleaned_data["confirm_jump"],
            )
        except ReadingErrors as exc:
            for name, message in exc.errors.items():
                zone = name.rsplit("_", 1)[-1]
                form.add_error(zone if zone in meter.zone_list else None, message)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Показания внесены, код подтверждения {submission.code}.")
            return redirect(request.path)
    context = {"form": form, "meter": meter, "title": f"Показания: {meter}"}
    if admin_site is not None:
        context.update(admin_site.each_context(request))
    return render(request, "meters/admin_operator_entry.html", context)


def admin_urls(admin_site):
    return [
        path(
            "import/",
            admin_site.admin_view(lambda r: import_view(r, admin_site=admin_site)),
            name="meters_import",
        ),
        path(
            "<int:meter_id>/readings/",
            admin_site.admin_view(lambda r, meter_id: operator_entry_view(r, meter_id, admin_site=admin_site)),
            name="meters_operator_entry",
        ),
    ]
