"""Personal accounts (лицевые счета) and the residents' logins."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

ACCOUNT_NUMBER_REGEX = r"^[0-9]{10}$"


class User(AbstractUser):
    """A login. Residents log in with an account number or their confirmed
    email; one login may hold several personal accounts (``AccountLink``).
    Staff are users with ``is_staff``."""

    email = models.EmailField(_("электронная почта"), blank=True)
    email_confirmed_at = models.DateTimeField(_("почта подтверждена"), null=True, blank=True)
    middle_name = models.CharField(_("отчество"), max_length=150, blank=True)
    phone = models.CharField(_("телефон"), max_length=32, blank=True)
    must_change_password = models.BooleanField(
        _("сменить пароль при входе"),
        default=False,
        help_text=_("Пароль выдан оператором и должен быть заменён при следующем входе."),
    )
    notify_readings = models.BooleanField(_("напоминать о показаниях"), default=False)
    notify_payments = models.BooleanField(_("сообщать об оплатах"), default=True)
    notify_verification = models.BooleanField(_("напоминать о поверке"), default=False)
    notify_receipts = models.BooleanField(_("сообщать о новой квитанции"), default=False)
    notify_notices = models.BooleanField(_("присылать объявления"), default=False)
    notify_requests = models.BooleanField(_("сообщать о статусе обращений и справок"), default=True)
    paperless_receipts = models.BooleanField(_("квитанция по электронной почте"), default=False)
    password_changed_at = models.DateTimeField(_("пароль изменён"), null=True, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("пользователь")
        verbose_name_plural = _("пользователи")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~Q(email=""),
                name="accounts_user_email_ci_unique",
                violation_error_message=_("Этот адрес электронной почты уже используется."),
            ),
        ]

    def __str__(self):
        full = " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)
        return full or self.username


class PersonalAccount(models.Model):
    """A personal account: one per dwelling (or per payer)."""

    class Status(models.TextChoices):
        OPEN = "open", _("открыт")
        CLOSED = "closed", _("закрыт")

    number = models.CharField(_("номер лицевого счёта"), max_length=10, unique=True)
    els = models.CharField(_("ЕЛС"), max_length=10, blank=True, help_text=_("Единый лицевой счёт ГИС ЖКХ"))
    gis_document_id = models.CharField(_("ИПД"), max_length=18, blank=True)
    owner_last_name = models.CharField(_("фамилия плательщика"), max_length=150)
    owner_first_name = models.CharField(_("имя"), max_length=150, blank=True)
    owner_middle_name = models.CharField(_("отчество"), max_length=150, blank=True)
    street = models.CharField(_("улица"), max_length=200)
    house = models.CharField(_("дом"), max_length=20)
    flat = models.CharField(_("квартира"), max_length=20, blank=True)
    postcode = models.CharField(_("индекс"), max_length=6, blank=True)
    city = models.CharField(_("город"), max_length=100, default="г. Севастополь")
    area = models.DecimalField(_("площадь, м²"), max_digits=8, decimal_places=2)
    heated_area = models.DecimalField(
        _("отапливаемая площадь, м²"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    residents = models.PositiveSmallIntegerField(_("проживает, чел."), default=1)
    status = models.CharField(_("состояние"), max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_on = models.DateField(_("открыт с"))
    closed_on = models.DateField(_("закрыт с"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("создан"))

    class Meta:
        verbose_name = _("лицевой счёт")
        verbose_name_plural = _("лицевые счета")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(number__regex=ACCOUNT_NUMBER_REGEX),
                name="accounts_account_number_10_digits",
                violation_error_message=_("Номер лицевого счёта — 10 цифр."),
            ),
            models.CheckConstraint(condition=Q(area__gt=0), name="accounts_account_area_positive"),
            models.CheckConstraint(
                condition=Q(status="open", closed_on__isnull=True) | Q(status="closed", closed_on__isnull=False),
                name="accounts_account_closed_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["street", "house", "flat"], name="accounts_account_addr_idx"),
            models.Index(fields=["owner_last_name"], name="accounts_account_owner_idx"),
        ]

    def __str__(self):
        return f"{self.number} — {self.address}"

    @property
    def address(self) -> str:
        parts = [self.city, self.street, f"д. {self.house}"]
        if self.flat:
            parts.append(f"кв. {self.flat}")
        return ", ".join(parts)

    @property
    def owner_name(self) -> str:
        return " ".join(p for p in (self.owner_last_name, self.owner_first_name, self.owner_middle_name) if p)

    @property
    def masked_number(self) -> str:
        """ "100****001": enough to recognise, not enough to use."""
        return f"{self.number[:3]}****{self.number[-3:]}"


class AccountLink(models.Model):
    """Which login holds which personal account. An account has at most one
    login; a login may hold several accounts."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="account_links", verbose_name=_("пользователь")
    )
    account = models.OneToOneField(
        PersonalAccount, on_delete=models.CASCADE, related_name="link", verbose_name=_("лицевой счёт")
    )
    linked_at = models.DateTimeField(auto_now_add=True, verbose_name=_("привязан"))

    class Meta:
        verbose_name = _("привязка лицевого счёта")
        verbose_name_plural = _("привязки лицевых счетов")

    def __str__(self):
        return f"{self.user} → {self.account.number}"


