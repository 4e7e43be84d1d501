"""Password validator: not similar to the account numbers or the owner's name."""

from __future__ import annotations

from difflib import SequenceMatcher

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class AccountSimilarityValidator:
    """Refuses a password that contains, or is too similar to, a personal
    account number the login holds (or is about to hold) or a part of the
    owner's name. ``user._pending_accounts`` carries accounts not yet linked
    (registration)."""

    def __init__(self, max_similarity: float = 0.7):
        self.max_similarity = max_similarity

    def _values(self, user) -> list[str]:
        if user is None:
            return []
        accounts = list(getattr(user, "_pending_accounts", []) or [])
        if getattr(user, "pk", None):
            from accounts.models import PersonalAccount

            accounts += list(PersonalAccount.objects.filter(link__user=user))
        values = []
        for acc in accounts:
            values += [acc.number, acc.owner_last_name, acc.owner_first_name, acc.owner_middle_name]
        values += [getattr(user, "last_name", ""), getattr(user, "first_name", ""), getattr(user, "middle_name", "")]
        return [v.lower() for v in values if v and len(v) >= 3]

    def validate(self, password, user=None):
        low = password.lower()
        for value in self._values(user):
            if value in low or SequenceMatcher(a=low, b=value).ratio() >= self.max_similarity:
                raise ValidationError(
                    _("Пароль слишком похож на номер лицевого счёта или имя владельца."),
                    code="password_too_similar",
                )

    def get_help_text(self):
        return _("Пароль не должен совпадать с номером лицевого счёта или именем владельца и быть похожим на них.")
