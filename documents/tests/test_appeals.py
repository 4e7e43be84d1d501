"""Residents' requests (issue 16): statutory deadlines on the production
calendar, filing through the form (once), files checked by content and
stripped of metadata, privacy (a foreign request, file or message is a 404),
the operators' workflow in admin, the morning escalation (once), and a
recalculation outcome that the next billing run and the receipt show."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from documents.models import Appeal, AppealAttachment, AppealKind, AppealMessage
from eirc import workdays
from eirc.models import CalendarDay
from eirc.tests.factories import UserFactory

MSK = dt.timezone(dt.timedelta(hours=3))


def _jpeg_with_gps() -> bytes:
    img = Image.new("RGB", (40, 30), (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = {1: "N", 2: (44.0, 36.0, 0.0), 3: "E", 4: (33.0, 31.0, 0.0)}
    exif[0x8825] = gps
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the test file really has GPS
    return data


def _kind(code):
    return AppealKind.objects.get(code=code)


def _file(client, kind, data, files=None, token=None):
    payload = {"token": str(token or uuid.uuid4()), **data}
    if files:
        payload["files"] = files
    return client.post(reverse("documents:appeal_new", args=[kind]), payload)


# --- the calendar and deadlines ------------------------------------------------------


@pytest.mark.django_db
def test_calendar_ships_2025_to_2027_with_the_decrees_transfers():
    kinds = dict(CalendarDay.objects.values_list("date", "kind"))
    assert kinds[dt.date(2025, 11, 1)] == "working"  # ПП № 1335: Saturday worked
    assert kinds[dt.date(2025, 5, 8)] == "day_off"  # from 23 February
    assert kinds[dt.date(2026, 1, 9)] == "day_off"  # ПП № 1466: from 3 January
    assert kinds[dt.date(2026, 12, 31)] == "day_off"
    assert kinds[dt.date(2027, 1, 7)] == "holiday"
    assert not workdays.is_working_day(dt.date(2025, 2, 23))
    assert workdays.is_working_day(dt.date(2025, 2, 24))  # 23 February 2025 moved to 8 May, not to Monday


@pytest.mark.django_db
def test_working_day_deadline_over_the_new_year_holidays():
    # Filed Tuesday 30.12.2025: 31.12 (transfer), 1–8.01 (holidays), 9.01 (transfer),
    # 10–11.01 (weekend) are not counted; the first working day is Monday 12.01.2026.
    assert workdays.add_working_days(dt.date(2025, 12, 30), 1) == dt.date(2026, 1, 12)
    assert workdays.add_working_days(dt.date(2025, 12, 30), 5) == dt.date(2026, 1, 16)


@pytest.mark.django_db
def test_working_day_deadline_counts_a_transferred_working_saturday():
    # Thursday 30.10.2025: Friday 31.10 is day 1, Saturday 1.11 (worked by ПП № 1335) day 2;
    # Monday 3.11 (transfer) and Tuesday 4.11 (holiday) are off, so day 3 is 5.11.
    assert workdays.add_working_days(dt.date(2025, 10, 30), 2) == dt.date(2025, 11, 1)
    assert workdays.add_working_days(dt.date(2025, 10, 30), 3) == dt.date(2025, 11, 5)


@pytest.mark.django_db
def test_calendar_edited_by_staff_moves_the_deadline():
    day = dt.date(2027, 1, 11)  # a Monday; say the 2027 decree makes it a day off
    before = workdays.add_working_days(dt.date(2026, 12, 30), 1)
    CalendarDay.objects.create(date=day, kind="day_off", note="ПП 2027")
    assert before == day
    assert workdays.add_working_days(dt.date(2026, 12, 30), 1) == dt.date(2027, 1, 12)


@pytest.mark.django_db
def test_filing_over_new_year_shows_the_deadline_in_the_list(client, resident, private_tmp):
    client.force_login(resident)
    with time_machine.travel(dt.datetime(2025, 12, 30, 10, 0, tzinfo=MSK), tick=False):
        response = _file(client, "charge", {"text": "Прошу проверить начисление за ноябрь"})
        assert response.status_code == 302
        appeal = Appeal.objects.get()
        # charge check: 10 working days from 12.01.2026 → 23.01.2026
        assert appeal.deadline == dt.date(2026, 1, 23)
        page = client.get(reverse("documents:appeals")).content.decode()
    assert "ответ до 23.01.2026" in page
    assert f"№ {appeal.number}" in page


# --- the resident's form -------------------------------------------------------------


@pytest.mark.django_db
def test_absence_dates_are_checked(client, resident, private_tmp):
    client.force_login(resident)
    with time_machine.travel(dt.datetime(2026, 3, 20, 12, 0, tzinfo=MSK), tick=False):
        future = _file(client, "absence", {"left_on": "2026-03-01", "returned_on": "2026-03-25"})
        assert "не может быть в будущем" in future.content.decode()
        short = _file(client, "absence", {"left_on": "2026-03-01", "returned_on": "2026-03-07"})
        assert "более 5 полных дней" in short.content.decode()
        late = _file(client, "absence", {"left_on": "2026-01-01", "returned_on": "2026-02-15"})
        assert "30 дней" in late.content.decode()
        assert not Appeal.objects.exists()
        ok = _file(client, "absence", {"left_on": "2026-03-01", "returned_on": "2026-03-08"})
    assert ok.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.fields["full_days"] == 6
    assert appeal.history.get().to_status == "new"


@pytest.mark.django_db
def test_a_double_submit_files_one_request(client, resident, private_tmp):
    client.force_login(resident)
    token = uuid.uuid4()
    first = _file(client, "free", {"text": "Вопрос"}, token=token)
    second = _file(client, "free", {"text": "Вопрос"}, token=token)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Appeal.objects.count() == 1


@pytest.mark.django_db
def test_a_12_mb_file_and_a_renamed_exe_are_refused(client, resident, private_tmp):
    client.force_login(resident)
    big = SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n" + b"0" * (12 * 1024 * 1024), content_type="application/pdf")
    page = _file(client, "free", {"text": "Вопрос"}, files=[big])
    assert "больше 10 МБ" in page.content.decode()
    exe = SimpleUploadedFile("справка.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200, content_type="application/pdf")
    page = _file(client, "free", {"text": "Вопрос"}, files=[exe])
    assert "не PDF, JPEG или PNG" in page.content.decode()
    assert not Appeal.objects.exists()
    assert not AppealAttachment.objects.exists()


@pytest.mark.django_db
def test_more_than_five_files_are_refused(client, resident, private_tmp):
    client.force_login(resident)
    files = [SimpleUploadedFile(f"{i}.pdf", b"%PDF-1.4 x") for i in range(6)]
    page = _file(client, "free", {"text": "Вопрос"}, files=files)
    assert "не больше 5 файлов" in page.content.decode()
    assert not Appeal.objects.exists()


@pytest.mark.django_db
def test_a_jpeg_with_gps_is_stored_without_its_metadata(client, resident, private_tmp):
    client.force_login(resident)
    photo = SimpleUploadedFile("IMG_0001.JPG", _jpeg_with_gps(), content_type="image/jpeg")
    response = _file(
        client, "quality", {"service": "Отопление", "started_on": "2020-01-10", "text": "Холодно"}, [photo]
    )
    assert response.status_code == 302
    att = AppealAttachment.objects.get()
    assert att.content_type == "image/jpeg" and att.name == "IMG_0001.jpg"
    stored = att.file.open("rb").read()
    img = Image.open(io.BytesIO(stored))
    assert img.size == (40, 30)
    assert not img.getexif()  # no EXIF at all, so no GPS
    assert b"PhoneMaker" not in stored
    # The owner downloads it.
    download = client.get(reverse("documents:appeal_attachment", args=[att.appeal_id, att.pk]))
    assert download.status_code == 200 and "no-store" in download["Cache-Control"]


# --- privacy -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_foreign_request_file_and_message_are_404(client, resident, other_resident, private_tmp):
    client.force_login(resident)
    pdf = SimpleUploadedFile("a.pdf", b"%PDF-1.4 mine")
    _file(client, "free", {"text": "Моё обращение"}, files=[pdf])
    appeal = Appeal.objects.get()
    att = appeal.attachments.get()
    client.post(reverse("documents:appeal_reply", args=[appeal.pk]), {"text": "Дополнение"})
    assert AppealMessage.objects.filter(appeal=appeal).count() == 1

    client.force_login(other_resident)
    assert client.get(reverse("documents:appeal_detail", args=[appeal.pk])).status_code == 404
    assert client.get(reverse("documents:appeal_attachment", args=[appeal.pk, att.pk])).status_code == 404
    reply = client.post(reverse("documents:appeal_reply", args=[appeal.pk]), {"text": "Чужое"})
    assert reply.status_code == 404
    assert client.post(reverse("documents:appeal_withdraw", args=[appeal.pk])).status_code == 404
    assert "Моё обращение" not in client.get(reverse("documents:appeals")).content.decode()
    assert AppealMessage.objects.filter(appeal=appeal).count() == 1
    appeal.refresh_from_db()
    assert appeal.is_open


@pytest.mark.django_db
def test_withdrawn_request_stays_marked(client, resident, private_tmp):
    client.force_login(resident)
    _file(client, "free", {"text": "Вопрос"})
    appeal = Appeal.objects.get()
    client.post(reverse("documents:appeal_withdraw", args=[appeal.pk]))
    appeal.refresh_from_db()
    assert appeal.withdrawn and appeal.status == "closed" and appeal.outcome == "withdrawn"
    assert [h.to_status for h in appeal.history.all()] == ["new", "closed"]


# --- staff: work, emails, escalation -------------------------------------------------


@pytest.mark.django_db
def test_operator_assigns_and_answers_and_every_status_change_is_emailed(
    client, resident, operator, private_tmp, django_capture_on_commit_callbacks, mailoutbox
):
    client.force_login(resident)
    with django_capture_on_commit_callbacks(execute=True):
        _file(client, "free", {"text": "Вопрос"})
    appeal = Appeal.objects.get()
    assert [m.subject for m in mailoutbox] == [f"Обращение № {appeal.number}: принято"]
    client.force_login(operator)
    work = reverse("admin:documents_appeal_work", args=[appeal.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(work, {"assigned_to": operator.pk, "template": "received"})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.assigned_to == operator and appeal.status == "in_progress"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(work, {"status": "needs_info", "text": "Пришлите квитанцию"})
    subjects = [m.subject for m in mailoutbox]
    assert f"Обращение № {appeal.number}: в работе" in subjects
    assert f"Обращение № {appeal.number}: нужны сведения от заявителя" in subjects
    assert f"Ответ по обращению № {appeal.number}" in subjects
    history = list(appeal.history.values_list("from_status", "to_status", "by"))
    assert history[1:] == [("new", "in_progress", operator.pk), ("in_progress", "needs_info", operator.pk)]
    # The admin cannot delete a request.
    assert client.post(reverse("admin:documents_appeal_delete", args=[appeal.pk])).status_code == 403


@pytest.mark.django_db
def test_operator_home_shows_the_queues(client, resident, operator, private_tmp):
    client.force_login(resident)
    _file(client, "free", {"text": "Вопрос"})
    Appeal.objects.update(deadline=dt.date(2020, 1, 1))
    client.force_login(operator)
    page = client.get(reverse("documents:queues")).content.decode()
    assert "Обращения: срок ответа прошёл" in page
    assert "?due=overdue" in page
    listing = client.get(reverse("admin:documents_appeal_changelist") + "?due=overdue").content.decode()
    assert "просрочено" in listing


@pytest.mark.django_db
def test_overdue_request_is_escalated_once_and_each_operator_gets_one_email(
    client, resident, operator, private_tmp, django_capture_on_commit_callbacks, mailoutbox
):
    from documents.tasks import appeals_morning

    head = UserFactory(username="head", email="head@sev-eirc.ru", is_staff=True)
    head.groups.add(Group.objects.get(name="Руководители"))
    client.force_login(resident)
    _file(client, "free", {"text": "Первое"})
    _file(client, "free", {"text": "Второе"})
    Appeal.objects.update(assigned_to=operator, deadline=dt.date(2026, 2, 1), status="in_progress")
    mailoutbox.clear()
    with time_machine.travel(dt.datetime(2026, 2, 10, 8, 30, tzinfo=MSK), tick=False):  # a Tuesday
        for _ in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                appeals_morning()
    to = sorted(m.to[0] for m in mailoutbox)
    assert to == ["head@sev-eirc.ru", "operator@sev-eirc.ru"]
    assert all(a.escalated_at is not None for a in Appeal.objects.all())
    digest = next(m for m in mailoutbox if m.to == ["operator@sev-eirc.ru"])
    assert digest.body.count("№ ") == 2
    # On a day off nothing is sent.
    with (
        time_machine.travel(dt.datetime(2026, 2, 23, 8, 30, tzinfo=MSK), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        appeals_morning()
    assert len(mailoutbox) == 2


# --- a recalculation outcome reaches billing and the receipt ---------------------------


@pytest.mark.django_db
def test_recalculation_outcome_is_its_own_line_in_the_next_run_and_on_the_receipt(
    client, demo, demo_account, operator, django_capture_on_commit_callbacks
):
    from billing.models import Charge, LedgerEntry
    from billing.services import billing_run, recalculation_period
    from documents.receipt_data import receipt_data
    from eirc.models import Period

    user = get_user_model().objects.get(account_links__account=demo_account)
    closed = Period.objects.filter(status="closed").order_by("-month").first()
    charge = Charge.objects.filter(account=demo_account, period=closed).select_related("service").first()
    client.force_login(user)
    form = client.get(reverse("documents:appeal_new", args=["charge"]) + f"?charge={charge.pk}").content.decode()
    assert charge.service.name in form
    _file(
        client,
        "charge",
        {
            "charge_id": charge.pk,
            "period": "x",
            "service": charge.service.name,
            "amount": str(charge.total),
            "text": "Неверно",
        },
    )
    appeal = Appeal.objects.get()
    assert appeal.fields["charge_id"] == str(charge.pk)

    client.force_login(operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:documents_appeal_work", args=[appeal.pk]),
            {
                "outcome": "recalculated",
                "template": "recalculated",
                "recalc_service": charge.service.pk,
                "recalc_amount": "-123.45",
                "recalc_for_period": closed.pk,
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    appeal.refresh_from_db()
    assert appeal.status == "closed" and appeal.outcome == "recalculated"
    recalc = appeal.recalculation
    assert recalc.amount == Decimal("-123.45") and appeal.number in recalc.reason
    # Closing again posts nothing twice.
    again = client.post(
        reverse("admin:documents_appeal_work", args=[appeal.pk]),
        {"outcome": "recalculated", "text": "ещё", "recalc_service": charge.service.pk, "recalc_amount": "-1.00"},
    )
    assert "уже закрыто" in again.content.decode()

    period = recalculation_period()
    assert recalc.period == period
    with django_capture_on_commit_callbacks(execute=True):
        billing_run(period=period.month)
    entry = LedgerEntry.objects.get(account=demo_account, period=period, kind="recalculation")
    assert entry.amount == Decimal("-123.45") and appeal.number in entry.description
    line = Charge.objects.get(account=demo_account, period=period, service=charge.service)
    assert line.recalculation == Decimal("-123.45")
    data = receipt_data(account=demo_account, period=period)
    assert [(r["amount"], appeal.number in r["reason"]) for r in data["recalculations"]] == [(Decimal("-123.45"), True)]
    # The resident sees the answer, the status and the line.
    client.force_login(user)
    page = client.get(reverse("documents:appeal_detail", args=[appeal.pk])).content.decode()
    assert "выполнен перерасчёт" in page
    assert "123,45" in page


@pytest.mark.django_db
def test_acknowledgement_pdf_has_the_number_filing_time_and_a_verify_code(
    client, resident, other_resident, private_tmp
):
    from documents.tests.conftest import pdf_text

    client.force_login(resident)
    with time_machine.travel(dt.datetime(2026, 3, 20, 14, 5, tzinfo=MSK), tick=False):
        _file(client, "free", {"text": "Вопрос"})
        appeal = Appeal.objects.get()
        response = client.get(reverse("documents:appeal_ack", args=[appeal.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(pdf_text(b"".join(response.streaming_content)).split())
    appeal.refresh_from_db()
    assert f"№ {appeal.number}" in text
    assert "20.03.2026 14:05" in text
    assert appeal.document.code in text
    assert client.get(reverse("documents:verify", args=[appeal.document.code])).status_code == 200
    client.force_login(other_resident)
    assert client.get(reverse("documents:appeal_ack", args=[appeal.pk])).status_code == 404


@pytest.mark.django_db
def test_the_morning_task_is_on_beat_once_a_day(settings):
    from eirc import jobs

    entry = settings.CELERY_BEAT_SCHEDULE["documents-appeals-morning"]
    assert entry["task"] == "eirc.tasks.scheduled"
    assert entry["kwargs"] == {"task": "documents.tasks.appeals_morning", "every": 24 * 60 * 60}
    with time_machine.travel(dt.datetime(2026, 2, 10, 8, 30, tzinfo=MSK), tick=False):
        assert jobs.run_scheduled("documents.tasks.appeals_morning", every=24 * 60 * 60) == "ran"
        assert jobs.run_scheduled("documents.tasks.appeals_morning", every=24 * 60 * 60) == "skipped"


@pytest.mark.django_db
def test_staff_open_a_requests_file_in_admin_and_a_resident_cannot(client, resident, operator, private_tmp):
    client.force_login(resident)
    _file(client, "free", {"text": "Вопрос"}, files=[SimpleUploadedFile("скан.pdf", b"%PDF-1.4 scan")])
    att = AppealAttachment.objects.get()
    url = reverse("admin:documents_appeal_file", args=[att.appeal_id, att.pk])
    assert client.get(url).status_code == 302  # to the admin's login: residents are not staff
    client.force_login(operator)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 scan"


@pytest.mark.django_db
def test_a_charge_request_naming_another_accounts_line_keeps_no_line(client):
    """Only a line of the request's own account may be named: a foreign id
    is dropped (``appeal_validate``), the request itself is filed."""
    from eirc.tests.factories import AccountLinkFactory, ChargeFactory, PersonalAccountFactory

    link = AccountLinkFactory(account=PersonalAccountFactory(number="1000007701"))
    own, foreign = ChargeFactory(account=link.account), ChargeFactory(account=PersonalAccountFactory())
    client.force_login(link.user)
    for charge in (foreign, own):
        _file(client, "charge", {"charge_id": charge.pk, "text": "Проверьте начисление"})
    appeals = list(Appeal.objects.order_by("pk"))
    assert [a.fields.get("charge_id") for a in appeals] == [None, str(own.pk)]
