"""Writes of the documents app (DESIGN §2), by responsibility:
:mod:`.registry` (issued documents and their verify codes),
:mod:`.receipts` (ЕПД: render, batches, closing a period and issuing its
receipts), :mod:`.paperless` (e-receipts), :mod:`.certificates`, :mod:`.appeals`
(residents' requests with statutory deadlines), :mod:`.notices` (emailing
the staff's notices).

Every generated document gets an :class:`IssuedDocument` first (its short
code is printed on it with a QR to the public verify page), then the PDF is
rendered and its SHA-256 stored. A receipt re-rendered after a change gets a
new code; the old one is marked revoked (the verify page says it was
replaced).
"""

from documents.services.appeals import (
    appeal_acknowledge,
    appeal_assign,
    appeal_close,
    appeal_deadline,
    appeal_file,
    appeal_message,
    appeal_set_status,
    appeal_withdraw,
    appeals_morning,
)
from documents.services.appeals_register import appeal_register
from documents.services.certificates import (
    account_overdue_debt,
    certificate_complete,
    certificate_generate,
    certificate_order,
    certificate_reject,
    certificate_take,
)
from documents.services.notices import notice_send_chunk, notice_send_plan, notice_send_request
from documents.services.paperless import (
    UNSUBSCRIBE_SALT,
    paperless_set,
    paperless_unsubscribe,
    unsubscribe_check,
    unsubscribe_token,
    unsubscribe_url,
)
from documents.services.receipts import (
    PENDING_RETRY_AFTER,
    ChunkResult,
    period_close_and_issue,
    receipt_mark_failed,
    receipt_render,
    receipt_request,
    receipts_issue,
    receipts_render_chunk,
    receipts_stale,
)
from documents.services.registry import CODE_ALPHABET, CODE_LENGTH, new_code, normalize_code

__all__ = [
    "appeal_acknowledge",
    "appeal_assign",
    "appeal_close",
    "appeal_deadline",
    "appeal_file",
    "appeal_register",
    "appeal_message",
    "appeal_set_status",
    "appeal_withdraw",
    "appeals_morning",
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "PENDING_RETRY_AFTER",
    "UNSUBSCRIBE_SALT",
    "ChunkResult",
    "account_overdue_debt",
    "certificate_complete",
    "certificate_generate",
    "certificate_order",
    "certificate_reject",
    "certificate_take",
    "new_code",
    "normalize_code",
    "notice_send_chunk",
    "notice_send_plan",
    "notice_send_request",
    "paperless_set",
    "paperless_unsubscribe",
    "period_close_and_issue",
    "receipt_mark_failed",
    "receipt_render",
    "receipt_request",
    "receipts_issue",
    "receipts_render_chunk",
    "receipts_stale",
    "unsubscribe_check",
    "unsubscribe_token",
    "unsubscribe_url",
]
