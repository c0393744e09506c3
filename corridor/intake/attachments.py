"""Files sent with a request: type found from the content, metadata removed, then sealed.

Images are decoded and re-encoded from their pixels alone with Pillow, so EXIF (camera,
time, GPS position), XMP, IPTC, comments and colour profiles are gone (T7: a photo can
locate the person who took it). PDFs are rebuilt page by page with pypdf: the document
information dictionary, XMP metadata, open actions and JavaScript, attachments, forms,
outlines and annotations do not survive; what remains is stated in decision 0009.
The name a browser gives a file is never trusted for its type.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError

MAX_FILES = 5
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_TOTAL_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40-megapixel photo; more is a decompression bomb here
FILENAME_MAX = 100

# Page keys that carry metadata or run something when the page opens.
_PDF_PAGE_KEYS = ("/Metadata", "/PieceInfo", "/AA", "/Annots", "/LastModified", "/Thumb")


@dataclass(frozen=True)
class CleanFile:
    filename: str
    content_type: str
    content: bytes


def _kind(data: bytes) -> str | None:
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
    stem = PurePath(name.replace("\\", "/")).stem if name else ""
    stem = "".join(ch for ch in stem if ch.isprintable() and ch not in '/\\:*?"<>|')
    return f"{(stem.strip() or 'attachment')[:FILENAME_MAX]}.{extension}"


def _image_clean(data: bytes, kind: str) -> tuple[bytes, str, str]:
    unreadable = ValidationError(_("An image could not be read. Send it as JPEG or PNG."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data))
            if opened.width * opened.height > MAX_PIXELS:
                raise ValidationError(_("An image is too large (more than 40 megapixels)."))
            opened.load()
            image = ImageOps.exif_transpose(opened)  # keep photos upright once EXIF is gone
    except ValidationError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, UnidentifiedImageError):
        raise unreadable from None
    except (Image.DecompressionBombWarning, EOFError):
        raise unreadable from None
    opaque = kind in ("jpeg", "webp")
    mode = "RGB" if opaque else ("RGBA" if image.mode in ("RGBA", "LA", "P", "PA") else "RGB")
    if image.mode == "L" and opaque:
        mode = "L"
    pixels = image.convert(mode)
    # A new image from the pixels alone: nothing of the original's info dict comes along.
    clean = Image.frombytes(mode, pixels.size, pixels.tobytes())
    out = io.BytesIO()
    if opaque:
        clean.save(out, format="JPEG", quality=88, optimize=True)
        return out.getvalue(), "image/jpeg", "jpg"
    clean.save(out, format="PNG", optimize=False)
    return out.getvalue(), "image/png", "png"


def _pdf_clean(data: bytes) -> bytes:
    unreadable = ValidationError(_("A PDF could not be read, or it is protected by a password."))
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise unreadable
        writer = PdfWriter()
        for page in reader.pages:
            for key in _PDF_PAGE_KEYS:
                if key in page:
                    del page[key]
            writer.add_page(page)
        writer.metadata = None
        out = io.BytesIO()
        writer.write(out)
    except ValidationError:
        raise
    except (PyPdfError, OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        raise unreadable from None
    return out.getvalue()


def attachment_clean(name: str, data: bytes) -> CleanFile:
    """The file as it will be sealed, or ValidationError with a message for the sender."""
    if not data:
        raise ValidationError(_("An attached file is empty."))
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError(_("An attached file is larger than 5 MB."))
    kind = _kind(data)
    if kind is None:
        raise ValidationError(
            _("Only images (JPEG, PNG, GIF, WebP) and PDF files can be attached.")
        )
    if kind == "pdf":
        content, content_type, extension = _pdf_clean(data), "application/pdf", "pdf"
    else:
        content, content_type, extension = _image_clean(data, kind)
    if len(content) > MAX_FILE_BYTES:
        raise ValidationError(_("An attached file is larger than 5 MB."))
    return CleanFile(_filename(name, extension), content_type, content)
