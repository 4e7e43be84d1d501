from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class MaximumLengthValidator:
    """Passwords of up to 128 characters are accepted (DOMAIN: at least 64)."""

    def __init__(self, max_length: int = 128):
        self.max_length = max_length

    def validate(self, password, user=None):
        if len(password) > self.max_length:
            raise ValidationError(
                _("Пароль не должен быть длиннее %(max)d символов.") % {"max": self.max_length},
                code="password_too_long",
            )

    def get_help_text(self):
        return _("Не длиннее %(max)d символов.") % {"max": self.max_length}
