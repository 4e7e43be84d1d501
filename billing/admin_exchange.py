"""Admin of the city exchange: the import runs (with the upload page for a
zip of exchange files), the rows they changed, and the export records. The
pages call the same services as the commands (``city_import``)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from billing.exchange.loader import city_import
from billing.exchange.models import ExchangeExport, ImportChange, ImportRun
from billing.exchange.spec import FILES
from eirc.admin import BigTableAdminMixin, ReadOnlyAdminMixin, RecentInlineMixin
from eirc.periods import parse_period

# Synchronous in the request: a zip of this size loads in well under a
# minute; a whole city goes through ``manage.py import_city``.
MAX_UPLOAD = 20 * 1024 * 1024


class CityUploadForm(forms.Form):
    file = forms.FileField(label=_("Zip-архив с файлами обмена (CSV в UTF-8 с «;» или XLSX)"))
    dry_run = forms.BooleanField(label=_("Только проверить"), required=False, initial=True)


def city_upload_view(request, admin_site):
    if not request.user.has_perm("billing.add_importrun"):
        raise PermissionDenied
    form = CityUploadForm(request.POST, request.FILES) if request.method == "POST" else CityUploadForm()
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            form.add_error("file", _("Архив больше 20 МБ: загрузите город командой import_city."))
        elif not zipfile.is_zipfile(upload):
            form.add_error("file", _("Это не zip-архив."))
        else:
            from billing.exchange.stage import FileSet

            upload.seek(0)
            report = city_import(
                files=FileSet(archive=upload, name=upload.name),
                dry_run=form.cleaned_data["dry_run"],
                user=request.user,
            )
    context = {
        **admin_site.each_context(request),
        "title": _("Загрузка данных города"),
        "form": form,
        "report": report,
        "files": FILES,
        "opts": ImportRun._meta,
    }
    return render(request, "billing/admin_city_upload.html", context)


class ReadingsExportForm(forms.Form):
    period = forms.CharField(label=_("Период (ММ.ГГГГ)"), max_length=7)

    def clean_period(self):
        try:
            return parse_period(self.cleaned_data["period"])
        except ValueError:
            raise forms.ValidationError(_("Период в формате ММ.ГГГГ, например 11.2025.")) from None


def export_page(request, admin_site, *, title: str, form_class, write: Callable, name: str):
    """An export from the admin: the form, then the files written (and
    recorded) by ``write(cleaned_data, out, user)`` handed back as one zip."""
    if not request.user.has_perm("billing.view_exchangeexport"):
        raise PermissionDenied
    form = form_class(request.POST) if request.method == "POST" else form_class()
    if request.method == "POST" and form.is_valid():
        written = write(form.cleaned_data, Path(settings.VAR_DIR) / "exports", request.user)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for w in written:
                zf.writestr(w.path.name, w.path.read_bytes())
        response = HttpResponse(buf.getvalue(), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "no-store"
        return response
    context = {**admin_site.each_context(request), "title": title, "form": form, "opts": ExchangeExport._meta}
    return render(request, "billing/admin_export.html", context)


def readings_export_view(request, admin_site):
    from billing.exchange.export import readings_export

    return export_page(
        request,
        admin_site,
        title=_("Выгрузка показаний"),
        form_class=ReadingsExportForm,
        write=lambda data, out, user: readings_export(month=data["period"], out=out, user=user),
        name="readings.zip",
    )


class ImportChangeInline(RecentInlineMixin, ReadOnlyAdminMixin, admin.TabularInline):
    model = ImportChange
    fk_name = "run"
    recent_limit = 200
    recent_order = ("id",)
    fields = ("entity", "key", "changes")
    extra = 0
    max_num = 0
    verbose_name_plural = _("изменённые записи (первые 200; все — в «Изменениях при загрузке»)")


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("started_at", "source", "status", "error_count", "started_by")
    list_filter = ("status",)
    readonly_fields = (
        "source", "checksum", "status", "started_at", "finished_at", "started_by", "counts", "progress",
        "error_count", "errors",
    )  # fmt: skip
    inlines = (ImportChangeInline,)

    def get_urls(self):
        own = [
            path(
                "upload/",
                self.admin_site.admin_view(lambda request: city_upload_view(request, self.admin_site)),
                name="billing_importrun_upload",
            )
        ]
        return own + super().get_urls()


@admin.register(ImportChange)
class ImportChangeAdmin(BigTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("run", "entity", "key", "changes")
    list_filter = ("entity", "run")
    search_fields = ("key",)
    list_select_related = ("run",)


@admin.register(ExchangeExport)
class ExchangeExportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "kind", "subject", "provider", "filename", "rows", "sha256", "created_by", "actor")
    list_filter = ("kind", "provider")
    search_fields = ("filename", "sha256", "subject")
    # Higher layers add their exports here (payments: the day's payments): (url name, label).
    extra_exports: list[tuple[str, str]] = []

    def get_urls(self):
        own = [
            path(
                "readings/",
                self.admin_site.admin_view(lambda request: readings_export_view(request, self.admin_site)),
                name="billing_exchangeexport_readings",
            )
        ]
        return own + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        exports = [("admin:billing_exchangeexport_readings", _("Выгрузить показания")), *self.extra_exports]
        return super().changelist_view(request, {**(extra_context or {}), "exports": exports})
