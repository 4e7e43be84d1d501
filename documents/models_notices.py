"""Staff's announcements to residents (split out of ``documents.models`` for
size; imported there, so ``documents.models.Notice`` still works)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Notice(models.Model):
    """An announcement («объявление») staff write for residents: a planned
    outage, an accident, a tariff change or news, in force from–to, for all
    accounts, one street, a list of houses or the accounts of one provider
    (documents/selectors_notices.py decides who it reaches). «Разослать»
    emails it once to each opted-in resident (documents/services/notices.py)."""

    class Kind(models.TextChoices):
        OUTAGE = "outage", _("плановое отключение")
        ACCIDENT = "accident", _("авария")
        TARIFF = "tariff", _("изменение тарифа")
        NEWS = "news", _("новость")

    class Target(models.TextChoices):
        ALL = "all", _("все лицевые счета")
        STREET = "street", _("улица")
        HOUSES = "houses", _("список домов")
        PROVIDER = "provider", _("лицевые счета поставщика")

    kind = models.CharField(_("вид"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("заголовок"), max_length=200)
    text = models.TextField(_("текст"))
    starts_on = models.DateField(_("действует с"))
    ends_on = models.DateField(_("действует по"))
    target = models.CharField(_("кому"), max_length=10, choices=Target.choices, default=Target.ALL)
    street = models.CharField(
        _("улица"), max_length=200, blank=True, help_text=_("Как в лицевых счетах: «ул. Ленина».")
    )
    houses = models.TextField(
        _("дома"),
        blank=True,
        help_text=_("По одному в строке: улица, запятая, номер дома — «ул. Ленина, 12»."),
    )
    provider = models.ForeignKey(
        "billing.Provider",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("поставщик"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("автор"),
    )
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)
    send_requested_at = models.DateTimeField(_("рассылка запрошена"), null=True, blank=True)
    send_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("кто разослал"),
    )

    class Meta:
        verbose_name = _("объявление")
        verbose_name_plural = _("объявления")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="documents_notice_dates_ordered",
                violation_error_message=_("«Действует по» не раньше «действует с»."),
            ),
            models.CheckConstraint(
                condition=~Q(target="street") | ~Q(street=""),
                name="documents_notice_street_given",
                violation_error_message=_("Укажите улицу."),
            ),
            models.CheckConstraint(
                condition=~Q(target="houses") | ~Q(houses=""),
                name="documents_notice_houses_given",
                violation_error_message=_("Укажите дома."),
            ),
            models.CheckConstraint(
                condition=~Q(target="provider") | Q(provider__isnull=False),
                name="documents_notice_provider_given",
                violation_error_message=_("Выберите поставщика."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.title}"

    def house_list(self) -> list[tuple[str, str]]:
        """The houses of a «список домов» notice as (street, house) pairs."""
        pairs = []
        for line in self.houses.splitlines():
            street, sep, house = line.rpartition(",")
            if sep and street.strip() and house.strip():
                pairs.append((street.strip(), house.strip()))
        return pairs


class NoticeDelivery(models.Model):
    """One notice emailed to one login: the unique row is what makes a
    repeated or redelivered send task email nobody twice."""

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("объявление")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("пользователь")
    )
    created_at = models.DateTimeField(_("отправлено"), auto_now_add=True)

    class Meta:
        verbose_name = _("отправка объявления")
        verbose_name_plural = _("отправки объявлений")
        constraints = [models.UniqueConstraint(fields=["notice", "user"], name="documents_notice_delivery_once")]

    def __str__(self):
        return f"{self.notice_id} → {self.user_id}"