class Consent(models.Model):
    """A consent given by a resident (152-ФЗ): what, when, from where, which text."""

    class Kind(models.TextChoices):
        NOTIFICATIONS = "notifications", _("уведомления по электронной почте")
        PAPERLESS = "paperless", _("квитанция в электронном виде")
        SAVED_CARD = "saved_card", _("хранение карты для оплат")
        AUTOPAY = "autopay", _("автоплатёж")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="consents", verbose_name=_("пользователь"))
    kind = models.CharField(_("вид"), max_length=20, choices=Kind.choices)
    text_version = models.CharField(_("версия текста"), max_length=20)
    given = models.BooleanField(_("дано"), default=True)
    ip_address = models.GenericIPAddressField(_("адрес"), null=True, blank=True)
    created_at = models.DateTimeField(_("когда"), auto_now_add=True)

    class Meta:
        verbose_name = _("согласие")
        verbose_name_plural = _("согласия")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.user} — {self.get_kind_display()} ({self.text_version})"


class SecurityEvent(models.Model):
    """Security log (DOMAIN): who, what, when — never a password, token or link."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("вход")
        LOGIN_FAILED = "login_failed", _("неудачный вход")
        LOCKOUT = "lockout", _("блокировка")
        LOGOUT = "logout", _("выход")
        REGISTRATION = "registration", _("регистрация")
        REGISTRATION_FAILED = "registration_failed", _("неудачная регистрация")
        PASSWORD_RESET_REQUEST = "reset_request", _("запрос сброса пароля")
        PASSWORD_RESET = "reset", _("сброс пароля")
        PASSWORD_CHANGE = "password_change", _("смена пароля")
        EMAIL_CHANGE = "email_change", _("смена почты")
        ACCOUNT_LINK = "account_link", _("привязка счёта")
        ACCOUNT_UNLINK = "account_unlink", _("отвязка счёта")
        STAFF_RESET = "staff_reset", _("сброс пароля оператором")
        WEBHOOK_REJECTED = "webhook_rejected", _("отклонённое уведомление")
        CREDIT_REFUSED = "credit_refused", _("отказ в зачислении")
        HOUSEHOLD_INVITE = "household_invite", _("приглашение в семью")
        HOUSEHOLD_ACCEPT = "household_accept", _("принятие приглашения")
        HOUSEHOLD_ROLE = "household_role", _("смена роли члена семьи")
        HOUSEHOLD_REMOVE = "household_remove", _("удаление члена семьи")
        TWO_FACTOR_ON = "2fa_on", _("двухфакторный вход включён")
        TWO_FACTOR_OFF = "2fa_off", _("двухфакторный вход выключен")
        TWO_FACTOR_RESET = "2fa_reset", _("двухфакторный вход сброшен в офисе")
        TWO_FACTOR_FAILED = "2fa_failed", _("неверный одноразовый код")
        RECOVERY_CODE_USED = "recovery_used", _("вход по коду восстановления")

    kind = models.CharField(_("событие"), max_length=32, choices=Kind.choices, db_index=True)
    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("пользователь")
    )
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("кто")
    )
    account_number = models.CharField(_("лицевой счёт"), max_length=32, blank=True)
    ip_address = models.GenericIPAddressField(_("адрес"), null=True, blank=True)
    detail = models.JSONField(_("подробности"), default=dict, blank=True)
    created_at = models.DateTimeField(_("когда"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("событие безопасности")
        verbose_name_plural = _("журнал безопасности")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.created_at:%d.%m.%Y %H:%M} {self.get_kind_display()}"


class AccessToken(models.Model):
    """An emailed link's token. Only its SHA-256 is stored; the link is single
    use (``used_at``) and short-lived (``expires_at``)."""

    class Purpose(models.TextChoices):
        REGISTRATION = "registration", _("подтверждение регистрации")
        PASSWORD_RESET = "password_reset", _("сброс пароля")
        EMAIL_CHANGE = "email_change", _("смена почты")

    purpose = models.CharField(_("назначение"), max_length=20, choices=Purpose.choices)
    token_hash = models.CharField(max_length=64, unique=True, verbose_name=_("хеш токена"))
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("пользователь")
    )
    account = models.ForeignKey(
        PersonalAccount,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("лицевой счёт"),
    )
    email = models.EmailField(_("адрес"), blank=True)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)
    expires_at = models.DateTimeField(_("действует до"))
    used_at = models.DateTimeField(_("использован"), null=True, blank=True)

    class Meta:
        verbose_name = _("ссылка из письма")
        verbose_name_plural = _("ссылки из писем")
        indexes = [models.Index(fields=["purpose", "expires_at"], name="accounts_token_purpose_idx")]

    def __str__(self):
        return f"{self.get_purpose_display()} {self.created_at:%d.%m.%Y %H:%M}"


class LoginSession(models.Model):
    """Which session keys belong to which login, so that a password change or
    reset can end every other session explicitly."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="login_sessions", verbose_name=_("пользователь")
    )
    session_key = models.CharField(max_length=64, unique=True, verbose_name=_("ключ сеанса"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("создан"))

    class Meta:
        verbose_name = _("сеанс входа")
        verbose_name_plural = _("сеансы входа")

    def __str__(self):
        return f"{self.user} {self.created_at:%d.%m.%Y %H:%M}"


class ApiToken(models.Model):
    """A resident's personal API token for one account (the readings API of
    meters uses it). Only the SHA-256 of the token is stored: the token itself
    is shown once, when created. A credential, so it lives with the other
    credentials: a password change or reset revokes every token here."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="meter_api_tokens", verbose_name=_("пользователь")
    )
    account = models.ForeignKey(
        PersonalAccount, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("лицевой счёт")
    )
    name = models.CharField(_("название"), max_length=60)
    prefix = models.CharField(_("начало токена"), max_length=12)
    token_hash = models.CharField(max_length=64, unique=True, verbose_name=_("хеш токена"))
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("последнее использование"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("отозван"), null=True, blank=True)

    class Meta:
        verbose_name = _("токен API")
        verbose_name_plural = _("токены API")
        # The table keeps the name it had when the model lived in meters.
        db_table = "meters_apitoken"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class DataVersion(models.Model):
    """The version of what the cabinet pages show (accounts/versioning.py):
    per account, and under ``account_id`` 0 (``SITE``) for the shared data
    they name (periods, services, payment terms, benefit categories).

    Written only by database triggers on the tables those pages read, in the
    writing transaction: no code path can change the data without changing
    the version. No row for an account: nothing was ever written for it. The
    key is a plain column, not a foreign key, so that a trigger firing while
    an account is deleted cannot fail."""

    SITE = 0

    account_id = models.BigIntegerField(primary_key=True, verbose_name=_("лицевой счёт (0 — общие данные)"))
    value = models.BigIntegerField(_("версия"), default=0)

    class Meta:
        verbose_name = _("версия данных")
        verbose_name_plural = _("версии данных")

    def __str__(self):
        return f"{self.account_id}: {self.value}"


class MemberRole(models.TextChoices):
    """What a household member may do on the holder's account
    (accounts/access.py maps each role to its capabilities)."""

    VIEWER = "viewer", _("просмотр")
    READINGS = "readings", _("показания")
    PAYER = "payer", _("оплата")
    REPRESENTATIVE = "representative", _("представитель")


class Membership(models.Model):
    """A household member: a login that the account's holder (the login of
    its ``AccountLink``) let into the account with a role. Deleting the row
    takes the account away at once: every request resolves the accounts anew."""

    account = models.ForeignKey(
        PersonalAccount, on_delete=models.CASCADE, related_name="members", verbose_name=_("лицевой счёт")
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("участник"))
    role = models.CharField(_("роль"), max_length=20, choices=MemberRole.choices)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("пригласил")
    )
    created_at = models.DateTimeField(_("с"), auto_now_add=True)

    class Meta:
        verbose_name = _("член семьи")
        verbose_name_plural = _("члены семьи")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["account", "user"], name="accounts_membership_unique"),
        ]

    def __str__(self):
        return f"{self.user} → {self.account.number} ({self.get_role_display()})"


class Invitation(models.Model):
    """An invitation to a household: a single-use emailed link (only its
    SHA-256 is stored) valid for ``HOUSEHOLD_INVITATION_LIFETIME``."""

    account = models.ForeignKey(
        PersonalAccount, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("лицевой счёт")
    )
    email = models.EmailField(_("адрес"))
    role = models.CharField(_("роль"), max_length=20, choices=MemberRole.choices)
    token_hash = models.CharField(max_length=64, unique=True, verbose_name=_("хеш токена"))
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("пригласил")
    )
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)
    expires_at = models.DateTimeField(_("действует до"))
    used_at = models.DateTimeField(_("использовано"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("принял")
    )

    class Meta:
        verbose_name = _("приглашение")
        verbose_name_plural = _("приглашения")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.account.number} → {self.email} ({self.get_role_display()})"


class RecoveryCode(models.Model):
    """A single-use recovery code of a resident's two-factor login
    (accounts/two_factor.py). Only its SHA-256 is stored: the codes are shown
    once, when issued."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="recovery_codes", verbose_name=_("пользователь")
    )
    code_hash = models.CharField(max_length=64, unique=True, verbose_name=_("хеш кода"))
    created_at = models.DateTimeField(_("выдан"), auto_now_add=True)
    used_at = models.DateTimeField(_("использован"), null=True, blank=True)

    class Meta:
        verbose_name = _("код восстановления")
        verbose_name_plural = _("коды восстановления")

    def __str__(self):
        return f"{self.user} {self.created_at:%d.%m.%Y}"
