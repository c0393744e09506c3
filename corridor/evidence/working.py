"""The working copy of an evidence image: what the screen shows, never the evidence itself.

The evidentiary copy is kept byte for byte as received (decision 0020). A photograph's EXIF
can hold the phone's make, the time and the GPS position of the person who took it, so the
page never shows the original: it shows a working copy re-encoded from the pixels alone by
the intake app's cleaner (`corridor.intake.cleaning.confined_clean`: priced from its header,
decoded in a confined child with memory, CPU and time limits, re-encoded without EXIF, XMP,
IPTC, ICC profiles or comments). The same code cleans what the public sends; nothing of it is
copied here (decision 0036).

The type is found from the content (`content_kind`), never from the name or the media type
the sender gave. A file that is not an image, or an image the cleaner refuses (a
decompression bomb, more than 40 megapixels, a copy larger than 5 MB, unreadable), gets no
working copy and a note saying why; the original is kept all the same. The copy is sealed in
its own file under the item's data key with its own associated data (`working_copy`), so a
chunk of it can never be read as the original's.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from corridor.audit.log import audit_record
from corridor.evidence.models import CustodyAction, EvidenceItem
from corridor.intake.attachments import CLEANING_SECONDS, content_kind
from corridor.intake.cleaning import CleaningBusy, confined_clean
from corridor.intake.plans import MIB, Cost, Refused
from corridor.vault.files import sealed_file_read, sealed_file_write

COLUMN = "working_copy"
IMAGE_KINDS = frozenset({"jpeg", "png", "gif", "webp"})
MAX_ORIGINAL_BYTES = 64 * MIB  # an image larger than this as received is not decoded here

NOTES = {
    "not_image": gettext_lazy(
        "This file is not an image (JPEG, PNG, GIF or WebP, judged by its content): "
        "there is no working copy to show. Download the evidentiary copy to open it."
    ),
    "too_large": gettext_lazy(
        "This image is too large to decode safely (a decompression bomb, more than "
        "40 megapixels, or a copy larger than 5 MB): there is no working copy. "
        "The original is kept as received."
    ),
    "unreadable": gettext_lazy(
        "This image could not be decoded: there is no working copy. "
        "The original is kept as received."
    ),
}
_REFUSAL_NOTES = {
    "image_too_large": "too_large",
    "image_too_heavy": "too_large",
    "file_too_large": "too_large",
    "too_complex": "too_large",
    "image_unreadable": "unreadable",
}


def working_path(item: EvidenceItem) -> Path:
    return Path(settings.CORRIDOR_EVIDENCE_DIR) / f"{item.pk}.working.sealed"


def working_note_text(item: EvidenceItem) -> str:
    return str(NOTES.get(item.working_note, "")) if item.working_note else ""


def _admit(cost: Cost) -> None:
    """Evidence is received by a lawyer, one file at a time: no hourly budget to count; the
    cleaner's own bounds (MAX_DECODED_BYTES, the child's limits) still hold."""


def _cleaned(item: EvidenceItem, path: Path) -> tuple[str, bytes, str]:
    """(note code, cleaned bytes, media type): a code and nothing, or "" and the copy."""
    chunks = sealed_file_read(item, path)
    first = next(chunks, b"")
    kind = content_kind(first)
    if kind not in IMAGE_KINDS:
        return "not_image", b"", ""
    if item.size > MAX_ORIGINAL_BYTES:
        return "too_large", b"", ""
    data = first + b"".join(chunks)
    if hashlib.sha256(data).hexdigest() != item.sha256:
        raise ValidationError(_("The stored file no longer matches its hashes at receipt."))
    deadline = time.monotonic() + CLEANING_SECONDS
    try:
        cleaned = confined_clean(data, kind, admit=_admit, deadline=deadline)
    except Refused as refused:
        return _REFUSAL_NOTES.get(refused.code, "too_large"), b"", ""
    except CleaningBusy:
        raise ValidationError(
            _("The server is busy decoding other images. Make the working copy again later.")
        ) from None
    return "", cleaned.content, cleaned.content_type


def item_working_copy_make(*, actor_id: int, item: EvidenceItem) -> EvidenceItem:
    """Make the item's working copy from its evidentiary copy (which is only read), or note
    why there is none. The making is audited and, when a copy is made, a custody link."""
    from corridor.evidence.actions import custody_append, item_path

    if item.working_media_type or item.working_note:
        raise ValidationError(_("This file already has its working copy, or a note why not."))
    note, content, media_type = _cleaned(item, item_path(item))
    target = working_path(item)
    if content:
        sealed_file_write(item, [content], target, column=COLUMN)
    try:
        with transaction.atomic():
            EvidenceItem.objects.select_for_update(no_key=True).filter(pk=item.pk).exists()
            item.working_note = note
            item.working_media_type = media_type
            item.working_size = len(content)
            if content:
                item.working_sha256 = hashlib.sha256(content).hexdigest()
            item.save(
                update_fields=[
                    "working_note",
                    "working_media_type",
                    "working_size",
                    *(["working_sha256"] if content else []),
                ]
            )
            audit_record(
                actor_id=actor_id,
                action="evidence_item.working_copy",
                object_type="evidence_item",
                object_id=str(item.pk),
            )
            if content:
                custody_append(
                    actor_id=actor_id,
                    item=item,
                    action=CustodyAction.COPIED,
                    details={
                        "copy": "working",
                        "media_type": media_type,
                        "size": len(content),
                        "sha256": item.working_sha256,
                        "metadata": "removed (EXIF, GPS, XMP, IPTC, ICC, comments)",
                    },
                )
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return item


def working_copy_read(*, actor_id: int, item: EvidenceItem) -> bytes:
    """The working copy's bytes; every view is a custody link (viewed, the working copy)."""
    from corridor.evidence.actions import custody_append

    if not item.working_media_type:
        raise ValidationError(_("This file has no working copy."))
    custody_append(
        actor_id=actor_id,
        item=item,
        action=CustodyAction.VIEWED,
        details={"copy": "working", "sha256": item.working_sha256},
    )
    return b"".join(sealed_file_read(item, working_path(item), column=COLUMN))
