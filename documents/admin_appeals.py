"""Staff admin of residents' requests: kinds (data), requests with their
thread, files and history (read-only: requests are never deleted), and the
operator's work page — assign, answer (with templates, a PDF attached),
change the status, close with an outcome; a recalculation outcome posts its
line through billing's service. Every change goes through
``documents.services``."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from billing.models import Service
from documents import services
from documents.admin_appeals_register import register_view
from documents.models import Appeal, AppealAttachment, AppealKind, AppealMessage, AppealStatusChange
from documents.views_appeals import attachment_response
from documents.views_receipts import private_file_response
from eirc import periods as P
from eirc.admin import ReadOnlyInlineMixin, TabularInline, account_number
from eirc.errors import DomainError
from eirc.models import Period

ANSWER_TEMPLATES = {
    "received": "Ваше обращение принято в работу. Ответ подготовим в установленный срок.",
    "need_docs": (
        "Для рассмотрения обращения приложите, пожалуйста, подтверждающие документы (список указан на странице "
        "подачи обращения). Срок рассмотрения продолжится после их получения."
    ),
    "recalculated": "Перерасчёт выполнен. Он будет отражён отдельной строкой в ближайшей квитанции.",
    "correct": "Проверка показала, что начисление выполнено верно, по действующим тарифам и нормативам.",
}
TEMPLATE_CHOICES = [
    ("", "—"),
    ("received", _("Принято в работу")),
    ("need_docs", _("Нужны документы")),
    ("recalculated", _("Перерасчёт выполнен")),
    ("correct", _("Начисление верное")),
]


class DeadlineFilter(admin.SimpleListFilter):
    title = _("срок ответа")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [
            ("overdue", _("просрочено")),
            ("today", _("сегодня")),
            ("soon", _("в ближайшие 2 дня")),
        ]

    def queryset(self, request, queryset):
        today = P.today()
        open_ = queryset.exclude(status=Appeal.Status.CLOSED)
        if self.value() == "overdue":
            return open_.filter(deadline__lt=today)
        if self.value() == "today":
            return open_.filter(deadline=today)
        if self.value() == "soon":
            return open_.filter(deadline__gt=today, deadline__lte=today + dt.timedelta(days=2))
        return queryset


@admin.register(AppealKind)
class AppealKindAdmin(admin.ModelAdmin):
    list_display = ("title", "code", "form", "term_days", "term_unit", "ends_in_recalculation", "is_active")
    list_filter = ("form", "term_unit", "ends_in_recalculation", "is_active")
    ordering = ("position", "title")

    def has_delete_permission(self, request, obj=None):
        return False  # requests name their kind; retire one with «принимается»


class MessageInline(ReadOnlyInlineMixin, TabularInline):
    model = AppealMessage
    fields = ("created_at", "author", "from_staff", "text")
    readonly_fields = fields
    extra = 0


class AttachmentInline(ReadOnlyInlineMixin, TabularInline):
    model = AppealAttachment
    fields = ("created_at", "download", "content_type", "size", "from_staff", "uploaded_by")
    readonly_fields = fields
    extra = 0

    @admin.display(description=_("файл"))
    def download(self, obj):
        url = reverse("admin:documents_appeal_file", args=[obj.appeal_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.name)


class HistoryInline(ReadOnlyInlineMixin, TabularInline):
    model = AppealStatusChange
    fields = ("at", "by", "from_status", "to_status", "note")
    readonly_fields = fields
    extra = 0


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "filed_at",
        account_number,
        "kind",
        "channel",
        "status",
        "deadline_cell",
        "assigned_to",
        "outcome",
    )
    list_filter = (
        DeadlineFilter,
        "status",
        "kind",
        "channel",
        ("assigned_to", admin.RelatedOnlyFieldListFilter),
        "outcome",
    )
    search_fields = ("number", "account__number", "text", "applicant_name", "applicant_contact")
    list_select_related = ("account", "kind", "assigned_to")
    date_hierarchy = "filed_at"
    ordering = ("deadline", "pk")
    inlines = (MessageInline, AttachmentInline, HistoryInline)
    fields = (
        "work_link",
        "number",
        "account",
        "channel",
        "user",
        "applicant_name",
        "applicant_contact",
        "registered_by",
        "kind",
        "fields",
        "text",
        "status",
        "filed_at",
        "deadline",
        "assigned_to",
        "outcome",
        "outcome_text",
        "closed_at",
        "withdrawn",
        "escalated_at",
        "recalculation",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # residents file requests; operators register one at «Зарегистрировать обращение»

    def has_delete_permission(self, request, obj=None):
        return False  # never deleted (152-ФЗ records, the deadline trail)

    @admin.display(description=_("ответить до"), ordering="deadline")
    def deadline_cell(self, obj):
        text = f"{obj.deadline:%d.%m.%Y}"
        if obj.is_open and obj.deadline < P.today():
            return format_html('<strong class="appeal-overdue">{} ({})</strong>', text, _("просрочено"))
        return text

    @admin.display(description=_("работа"))
    def work_link(self, obj):
        if obj.pk is None or not obj.is_open:
            return "—"
        url = reverse("admin:documents_appeal_work", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Ответить, назначить, закрыть"))

    def get_urls(self):
        site = self.admin_site
        own = [
            path(
                "<int:object_id>/work/",
                site.admin_view(lambda request, object_id: work_view(request, object_id, site)),
                name="documents_appeal_work",
            ),
            path(
                "register/",
                site.admin_view(lambda request: register_view(request, site)),
                name="documents_appeal_register",
            ),
            path("<int:object_id>/ack/", site.admin_view(ack_view), name="documents_appeal_ack"),
            path(
                "<int:object_id>/files/<int:attachment_id>/",
                site.admin_view(file_view),
                name="documents_appeal_file",
            ),
        ]
        return own + super().get_urls()


def file_view(request, object_id: int, attachment_id: int):
    if not request.user.has_perm("documents.view_appeal"):
        raise PermissionDenied
    return attachment_response(get_object_or_404(AppealAttachment, pk=attachment_id, appeal_id=object_id))


def ack_view(request, object_id: int):
    """The acknowledgement PDF for staff (to print for a resident at the
    office); rendered here if the task has not yet."""
    if not request.user.has_perm("documents.view_appeal"):
        raise PermissionDenied
    appeal = get_object_or_404(Appeal, pk=object_id)
    if not appeal.ack_file:
        appeal = services.appeal_acknowledge(appeal_id=appeal.pk)
    return private_file_response(appeal.ack_file, f"appeal-{appeal.number}.pdf")


def _operators():
    return get_user_model().objects.filter(is_staff=True, is_active=True).order_by("username")


class WorkForm(forms.Form):
    assigned_to = forms.ModelChoiceField(label=_("Исполнитель"), queryset=None, required=False)
    status = forms.ChoiceField(
        label=_("Состояние"),
        required=False,
        choices=[("", "—")] + [c for c in Appeal.Status.choices if c[0] != Appeal.Status.CLOSED],
    )
    template = forms.ChoiceField(label=_("Шаблон ответа"), choices=TEMPLATE_CHOICES, required=False)
    text = forms.CharField(
        label=_("Сообщение заявителю"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    file = forms.FileField(label=_("Приложить файл (PDF, JPEG, PNG)"), required=False)
    outcome = forms.ChoiceField(
        label=_("Закрыть с итогом"),
        required=False,
        choices=[("", "—")] + [c for c in Appeal.Outcome.choices if c[0] != Appeal.Outcome.WITHDRAWN],
    )
    recalc_service = forms.ModelChoiceField(
        label=_("Услуга перерасчёта"), queryset=Service.objects.order_by("position", "name"), required=False
    )
    recalc_amount = forms.DecimalField(
        label=_("Сумма перерасчёта, ₽"),
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text=_("Минус — уменьшение начисления."),
    )
    recalc_for_period = forms.ModelChoiceField(
        label=_("За период"), queryset=Period.objects.order_by("-month"), required=False
    )

    def __init__(self, *args, appeal: Appeal, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = _operators()
        self.fields["assigned_to"].initial = appeal.assigned_to_id

    def clean(self):
        data = super().clean()
        if not (data.get("text") or "").strip() and data.get("template"):
            data["text"] = ANSWER_TEMPLATES[data["template"]]
        if data.get("outcome") and not (data.get("text") or "").strip():
            self.add_error("text", _("Напишите ответ заявителю."))
        if data.get("outcome") == Appeal.Outcome.RECALCULATED and (
            data.get("recalc_service") is None or data.get("recalc_amount") is None
        ):
            self.add_error("recalc_amount", _("Укажите услугу и сумму перерасчёта."))
        return data


def _apply(appeal: Appeal, data: dict, user) -> list[str]:
    done = []
    if data.get("assigned_to") and data["assigned_to"].pk != appeal.assigned_to_id:
        appeal = services.appeal_assign(appeal=appeal, user=user, operator=data["assigned_to"])
        done.append(str(_("исполнитель назначен")))
    text = (data.get("text") or "").strip()
    if data.get("outcome"):
        uploads = [data["file"]] if data.get("file") else []
        if uploads:
            services.appeal_message(
                appeal=appeal, user=user, text=str(_("Файл к ответу.")), uploads=uploads, from_staff=True
            )
        services.appeal_close(
            appeal=appeal,
            user=user,
            outcome=data["outcome"],
            text=text,
            service=data.get("recalc_service"),
            amount=data.get("recalc_amount"),
            for_period=data.get("recalc_for_period"),
        )
        done.append(str(_("обращение закрыто")))
        return done
    if text or data.get("file"):
        uploads = [data["file"]] if data.get("file") else []
        services.appeal_message(
            appeal=appeal, user=user, text=text or str(_("Файл.")), uploads=uploads, from_staff=True
        )
        done.append(str(_("ответ отправлен")))
    if data.get("status") and data["status"] != appeal.status:
        services.appeal_set_status(appeal=appeal, user=user, status=data["status"])
        done.append(str(_("состояние изменено")))
    return done


def work_view(request, object_id: int, admin_site):
    if not request.user.has_perm("documents.change_appeal"):
        raise PermissionDenied
    appeal = get_object_or_404(
        Appeal.objects.select_related("account", "kind", "user", "registered_by", "assigned_to"), pk=object_id
    )
    form = WorkForm(request.POST or None, request.FILES or None, appeal=appeal)
    if request.method == "POST" and form.is_valid():
        try:
            done = _apply(appeal, form.cleaned_data, request.user)
        except DomainError as exc:
            field = {"files": "file", "amount": "recalc_amount", "outcome_text": "text"}.get(exc.field, exc.field)
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            messages.success(request, ", ".join(done).capitalize() or _("Ничего не изменено."))
            return redirect("admin:documents_appeal_change", appeal.pk)
    context = {
        **admin_site.each_context(request),
        "title": _("Обращение № %(n)s") % {"n": appeal.number},
        "appeal": appeal,
        "thread": appeal.messages.select_related("author"),
        "files": appeal.attachments.all(),
        "form": form,
        "opts": Appeal._meta,
        "overdue": appeal.is_open and appeal.deadline < P.today(),
    }
    return render(request, "documents/admin_appeal_work.html", context)
