from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import email_field

METHOD_CARD, METHOD_SBP = "card", "sbp"
SAVE_CARD_CONSENT = _(
    "Сохранить карту для следующих оплат и автоплатежа. Согласен, что ЮKassa хранит данные карты, а ЕИРЦ — "
    "только её последние 4 цифры, платёжную систему и срок действия; карту можно удалить в профиле в любой момент."
)


def method_choices(cards=()) -> list[tuple[str, str]]:
    """Card and СБП through the gateway's page, then the payer's saved cards."""
    choices = [(METHOD_CARD, _("Банковской картой")), (METHOD_SBP, _("Через СБП (Систему быстрых платежей)"))]
    choices += [
        (f"saved:{card.pk}", _("Сохранённой картой %(card)s, до %(expiry)s") % {"card": card, "expiry": card.expiry})
        for card in cards
    ]
    return choices


class PayForm(forms.Form):
    amount = forms.CharField(
        label=_("Сумма, ₽"),
        max_length=20,
        help_text=_("В рублях, например 1000 или 1234,56"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    email = email_field(_("Электронная почта для чека"))
    # Not required: a form posted without a choice (an older page) pays by card.
    method = forms.ChoiceField(label=_("Способ оплаты"), widget=forms.RadioSelect, initial=METHOD_CARD, required=False)
    save_card = forms.BooleanField(label=SAVE_CARD_CONSENT, required=False)
    form_token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, cards=(), allow_save=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = method_choices(cards)
        if not allow_save:
            del self.fields["save_card"]

    def clean_method(self):
        return self.cleaned_data.get("method") or METHOD_CARD


class QuickFindForm(forms.Form):
    number = forms.CharField(
        label=_("Номер лицевого счёта"),
        max_length=12,
        help_text=_("10 цифр, напечатан в квитанции"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    place = forms.CharField(
        label=_("Номер квартиры"),
        max_length=20,
        help_text=_("Для частного дома — номер дома"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


AUTOPAY_CONSENT = _(
    "Разрешаю ЕИРЦ списывать с выбранной карты сумму каждой новой квитанции по этому лицевому счёту, "
    "не больше лимита, и предупреждать меня письмом за три дня. Автоплатёж можно выключить или пропустить месяц."
)


class AutopayForm(forms.Form):
    card = forms.TypedChoiceField(label=_("Карта"), coerce=int)
    limit = forms.CharField(
        label=_("Не больше за один платёж, ₽"),
        max_length=20,
        help_text=_("Если к оплате больше, ничего не спишем и напишем вам"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    when = forms.ChoiceField(label=_("Когда списывать"), widget=forms.RadioSelect)
    day = forms.IntegerField(
        label=_("День месяца (1–28)"),
        required=False,
        min_value=1,
        max_value=28,
        help_text=_("Только для списания в выбранный день"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    consent = forms.BooleanField(label=AUTOPAY_CONSENT)

    def __init__(self, *args, cards=(), **kwargs):
        super().__init__(*args, **kwargs)
        from payments.models import Autopay

        self.fields["card"].choices = [
            (c.pk, _("%(card)s, до %(expiry)s") % {"card": c, "expiry": c.expiry}) for c in cards
        ]
        self.fields["when"].choices = [
            (Autopay.When.ISSUE_DAY, _("Когда выйдет квитанция (спишем через три дня после письма)")),
            (Autopay.When.DAY_OF_MONTH, _("В выбранный день месяца")),
        ]
