"""Fixtures of the documents tests: the demo history (built by the real
billing engine), PDF text and QR codes read by independent tools."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest

DEMO_NUMBER = "1000000001"


@pytest.fixture
def private_tmp(settings, tmp_path):
    """Private files (receipts, certificates, requests' attachments) in a
    temporary storage for the test."""
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {**settings.STORAGES["private"], "OPTIONS": {"location": str(tmp_path / "private")}},
    }
    from django.core.files.storage import storages
    from django.utils.functional import empty

    from documents.models import private_storage

    def reset():
        storages._storages.pop("private", None)
        private_storage._wrapped = empty

    reset()
    yield tmp_path / "private"
    reset()


@pytest.fixture
def demo(db, private_tmp):
    """Two demo accounts with two closed months of history; files in a
    temporary private storage."""
    from demo import builder

    builder.seed(accounts=2, months=2, out=lambda *_: None)


@pytest.fixture
def demo_account(demo):
    from accounts.models import PersonalAccount

    return PersonalAccount.objects.get(number=DEMO_NUMBER)


@pytest.fixture
def closed_period(demo):
    from eirc.models import Period

    return Period.objects.filter(status="closed", statements__isnull=False).order_by("-month").distinct().first()


def pdf_text(pdf: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
        fh.write(pdf)
        fh.flush()
        out = subprocess.run(["pdftotext", "-layout", fh.name, "-"], check=True, capture_output=True, text=True)
    return out.stdout


def pdf_qr_codes(pdf: bytes) -> list[str]:
    """Every QR code on every page, rendered at 200 dpi and decoded by zxing-cpp."""
    import zxingcpp
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "doc.pdf"
        src.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "200", "-png", str(src), str(Path(tmp) / "page")], check=True)
        texts = []
        for page in sorted(Path(tmp).glob("page*.png")):
            texts += [
                r.text for r in zxingcpp.read_barcodes(Image.open(page)) if r.format == zxingcpp.BarcodeFormat.QRCode
            ]
    return texts
