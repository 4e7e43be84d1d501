"""Files residents attach to a request (personal data, 152-ФЗ).

Only PDF, JPEG and PNG, told by their first bytes (never by the name or the
browser's type): a renamed program is refused. Up to 10 MB each and 5 per
request. Images are decoded and re-encoded by Pillow, which keeps the
pixels and drops everything else (EXIF with GPS coordinates, comments,
embedded profiles); the orientation from EXIF is applied first so a phone
photo is not stored sideways.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from eirc.errors import DomainError

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 5

MAGIC = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


@dataclass(frozen=True)
class CleanFile:
    name: str
    content_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a file by its first bytes, or None."""
    for magic, content_type, ext in MAGIC:
        if head.startswith(magic):
            return content_type, ext
    return None


def _reencode(content: bytes, content_type: str) -> bytes:
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(content)) as img:
            img.load()
            img = ImageOps.exif_transpose(img)
            if content_type == "image/jpeg":
                img = img.convert("RGB")
            elif img.mode not in ("RGB", "RGBA", "L", "LA"):
                img = img.convert("RGBA")
            # A new image from the pixels alone: no EXIF, GPS, text chunks or profiles come along.
            clean = Image.frombytes(img.mode, img.size, img.tobytes())
            out = io.BytesIO()
            if content_type == "image/jpeg":
                clean.save(out, "JPEG", quality=90, optimize=True)
            else:
                clean.save(out, "PNG", optimize=True)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise DomainError("Изображение повреждено или слишком велико.", code="bad_image", field="files") from exc
    return out.getvalue()


def clean_upload(upload) -> CleanFile:
    """Check one uploaded file and return what is stored. Raises
    ``DomainError`` (field ``files``) for a file over 10 MB or of another
    type."""
    if upload.size > MAX_BYTES:
        raise DomainError(f"Файл «{upload.name}» больше 10 МБ.", code="too_big", field="files")
    content = upload.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise DomainError(f"Файл «{upload.name}» больше 10 МБ.", code="too_big", field="files")
    kind = sniff(content[:16])
    if kind is None:
        raise DomainError(
            f"Файл «{upload.name}» не PDF, JPEG или PNG. Приложите документ в одном из этих форматов.",
            code="bad_type",
            field="files",
        )
    content_type, ext = kind
    if content_type != "application/pdf":
        content = _reencode(content, content_type)
    stem = (upload.name or "file").rsplit(".", 1)[0][:150] or "file"
    return CleanFile(name=f"{stem}.{ext}", content_type=content_type, content=content)


def clean_uploads(uploads, *, already: int = 0) -> list[CleanFile]:
    uploads = [u for u in uploads or [] if u]
    if already + len(uploads) > MAX_FILES:
        raise DomainError(f"К обращению можно приложить не больше {MAX_FILES} файлов.", code="too_many", field="files")
    return [clean_upload(u) for u in uploads]
