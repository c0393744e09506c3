"""Files sent with a request: type found from the content, metadata removed, work bounded.

The name a browser gives a file is never trusted for its type. Images are decoded and
re-encoded from their pixels alone (`image_clean.py`, T7); PDFs are rebuilt from what their
pages draw (`pdf_clean.py`, T7 and T4). What a file may cost is bounded before any work
(T5): a file is priced from its header (image memory at the size it will be decoded; PDF
pages), the prices of one request's files add up to at most `MAX_REQUEST_DECODED_BYTES` and
`MAX_REQUEST_PDF_PAGES`, and the caller's `admit` counts them against the hour's limits
before the decode. Every file is cleaned in a confined child, a few at a time on the
machine (`cleaning.py`). A file refused for any reason refuses the whole request: the
caller stores nothing. Decisions 0009 and 0014.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from corridor.intake import cleaning
from corridor.intake.image_clean import MAX_DECODED_BYTES, MAX_PIXELS
from corridor.intake.pdf_clean import MAX_PDF_PAGES
from corridor.intake.plans import MAX_FILE_BYTES, MIB, Cost, Refused

__all__ = [
    "MAX_DECODED_BYTES",
    "MAX_FILE_BYTES",
    "MAX_PDF_PAGES",
    "MAX_PIXELS",
    "CleanFile",
    "attachment_clean",
    "attachments_clean",
]

MAX_FILES = 5
MAX_TOTAL_BYTES = 10 * MIB
MAX_REQUEST_DECODED_BYTES = 320 * MIB  # five 16-megapixel photos
MAX_REQUEST_PDF_PAGES = 300
CLEANING_SECONDS = 20  # a request's wait for cleaning slots, within gunicorn's 30 s
FILENAME_MAX = 100

REFUSALS: dict[str, Any] = {
    "empty": _("An attached file is empty."),
    "file_too_large": _("An attached file is larger than 5 MB."),
    "wrong_type": _("Only images (JPEG, PNG, GIF, WebP) and PDF files can be attached."),
    "image_unreadable": _("An image could not be read. Send it as JPEG or PNG."),
    "image_too_large": _("An image is too large (more than 40 megapixels)."),
    "image_too_heavy": _(
        "An image has too many pixels to process. Send it as a JPEG photo, or at a smaller size."
    ),
    "pdf_unreadable": _("A PDF could not be read, or it is protected by a password."),
    "pdf_too_many_pages": _("A PDF has more than %(max)d pages. Send only the pages we need."),
    "too_complex": _(
        "A file is too complex to process. Send a photo of it (JPEG), or a smaller file."
    ),
    "request_too_heavy": _(
        "The attached images are too large to process together. Send fewer or smaller images."
    ),
    "request_too_many_pages": _("The attached PDFs have more than %(max)d pages together."),
}
_PARAMS = {
    "pdf_too_many_pages": {"max": MAX_PDF_PAGES},
    "request_too_many_pages": {"max": MAX_REQUEST_PDF_PAGES},
}


def refusal(code: str) -> ValidationError:
    """The message for a refusal code (an unknown code, from a failed child, is too complex)."""
    code = code if code in REFUSALS else "too_complex"
    return ValidationError(REFUSALS[code], code=code, params=_PARAMS.get(code))


@dataclass(frozen=True)
class CleanFile:
    filename: str
    content_type: str
    content: bytes


def content_kind(data: bytes) -> str | None:
    """The kind of a file found from its first bytes (never its name): jpeg, png, gif, webp,
    pdf, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if b"%PDF-" in data[:1024]:
        return "pdf"
    return None


def _filename(name: str, extension: str) -> str:
    path = PurePath(name.replace("\\", "/")) if name else PurePath()
    # ".jpg" (a name of invisible letters and an extension) is all extension, no stem
    stem = "" if path.stem.startswith(".") and not path.suffix else path.stem
    stem = "".join(ch for ch in stem if ch.isprintable() and ch not in '/\\:*?"<>|')
    stem = stem.lstrip(".")
    return f"{(stem.strip() or 'attachment')[:FILENAME_MAX]}.{extension}"


class RequestBudget:
    """What one request's files may cost together; `admit` also counts each in the hour."""

    def __init__(self, admit: Callable[[Cost], None] | None = None) -> None:
        self.spent = Cost()
        self.admit_hourly = admit

    def admit(self, cost: Cost) -> None:
        total = self.spent + cost
        if total.decoded_bytes > MAX_REQUEST_DECODED_BYTES:
            raise refusal("request_too_heavy")
        if total.pages > MAX_REQUEST_PDF_PAGES:
            raise refusal("request_too_many_pages")
        if self.admit_hourly is not None:
            self.admit_hourly(cost)
        self.spent = total


def _clean_one(name: str, data: bytes, budget: RequestBudget, deadline: float) -> CleanFile:
    if not data:
        raise refusal("empty")
    if len(data) > MAX_FILE_BYTES:
        raise refusal("file_too_large")
    kind = content_kind(data)
    if kind is None:
        raise refusal("wrong_type")
    try:
        cleaned = cleaning.confined_clean(data, kind, admit=budget.admit, deadline=deadline)
    except Refused as refused:
        raise refusal(refused.code) from None
    return CleanFile(_filename(name, cleaned.extension), cleaned.content_type, cleaned.content)


def attachments_clean(
    files: Sequence[tuple[str, bytes]], *, admit: Callable[[Cost], None] | None = None
) -> list[CleanFile]:
    """Every file of one request as it will be sealed, or ValidationError for the first one
    refused (then nothing of the request may be stored). `admit(cost)` is called with each
    file's price before it is decoded and may raise to refuse it (the hourly limits).
    Raises cleaning.CleaningBusy when no cleaning slot came free in CLEANING_SECONDS."""
    if len(files) > MAX_FILES:
        raise ValidationError(
            _("At most %(count)d files can be attached."), params={"count": MAX_FILES}
        )
    if sum(len(data) for _name, data in files) > MAX_TOTAL_BYTES:
        raise ValidationError(_("The attached files are larger than 10 MB together."))
    budget = RequestBudget(admit)
    deadline = time.monotonic() + CLEANING_SECONDS
    return [_clean_one(name, data, budget, deadline) for name, data in files]


def attachment_clean(name: str, data: bytes) -> CleanFile:
    """One file as it will be sealed, or ValidationError with a message for the sender."""
    return attachments_clean([(name, data)])[0]
