"""PDF renderers: pure functions, data in, ``(filename, content_type, bytes)`` out.

WeasyPrint lays out Django templates (``templates/documents/pdf/``). It never
touches the network: :class:`LocalStaticFetcher` serves ``data:`` URIs and
files under the project's static directories and refuses everything else
(QR codes are embedded as data URIs; fonts come from fontconfig — Debian's
``fonts-dejavu-core``). Stylesheets are parsed once per process.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

from documents import qr

log = logging.getLogger(__name__)
PDF = "application/pdf"
STYLESHEET = "documents/receipt.css"


class NetworkFetchRefused(ValueError):
    """A document asked for a resource that is not a local static file."""


def _static_roots() -> list[Path]:
    roots = [Path(p).resolve() for p in settings.STATICFILES_DIRS]
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT).resolve())
    return roots


def static_path(name: str) -> Path:
    """The file of a project static asset (``documents/receipt.css``)."""
    for root in _static_roots():
        candidate = root / name
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(name)


@functools.cache
def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalStaticFetcher(URLFetcher):
        """Serves ``data:`` URIs and ``file:`` URLs inside the static roots;
        refuses any other URL (http, https, ftp, files elsewhere)."""

        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                from urllib.request import url2pathname

                path = Path(url2pathname(url.split("?", 1)[0].removeprefix("file:"))).resolve()
                if any(path.is_relative_to(root) for root in _static_roots()) and path.is_file():
                    return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": _mime(path)})
            log.warning("document rendering refused to fetch %s", url[:200])
            raise NetworkFetchRefused(f"refused to fetch {url[:200]}")

    return LocalStaticFetcher


def _mime(path: Path) -> str:
    return {".css": "text/css", ".png": "image/png", ".svg": "image/svg+xml"}.get(
        path.suffix, "application/octet-stream"
    )


def url_fetcher():
    """A fresh fetcher that serves only local static files (and data URIs)."""
    return _fetcher_class()(allowed_protocols=("data", "file"))


@functools.cache
def _stylesheet():
    from weasyprint import CSS

    return CSS(filename=str(static_path(STYLESHEET)), url_fetcher=url_fetcher())


def html_to_pdf(html: str) -> bytes:
    """Lay out ``html`` with the documents stylesheet. No network access."""
    from weasyprint import HTML

    base = Path(settings.STATICFILES_DIRS[0]).resolve().as_uri() + "/"
    return HTML(string=html, base_url=base, url_fetcher=url_fetcher()).write_pdf(stylesheets=[_stylesheet()])


def verify_url(code: str) -> str:
    return f"{settings.SITE_URL}/documents/verify/{code}/"


def _stamp(code: str, issued_at: dt.datetime) -> dict:
    url = verify_url(code)
    return {"code": code, "verify_url": url, "verify_qr": qr.png_data_uri(url, scale=3), "issued_at": issued_at}


# --- the receipt (ЕПД) -----------------------------------------------------------


def receipt_context(data: dict, *, code: str, issued_at: dt.datetime) -> dict:
    """Template context of a receipt: the data plus the QR images and the
    verification stamp. Shared by the PDF and the print view."""
    providers = []
    for group in data["providers"]:
        qr_uri = qr.png_data_uri(group["qr_payload"]) if group.get("qr_payload") else ""
        providers.append({**group, "qr": qr_uri})
    return {
        **data,
        "providers": providers,
        "qr": qr.png_data_uri(data["qr_payload"]) if data.get("qr_payload") else "",
        "pay_qr": qr.png_data_uri(data["pay_url"], scale=2) if data.get("pay_url") else "",
        "stamp": _stamp(code, issued_at),
    }


def receipt_html(data: dict, *, code: str, issued_at: dt.datetime) -> str:
    return render_to_string("documents/pdf/receipt.html", receipt_context(data, code=code, issued_at=issued_at))


def receipt_filename(data: dict) -> str:
    month = data["period"]["month"]
    return f"epd-{data['account']['number']}-{month:%Y-%m}.pdf"


def render_receipt(data: dict, *, code: str, issued_at: dt.datetime) -> tuple[str, str, bytes]:
    """The ЕПД as a PDF."""
    return receipt_filename(data), PDF, html_to_pdf(receipt_html(data, code=code, issued_at=issued_at))


# --- certificates ------------------------------------------------------------------


def render_certificate(data: dict, *, code: str, issued_at: dt.datetime) -> tuple[str, str, bytes]:
    """A certificate (``data["kind"]``: no_debt, extract, statement) as a PDF."""
    html = render_to_string("documents/pdf/certificate.html", {**data, "stamp": _stamp(code, issued_at)})
    filename = f"{data['kind']}-{data['account']['number']}-{issued_at:%Y%m%d}.pdf"
    return filename, PDF, html_to_pdf(html)


# --- a resident's request: the acknowledgement ------------------------------------


def render_appeal_ack(data: dict, *, code: str, issued_at: dt.datetime) -> tuple[str, str, bytes]:
    """The acknowledgement of a request (number, filing time, deadline) as a PDF."""
    html = render_to_string("documents/pdf/appeal_ack.html", {**data, "stamp": _stamp(code, issued_at)})
    return f"appeal-{data['number']}.pdf", PDF, html_to_pdf(html)
