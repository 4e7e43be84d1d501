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
from meters.services import ReadingErrors, meter_replace, reading_enter_by_operator

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


DATE_FORMATS = ["%d.%m.%Y", "%Y-%m-%d"]


@permission_required("meters.add_meter", raise_exception=True)
def replace_view(request, meter_id, admin_site=None):
    """Replace a meter: the old one's final reading and the new one's serial,
    verification date and initial reading, in one step (``meter_replace``)."""
    meter = get_object_or_404(Meter.objects.select_related("service", "account"), pk=meter_id)
    fields = {}
    for z in meter.zone_list:
        fields[f"final_{z}"] = forms.CharField(label=f"Последнее показание старого счётчика ({z})")
    fields["new_serial"] = forms.CharField(label="Заводской номер нового счётчика", max_length=40)
    fields["model_name"] = forms.CharField(label="Модель", max_length=80, required=False)
    fields["digits"] = forms.IntegerField(
        label="Разрядность (целая часть)", min_value=3, max_value=9, initial=meter.digits
    )
    for z in meter.zone_list:
        fields[f"initial_{z}"] = forms.CharField(label=f"Начальное показание нового счётчика ({z})", initial="0")
    fields["replaced_on"] = forms.DateField(label="Дата замены", initial=today, input_formats=DATE_FORMATS)
    fields["verification_due"] = forms.DateField(label="Следующая поверка нового счётчика", input_formats=DATE_FORMATS)
    Form = type("MeterReplaceForm", (forms.Form,), fields)
    form = Form(request.POST) if request.method == "POST" else Form()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            new = meter_replace(
                old_meter=meter,
                final_readings={z: data[f"final_{z}"] for z in meter.zone_list},
                new_serial=data["new_serial"],
                initial_readings={z: data[f"initial_{z}"] for z in meter.zone_list},
                replaced_on=data["replaced_on"],
                verification_due=data["verification_due"],
                user=request.user,
                digits=data["digits"],
                model_name=data["model_name"],
            )
        except ReadingErrors as exc:
            for name, message in exc.errors.items():
                form.add_error(name if name in form.fields else None, message)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Счётчик заменён: новый № {new.serial}.")
            return redirect("admin:meters_meter_change", new.pk)
    context = {"form": form, "meter": meter, "title": f"Замена счётчика: {meter}"}
    if admin_site is not None:
        context.update(admin_site.each_context(request))
    return render(request, "meters/admin_replace.html", context)


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
        path(
            "<int:meter_id>/replace/",
            admin_site.admin_view(lambda r, meter_id: replace_view(r, meter_id, admin_site=admin_site)),
            name="meters_replace",
        ),
    ]
