"""Writes of the meters app: submissions, operator entry, meter replacement,
estimates. Validation rules live in :mod:`meters.validation`, the window in
:mod:`meters.window`.

Concurrency: every write locks the meter rows it touches
(``select_for_update``, in id order so two writers never deadlock) before it
reads the current readings, so two simultaneous submissions for one meter
are serialised: the second sees the first's reading. The partial unique index
"one current reading per meter, zone and period" is the last guard; a
violation (a writer that did not lock) is caught and re-read, never shown to
the resident.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.notifications import Kind, email_context
from eirc import mail
from eirc.errors import DomainError
from eirc.models import Period
from eirc.periods import TZ, period_title, prev_period
from meters import validation
from meters.models import Meter, Reading, Submission
from meters.validation import Plan, fmt, zone_title
from meters.window import window_for

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
STATUS_TITLES = {"accepted": "принято", "replaced": "принято, заменяет прежнее", "refused": "не принято"}


class ReadingErrors(DomainError):
    """Some values of a submission are refused; nothing was saved.

    ``errors`` maps the form field name (:func:`field_name`) to a Russian
    message; ``params["errors"]`` carries the same dict."""

    def __init__(self, errors: dict[str, str], *, codes: dict[str, str] | None = None):
        super().__init__(
            "Показания не приняты: исправьте ошибки, отмеченные у полей. Ничего не сохранено.",
            code="readings_invalid",
            params={"errors": errors, "codes": codes or {}},
        )
        self.errors = errors
        self.codes = codes or {}

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.codes) and all(c == "jump" for c in self.codes.values())


def field_name(meter_id: int, zone: str) -> str:
    return f"m{meter_id}_{zone}"


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def _local_date(now: dt.datetime) -> dt.date:
    return now.astimezone(TZ).date()


def _period_row(month: dt.date) -> Period:
    period, _ = Period.objects.get_or_create(month=month)
    if period.status == Period.Status.CLOSED:
        raise DomainError(f"Период {period_title(month)} закрыт: показания за него не принимаются.", code="closed")
    return period


def _create_submission(*, account, user, channel, client_key, result) -> Submission:
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Submission.objects.create(
                    code=new_code(), account=account, user=user, channel=channel, client_key=client_key, result=result
                )
        except IntegrityError:
            if client_key and Submission.objects.filter(account=account, client_key=client_key).exists():
                raise
    raise DomainError("Не удалось выдать код подтверждения, попробуйте ещё раз.", code="code")  # pragma: no cover


def _item(plan: Plan, status: str, note: str = "") -> dict:
    meter = plan.meter
    return {
        "meter_id": meter.pk,
        "serial": meter.serial,
        "service": meter.service.name,
        "unit": meter.service.unit,
        "zone": plan.zone,
        "zone_title": zone_title(plan.zone),
        "value": f"{plan.value:.3f}",
        "value_text": fmt(plan.value),
        "previous": f"{plan.previous.value:.3f}" if plan.previous else None,
        "consumption": f"{plan.consumption:.3f}" if plan.consumption is not None else None,
        "rollover": plan.rollover,
        "period": plan.period.strftime("%Y-%m"),
        "status": status,
        "status_title": STATUS_TITLES[status],
        "note": note,
    }


def _apply(plan: Plan, *, submission, source: str, taken_on: dt.date, user, now: dt.datetime) -> dict:
    """Write one planned reading; returns its confirmation item."""
    if plan.action == "same":
        return _item(plan, "accepted", "Это показание уже было принято ранее.")
    period = _period_row(plan.period)
    replaced_note = ""
    for _attempt in range(3):
        existing = validation.current_reading(plan.meter, plan.zone, plan.period)
        if existing is not None and existing.value == plan.value and existing.source == source:
            return _item(plan, "accepted", "Это показание уже было принято ранее.")
        try:
            with transaction.atomic():
                if existing is not None:
                    Reading.objects.filter(pk=existing.pk, status=Reading.Status.CURRENT).update(
                        status=Reading.Status.REPLACED, replaced_at=now
                    )
                    label = Reading.Source(existing.source).label
                    replaced_note = f"Заменяет показание {fmt(existing.value)} ({label}, {existing.taken_on:%d.%m.%Y})."
                Reading.objects.create(
                    meter=plan.meter,
                    zone=plan.zone,
                    period=period,
                    value=plan.value,
                    taken_on=taken_on,
                    source=source,
                    submission=submission,
                    entered_by=user,
                )
        except IntegrityError:
            continue  # someone wrote without locking: re-read and decide again
        return _item(plan, "replaced" if existing is not None else "accepted", replaced_note)
    raise DomainError("Показание не сохранено из-за одновременной записи, отправьте ещё раз.", code="race")


def _notify(submission: Submission, user) -> None:
    if user is None or not getattr(user, "notify_readings", False) or not user.email:
        return
    local = timezone.localtime(submission.created_at, TZ)
    mail.send(
        name="readings_confirmation",
        to=user.email,
        context={
            "code": submission.code,
            "created": f"{local:%d.%m.%Y %H:%M}",
            "account": submission.account.number,
            "period_title": submission.result.get("period_title", ""),
            "items": submission.result.get("items", []),
            **email_context(user, Kind.READINGS),
        },
    )


def _submit(
    *,
    account,
    user,
    items: list[tuple[int, str, str]],
    confirm_jump: bool,
    channel: str,
    source: str,
    client_key: str = "",
    now: dt.datetime | None = None,
    taken_on: dt.date | None = None,
) -> Submission:
    now = now or timezone.now()
    today = _local_date(now)
    taken_on = taken_on or today
    with transaction.atomic():
        meter_ids = sorted({mid for mid, _z, _v in items})
        meters = {
            m.pk: m
            for m in Meter.objects.select_for_update(of=("self",))
            .filter(account=account, pk__in=meter_ids)
            .select_related("service")
            .order_by("pk")
        }
        if client_key:
            done = Submission.objects.filter(account=account, client_key=client_key).first()
            if done is not None:
                done.replayed = True
                return done
        plans, windows = _plans(meters, items, today=today, taken_on=taken_on, source=source, confirm_jump=confirm_jump)
        first_window = windows[plans[0].meter.pk]
        result = {
            "account": account.number,
            "period": first_window.period.strftime("%Y-%m"),
            "period_title": period_title(first_window.period),
            "in_window": first_window.is_open,
            "window": first_window.describe(),
            "taken_on": taken_on.isoformat(),
            "items": [],
        }
        try:
            with transaction.atomic():
                submission = _create_submission(
                    account=account, user=user, channel=channel, client_key=client_key, result=result
                )
        except IntegrityError:
            # The same client key won a race with us: its confirmation is the answer.
            done = Submission.objects.get(account=account, client_key=client_key)
            done.replayed = True
            return done
        result["items"] = [
            _apply(plan, submission=submission, source=source, taken_on=taken_on, user=user, now=now) for plan in plans
        ]
        submission.result = result
        submission.save(update_fields=["result"])
        submission.replayed = False
        _notify(submission, user)
        return submission


def _plans(meters: dict, items, *, today, taken_on, source, confirm_jump) -> tuple[list[Plan], dict]:
    """Check every value (no writes): the plans and each meter's window, or
    :class:`ReadingErrors` with every refused field."""
    errors: dict[str, str] = {}
    codes: dict[str, str] = {}
    plans: list[Plan] = []
    windows = {}
    for meter_id, zone, raw in items:
        name = field_name(meter_id, zone)
        meter = meters.get(meter_id)
        if meter is None:
            errors[name], codes[name] = "Счётчик не найден на этом лицевом счёте.", "not_found"
            continue
        window = window_for(meter.service, today=taken_on)
        windows[meter.pk] = window
        try:
            plans.append(
                validation.check(
                    meter, zone, raw, period=window.period, today=today, source=source, confirm_jump=confirm_jump
                )
            )
        except DomainError as exc:
            errors[name], codes[name] = exc.message, exc.code
    if not items:
        errors["__all__"], codes["__all__"] = "Введите показания хотя бы одного счётчика.", "empty"
    if errors:
        raise ReadingErrors(errors, codes=codes)
    return plans, windows


def readings_check(*, account, values: dict[tuple[int, str], str], now: dt.datetime | None = None) -> list[Plan]:
    """What :func:`reading_submit` would accept from ``values``, without
    saving anything or locking: the plans (meter, zone, parsed value, the
    period it counts for), or :class:`ReadingErrors` as the submission would
    raise it. An unusually large consumption is not an error here (the
    resident may want to see what it would cost before confirming it)."""
    now = now or timezone.now()
    items = [(int(mid), zone, raw) for (mid, zone), raw in values.items() if (raw or "").strip()]
    meters = {
        m.pk: m
        for m in Meter.objects.filter(account=account, pk__in={mid for mid, _z, _v in items}).select_related("service")
    }
    today = _local_date(now)
    plans, _windows = _plans(
        meters, items, today=today, taken_on=today, source=Reading.Source.RESIDENT, confirm_jump=True
    )
    return plans


def reading_submit(
    *,
    account,
    user,
    values: dict[tuple[int, str], str],
    confirm_jump: bool = False,
    channel: str = Submission.Channel.WEB,
    client_key: str = "",
    now: dt.datetime | None = None,
) -> Submission:
    """Accept a resident's readings for ``account``, all or nothing.

    ``values`` maps (meter id, zone) to the text typed; empty values are
    skipped. Each value is checked by :func:`meters.validation.check`; if any
    is refused, :class:`ReadingErrors` is raised (per-field messages) and
    nothing is saved. Otherwise one :class:`Submission` with a unique code is
    stored, each reading counted for the period of the window rule
    (:mod:`meters.window`); a reading for a period that already has a current
    one replaces it (the old one stays, status ``replaced``), except that the
    same value from the same source is not stored twice. Idempotent by
    ``client_key``: a repeated key returns the first submission
    (``submission.replayed`` is True). The confirmation is emailed after
    commit when the user opted in (``notify_readings``).
    """
    items = [(int(mid), zone, raw) for (mid, zone), raw in values.items() if (raw or "").strip()]
    return _submit(
        account=account,
        user=user,
        items=items,
        confirm_jump=confirm_jump,
        channel=channel,
        source=Reading.Source.RESIDENT,
        client_key=client_key,
        now=now,
    )


def reading_enter_by_operator(
    *,
    meter: Meter,
    values: dict[str, str],
    user,
    taken_on: dt.date | None = None,
    confirm_jump: bool = False,
    now: dt.datetime | None = None,
) -> Submission:
    """An operator records readings a resident gave by phone: source
    ``operator``, ``entered_by`` the operator, the same rules as a resident's
    submission (the period follows the window rule on ``taken_on``, default
    today). Raises :class:`ReadingErrors`; nothing saved on an error."""
    if not user.is_staff:
        raise DomainError("Вносить показания за жителя может только сотрудник.", code="forbidden")
    items = [(meter.pk, zone, raw) for zone, raw in values.items() if (raw or "").strip()]
    return _submit(
        account=meter.account,
        user=user,
        items=items,
        confirm_jump=confirm_jump,
        channel=Submission.Channel.OPERATOR,
        source=Reading.Source.OPERATOR,
        now=now,
        taken_on=taken_on,
    )


def meter_replace(
    *,
    old_meter: Meter,
    final_readings: dict[str, str],
    new_serial: str,
    initial_readings: dict[str, str],
    replaced_on: dt.date,
    verification_due: dt.date,
    user,
    digits: int | None = None,
    zones: str | None = None,
    model_name: str = "",
    now: dt.datetime | None = None,
) -> Meter:
    """Replace a meter: the old one's final reading (source ``removal``) is
    its current reading of the period of ``replaced_on``; the old meter is
    marked removed and points to the new one (``replaced_by``); the new
    meter's initial reading (source ``install``) is stored for the period
    before, so the new meter's first reading of the replacement period
    yields exactly its consumption. The consumption of the replacement period
    is the sum over both meters; history (charts, averages) follows the chain.
    A verification that has expired does not block the final reading.
    Raises :class:`ReadingErrors` (fields ``final_<zone>``, ``initial_<zone>``)
    or DomainError; nothing is saved on an error."""
    now = now or timezone.now()
    zones = zones or old_meter.zones
    digits = digits or old_meter.digits
    with transaction.atomic():
        old = Meter.objects.select_for_update(of=("self",)).select_related("service").get(pk=old_meter.pk)
        if old.status != Meter.Status.ACTIVE:
            raise DomainError("Этот счётчик уже снят.", code="removed")
        if verification_due <= replaced_on:
            raise DomainError("Дата следующей поверки должна быть позже даты установки.", code="verification_due")
        if Meter.objects.filter(service=old.service, serial=new_serial.strip()).exists():
            raise DomainError("Счётчик с таким заводским номером уже есть.", code="serial")
        window = window_for(old.service, today=replaced_on)
        errors: dict[str, str] = {}
        plans = []
        for zone in old.zone_list:
            try:
                plans.append(
                    validation.check(
                        old,
                        zone,
                        final_readings.get(zone, ""),
                        period=window.period,
                        today=replaced_on,
                        source=Reading.Source.REMOVAL,
                        confirm_jump=True,
                        check_verification=False,
                    )
                )
            except DomainError as exc:
                errors[f"final_{zone}"] = exc.message
        new = Meter(
            account=old.account,
            service=old.service,
            serial=new_serial.strip(),
            model_name=model_name,
            zones=zones,
            digits=digits,
            installed_on=replaced_on,
            verification_due=verification_due,
        )
        initial = {}
        for zone in new.zone_list:
            try:
                value = validation.parse_value(initial_readings.get(zone, ""))
                if value >= new.capacity:
                    raise DomainError(f"Больше {digits} цифр до запятой.", code="capacity")
                initial[zone] = value
            except DomainError as exc:
                errors[f"initial_{zone}"] = exc.message
        if errors:
            raise ReadingErrors(errors)
        for plan in plans:
            _apply(plan, submission=None, source=Reading.Source.REMOVAL, taken_on=replaced_on, user=user, now=now)
        old.status = Meter.Status.REMOVED
        old.removed_on = replaced_on
        old.save(update_fields=["status", "removed_on"])
        new.save()
        old.replaced_by = new
        old.save(update_fields=["replaced_by"])
        baseline = _period_row_any(prev_period(window.period))
        for zone, value in initial.items():
            Reading.objects.create(
                meter=new,
                zone=zone,
                period=baseline,
                value=value,
                taken_on=replaced_on,
                source=Reading.Source.INSTALL,
                entered_by=user,
            )
        return new


def _period_row_any(month: dt.date) -> Period:
    period, _ = Period.objects.get_or_create(month=month)
    return period


def reading_estimate(
    *, meter: Meter, zone: str, period: dt.date, value: Decimal, taken_on: dt.date | None = None
) -> Reading | None:
    """Store an estimated reading (source ``estimate``) — only where the meter
    has no current reading for the zone and period. An estimate never
    overwrites a submitted reading: returns None (and writes nothing) when one
    exists, also when it appears concurrently. A resident's later reading for
    the period replaces the estimate (:func:`reading_submit`)."""
    with transaction.atomic():
        Meter.objects.select_for_update(of=("self",)).filter(pk=meter.pk).first()
        if validation.current_reading(meter, zone, period) is not None:
            return None
        row = _period_row_any(period)
        try:
            with transaction.atomic():
                return Reading.objects.create(
                    meter=meter,
                    zone=zone,
                    period=row,
                    value=value,
                    taken_on=taken_on or period,
                    source=Reading.Source.ESTIMATE,
                )
        except IntegrityError:
            return None
