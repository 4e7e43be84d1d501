"""The kinds of residents' requests shipped with the portal (staff edit them
in the admin afterwards).

Applied by the data migration ``documents/0006_appeal_kinds_and_heads`` and
again after every ``migrate`` or test-database flush (``post_migrate``,
connected in ``DocumentsConfig.ready``): a missing kind is created, an
existing one is never changed, so staff edits stay.

Terms: temporary absence — 5 working days (ПП РФ № 354 п. 90); meter check —
10 calendar days (п. 31 «е(2)»); the others are the centre's own terms
(docs/appeals.md).
"""

from __future__ import annotations

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS

KINDS = [
    {
        "code": "absence",
        "title": "Перерасчёт за время временного отсутствия",
        "form": "absence",
        "basis": "ПП РФ № 354, п. 86, 90–93",
        "term_days": 5,
        "term_unit": "working",
        "documents_needed": (
            "Документы, подтверждающие отсутствие (п. 93 ПП № 354): копия командировочного удостоверения "
            "или справка о командировке с проездными билетами; справка о нахождении на лечении в "
            "стационаре; проездные билеты на имя потребителя; счета за проживание в гостинице; "
            "справка о временной регистрации по месту пребывания; иные документы."
        ),
        "ends_in_recalculation": True,
        "position": 10,
    },
    {
        "code": "quality",
        "title": "Перерасчёт за услугу ненадлежащего качества",
        "form": "quality",
        "basis": "ПП РФ № 354, раздел X и приложение № 1",
        "term_days": 10,
        "term_unit": "working",
        "documents_needed": "Акт проверки качества, если составлялся; фото или видео, показания термометра.",
        "ends_in_recalculation": True,
        "position": 20,
    },
    {
        "code": "charge",
        "title": "Проверка начислений, задолженности или пеней",
        "form": "charge",
        "basis": "ПП РФ № 354, п. 31 «д», п. 33 «б»",
        "term_days": 10,
        "term_unit": "working",
        "documents_needed": "Квитанции и чеки об оплате, если вопрос об учёте платежей.",
        "ends_in_recalculation": True,
        "position": 30,
    },
    {
        "code": "meter_check",
        "title": "Проверка прибора учёта",
        "form": "meter",
        "basis": "ПП РФ № 354, п. 31 «е(2)»",
        "term_days": 10,
        "term_unit": "calendar",
        "documents_needed": "Фото прибора учёта с показаниями и пломбой.",
        "ends_in_recalculation": False,
        "position": 40,
    },
    {
        "code": "meter_question",
        "title": "Вопрос о приборе учёта",
        "form": "meter",
        "basis": "",
        "term_days": 10,
        "term_unit": "working",
        "documents_needed": "Паспорт прибора или акт ввода в эксплуатацию, если есть.",
        "ends_in_recalculation": False,
        "position": 50,
    },
    {
        "code": "household",
        "title": "Изменение числа проживающих или собственника",
        "form": "household",
        "basis": "ПП РФ № 354, п. 56(1), 57",
        "term_days": 5,
        "term_unit": "working",
        "documents_needed": (
            "Выписка из ЕГРН о праве собственности (при смене собственника); документы о регистрации "
            "или снятии с регистрационного учёта проживающих."
        ),
        "ends_in_recalculation": False,
        "position": 60,
    },
    {
        "code": "free",
        "title": "Свободный вопрос",
        "form": "free",
        "basis": "",
        "term_days": 30,
        "term_unit": "calendar",
        "documents_needed": "",
        "ends_in_recalculation": False,
        "position": 90,
    },
]


def ensure_kinds(*, apps=global_apps, using: str = DEFAULT_DB_ALIAS) -> int:
    """Create the kinds that are missing (by code); returns how many."""
    try:
        AppealKind = apps.get_model("documents", "AppealKind")
    except LookupError:  # not migrated yet
        return 0
    created = 0
    for kind in KINDS:
        _obj, new = AppealKind.objects.using(using).get_or_create(code=kind["code"], defaults=kind)
        created += new
    return created


def ensure_after_migrate(sender, *, using=DEFAULT_DB_ALIAS, apps=global_apps, **kwargs):
    """``post_migrate`` receiver (connected for the documents app only)."""
    ensure_kinds(apps=apps, using=using)
