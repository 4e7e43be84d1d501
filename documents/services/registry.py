"""The register of issued documents: every generated document gets an
:class:`IssuedDocument` first, whose short code is printed on it with a QR to
the public verify page; private files are replaced, never edited."""

from __future__ import annotations

import logging
import secrets

from django.core.files.base import ContentFile
from django.db import transaction

from documents.models import IssuedDocument

log = logging.getLogger(__name__)

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and typed by hand
CODE_LENGTH = 10  # 50 bits


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str:
    """What a person typed or a QR carried → the stored form (upper case,
    without spaces or dashes; O→0 and I→1 are not in the alphabet, so a
    misread letter simply does not match)."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())[:16]


def register_document(*, kind: str, account, title: str) -> IssuedDocument:
    for _ in range(5):
        code = new_code()
        if not IssuedDocument.objects.filter(code=code).exists():
            return IssuedDocument.objects.create(code=code, kind=kind, account=account, title=title)
    raise RuntimeError("could not draw a free document code")  # pragma: no cover - 2^50 codes


def replace_file(field, filename: str, content: bytes) -> str:
    """Save ``content`` into the FileField; return the old name to delete
    after commit ('' when there was none)."""
    old = field.name or ""
    field.save(filename, ContentFile(content), save=False)
    return old if old != field.name else ""


def delete_after_commit(storage, name: str) -> None:
    if name:
        transaction.on_commit(lambda: storage.delete(name))
