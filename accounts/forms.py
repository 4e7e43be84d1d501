from captcha.fields import CaptchaField
from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from eirc.money import parse_amount_with_kopecks

account_number_field = forms.CharField(
    label=_("Номер лицевого счёта"),
    max_length=10,
    min_length=10,
    validators=[RegexValidator(r"^[0-9]{10}$", _("Номер лицевого счёта — 10 цифр."))],
    widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]{10}"}),
)


# The email columns (User.email, AccessToken.email, Payment.email) hold 254
# characters, the longest address SMTP carries (RFC 5321); Django's
# EmailValidator alone lets a 320-character one through.
EMAIL_MAX_LENGTH = 254


def email_field(label=None, **kwargs) -> forms.EmailField:
    return forms.EmailField(
        label=label or _("Электронная почта"),
        max_length=EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        **kwargs,
    )


class CaptchaMixin(forms.Form):
    captcha = CaptchaField(label=_("Символы с картинки"))


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Номер лицевого счёта или электронная почта"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "inputmode": "text", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Пароль"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    captcha = CaptchaField(label=_("Символы с картинки"))
    error_messages = {
        "invalid_login": _("Неверный номер лицевого счёта или пароль."),
        "inactive": _("Неверный номер лицевого счёта или пароль."),
    }

    def clean(self):
        # A wrong captcha stops here: the password is not checked (and the
        # attempt is not counted against the account).
        if self.has_error("captcha"):
            return self.cleaned_data
        return super().clean()


class AmountField(forms.CharField):
    """An amount in roubles with kopecks: «1234,56» or «1234.56»."""

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        if len(value) > 20:
            raise forms.ValidationError(_("Укажите сумму в рублях с копейками, например 1234,56."), code="format")
        try:
            return parse_amount_with_kopecks(value)
        except ValueError as exc:
            if str(exc) == "kopecks":
                raise forms.ValidationError(
                    _("Укажите сумму с копейками, например 1234,56 (копейки обязательны)."), code="kopecks"
                ) from None
            raise forms.ValidationError(
                _("Укажите сумму в рублях с копейками, например 1234,56."), code="format"
            ) from None


def amount_field():
    return AmountField(
        label=_("Сумма из последней или предпоследней квитанции, ₽"),
        help_text=_("«Итого к оплате», с копейками: 1234,56. Если там 0,00 — сумма последнего платежа."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "maxlength": 20}),
    )


class RegistrationForm(forms.Form):
    account_number = account_number_field
    amount = amount_field()
    email = email_field()
    captcha = CaptchaField(label=_("Символы с картинки"))


class PasswordResetRequestForm(forms.Form):
    account_number = account_number_field
    email = email_field()
    captcha = CaptchaField(label=_("Символы с картинки"))


class SetPasswordForm(forms.Form):
    new_password1 = forms.CharField(
        label=_("Новый пароль"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Не короче 12 символов; не похож на номер счёта и имя; не из списка распространённых."),
    )
    new_password2 = forms.CharField(
        label=_("Пароль ещё раз"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_new_password2(self):
        p1 = self.cleaned_data.get("new_password1")
        p2 = self.cleaned_data.get("new_password2")
        if p1 and p2 and p1 != p2:
            raise forms.ValidationError(_("Пароли не совпадают."), code="password_mismatch")
        if p2:
            password_validation.validate_password(p2, self.user)
        return p2


class PasswordChangeForm(SetPasswordForm):
    current_password = forms.CharField(
        label=_("Текущий пароль"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    field_order = ["current_password", "new_password1", "new_password2"]


class EmailChangeForm(forms.Form):
    email = email_field(_("Новый адрес"))
    password = forms.CharField(
        label=_("Текущий пароль"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class NotificationsForm(forms.Form):
    """A switch for every kind of optional email (accounts/notifications.py),
    then the e-receipt choice."""

    paperless_receipts = forms.BooleanField(
        label=_("Получать квитанцию по электронной почте вместо бумажной"),
        required=False,
        widget=forms.CheckboxInput(attrs={"role": "switch", "class": "form-check-input"}),
    )

    def __init__(self, *args, **kwargs):
        from accounts.notifications import FIELDS, Kind

        super().__init__(*args, **kwargs)
        paperless = self.fields.pop("paperless_receipts")
        for kind, field in FIELDS.items():
            self.fields[field] = forms.BooleanField(
                label=Kind(kind).label,
                required=False,
                widget=forms.CheckboxInput(attrs={"role": "switch", "class": "form-check-input"}),
            )
        self.fields["paperless_receipts"] = paperless


class LinkAccountForm(forms.Form):
    account_number = account_number_field
    amount = amount_field()


class SwitchAccountForm(forms.Form):
    account = forms.IntegerField(widget=forms.HiddenInput)


class InviteForm(forms.Form):
    email = email_field(_("Электронная почта приглашённого"))
    role = forms.ChoiceField(
        label=_("Роль"),
        choices=[],
        help_text=_(
            "Просмотр — начисления, квитанции, оплаты; показания — ещё и передача показаний; "
            "оплата — ещё и оплата; представитель — всё, кроме приглашений."
        ),
    )

    def __init__(self, *args, **kwargs):
        from accounts.models import MemberRole

        super().__init__(*args, **kwargs)
        self.fields["role"].choices = MemberRole.choices


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Роль"), choices=[], widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, *args, **kwargs):
        from accounts.models import MemberRole

        super().__init__(*args, **kwargs)
        self.fields["role"].choices = MemberRole.choices
