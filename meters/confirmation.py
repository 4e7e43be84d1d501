"""The downloadable confirmation of a submission: a pure renderer, data in,
``(filename, content_type, bytes)`` out (plain UTF-8 text)."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from eirc.periods import TZ


def confirmation_text(submission) -> tuple[str, str, bytes]:
    result = submission.result or {}
    created = timezone.localtime(submission.created_at, TZ)
    lines = [
        settings.EIRC["NAME"],
        "Подтверждение передачи показаний",
        "",
        f"Код подтверждения: {submission.code}",
        f"Лицевой счёт: {submission.account.number}",
        f"Принято: {created:%d.%m.%Y %H:%M} (Севастополь)",
        f"Канал: {submission.get_channel_display()}",
        f"Период: {result.get('period_title', '')}",
        result.get("window", ""),
        "",
    ]
    for item in result.get("items", []):
        zone = f" ({item['zone_title']})" if item.get("zone") != "single" else ""
        line = (
            f"{item['service']}, счётчик № {item['serial']}{zone}: {item['value_text']} {item['unit']}"
            f" — {item['status_title']}"
        )
        if item.get("note"):
            line += f". {item['note']}"
        lines.append(line)
    lines += ["", f"{settings.EIRC['FULL_NAME']}, {settings.EIRC['HOTLINE']}"]
    body = "\r\n".join(lines) + "\r\n"
    return f"pokazaniya-{submission.code}.txt", "text/plain; charset=utf-8", body.encode("utf-8")
