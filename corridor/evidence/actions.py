"""Writes of the evidence app: receiving a file, its custody trail, packages (decision 0020).

Each is a small transaction that writes its audit entry. A file is sealed to disk before the
row that names it commits; a failed receipt leaves no file behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from corridor.audit.log import audit_record
from corridor.documentation.models import Event, RecipientKind, Referral, Testimony
from corridor.evidence.models import (
    CustodyAction,
    CustodyEvent,
    EvidenceItem,
    Package,
    PackageEntry,
)
from corridor.vault.files import sealed_file_read, sealed_file_write
from corridor.vault.models import Compartment

GENESIS = "0" * 64
TEXT_MAX = 5000
RECEIVED_HOW = ("in_person", "secure_upload", "messenger", "email", "post", "partner")


def item_path(item: EvidenceItem) -> Path:
    return Path(settings.CORRIDOR_EVIDENCE_DIR) / f"{item.pk}.sealed"


def custody_link_hash(previous: str, entry: dict[str, Any]) -> str:
    """SHA-256 over the previous link's hash and this entry as canonical JSON.

    SHA-256, not the audit chain's BLAKE2b, so a recipient recomputes the trail carried in a
    package with any tool (`sha256sum`, Python's hashlib); the package signature covers it.
    """
    payload = json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((previous + "\n" + payload).encode("utf-8")).hexdigest()


def custody_entry(event: CustodyEvent, item_sha256: str, username: str) -> dict[str, Any]:
    return {
        "item": str(event.item_id),
        "item_sha256": item_sha256,
        "seq": event.seq,
        "action": event.action,
        "at": event.at.isoformat(),
        "by": username,
        "details": event.details or {},
    }


def custody_append(
    *, actor_id: int, item: EvidenceItem, action: str, details: dict[str, Any]
) -> CustodyEvent:
    """Add one link to the item's trail (the item row locked, so links never fork)."""
    if action not in CustodyAction.values:
        raise ValidationError(_("Unknown custody action."))
    with transaction.atomic():
        EvidenceItem.objects.select_for_update(no_key=True).filter(pk=item.pk).exists()
        last = CustodyEvent.objects.filter(item_id=item.pk).order_by("-seq").first()
        previous = last.chain if last is not None else GENESIS
        event = CustodyEvent(
            item=item,
            compartment_id=item.compartment_id,
            seq=(last.seq + 1) if last is not None else 1,
            action=action,
            at=timezone.now().replace(microsecond=0),
            actor_id=actor_id,
        )
        event.details = details
        username = get_user_model().objects.values_list("username", flat=True).get(pk=actor_id)
        event.chain = custody_link_hash(previous, custody_entry(event, item.sha256, username))
        event.save()
        audit_record(
            actor_id=actor_id,
            action=f"evidence_item.{action}",
            object_type="evidence_item",
            object_id=str(item.pk),
        )
    return event


def custody_trail(item: EvidenceItem) -> list[dict[str, Any]]:
    """The trail as carried in a package: each entry with its `prev` and `hash`."""
    users = dict(get_user_model().objects.values_list("pk", "username"))
    trail = []
    previous = GENESIS
    for event in CustodyEvent.objects.filter(item_id=item.pk).order_by("seq"):
        entry = custody_entry(event, item.sha256, users.get(event.actor_id, "?"))
        trail.append({**entry, "prev": previous, "hash": event.chain})
        previous = event.chain
    return trail


def custody_check(trail: list[dict[str, Any]]) -> str:
    """The first thing wrong with a trail, or "" (used on the item page and by the verifier)."""
    previous = GENESIS
    for number, link in enumerate(trail, start=1):
        entry = {key: value for key, value in link.items() if key not in ("prev", "hash")}
        if link.get("seq") != number:
            return f"link {number} is out of order (seq {link.get('seq')})"
        if link.get("prev") != previous:
            return f"link {number} does not follow link {number - 1}"
        if custody_link_hash(previous, entry) != link.get("hash"):
            return f"link {number} was altered (its hash does not match)"
        previous = link["hash"]
    if not trail or trail[0].get("action") != CustodyAction.RECEIVED:
        return "the trail does not start with the receipt"
    return ""


def item_receive(
    *,
    actor_id: int,
    compartment: Compartment,
    pieces: Iterable[bytes],
    title: str,
    original_name: str,
    media_type: str,
    received_from: str,
    received_how: str,
    received_on: str = "",
    note: str = "",
    testimony: Testimony | None = None,
    event: Event | None = None,
) -> EvidenceItem:
    """Keep a file as received: sealed byte for byte, hashed on the way, its receipt logged;
    then an image's working copy, re-encoded without metadata (`working.py`)."""
    errors = []
    if not title.strip():
        errors.append(_("Give the file a title."))
    if not received_from.strip():
        errors.append(_("Say whom the file was received from."))
    if received_how not in RECEIVED_HOW:
        errors.append(_("Say how the file was received."))
    if any(len(v) > TEXT_MAX for v in (title, original_name, received_from, note, received_on)):
        errors.append(_("The text is too long."))
    for record in (testimony, event):
        if record is not None and record.compartment_id != compartment.pk:
            errors.append(_("The file must be in the compartment of what it supports."))
    if errors:
        raise ValidationError(errors)
    item = EvidenceItem(
        compartment=compartment,
        testimony=testimony,
        event=event,
        media_type=(media_type or "application/octet-stream")[:100],
        size=0,
        received_by_id=actor_id,
    )
    item.title = title.strip()
    item.original_name = original_name.strip()
    sha256, sha512 = hashlib.sha256(), hashlib.sha512()
    size = 0

    def hashed() -> Iterator[bytes]:
        nonlocal size
        for piece in pieces:
            sha256.update(piece)
            sha512.update(piece)
            size += len(piece)
            yield piece

    from corridor.vault.keyring import record_prepare

    record_prepare(item)
    path = item_path(item)
    sealed_file_write(item, hashed(), path)
    try:
        item.size = size
        item.sha256 = sha256.hexdigest()
        item.sha512 = sha512.hexdigest()
        with transaction.atomic():
            item.save()
            audit_record(
                actor_id=actor_id,
                action="evidence_item.create",
                object_type="evidence_item",
                object_id=str(item.pk),
            )
            custody_append(
                actor_id=actor_id,
                item=item,
                action=CustodyAction.RECEIVED,
                details={
                    "from": received_from.strip(),
                    "how": received_how,
                    "received_on": received_on.strip(),
                    "note": note.strip(),
                    "size": size,
                    "sha256": item.sha256,
                    "sha512": item.sha512,
                },
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    from corridor.evidence.working import item_working_copy_make

    # The working copy of an image (decision 0036); the receipt stands without it (the
    # cleaner was busy: the item page offers to make it later).
    with contextlib.suppress(ValidationError):
        item_working_copy_make(actor_id=actor_id, item=item)
    return item


def item_read(*, actor_id: int, item: EvidenceItem, action: str = "viewed") -> Iterator[bytes]:
    """The evidentiary copy, byte for byte; the read is a custody link (viewed or downloaded)."""
    custody_append(actor_id=actor_id, item=item, action=action, details={})
    return sealed_file_read(item, item_path(item))


def package_create(
    *,
    actor_id: int,
    compartment: Compartment,
    recipient: str,
    recipient_kind: str,
    language: str,
    referral: Referral | None = None,
) -> Package:
    errors = []
    if not recipient.strip():
        errors.append(_("Name the recipient."))
    if recipient_kind not in RecipientKind.values:
        errors.append(_("Choose the kind of recipient."))
    if language not in ("en", "ru"):
        errors.append(_("Choose the language of the package: English or Russian."))
    if len(recipient) > TEXT_MAX:
        errors.append(_("The text is too long."))
    if referral is not None and referral.compartment_id != compartment.pk:
        errors.append(_("The referral must be in the package's compartment."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        package = Package(
            compartment=compartment,
            recipient_kind=recipient_kind,
            language=language,
            referral=referral,
            created_by_id=actor_id,
        )
        package.recipient = recipient.strip()
        package.save()
        audit_record(
            actor_id=actor_id,
            action="evidence_package.create",
            object_type="evidence_package",
            object_id=str(package.pk),
        )
    return package


_KIND_MODELS: dict[str, Any] = {}


def _kind_model(kind: str) -> Any:
    from corridor.documentation.models import Act

    return {"event": Event, "act": Act, "testimony": Testimony, "item": EvidenceItem}[kind]


def package_choose(
    *, actor_id: int, package: Package, chosen: Iterable[tuple[str, uuid.UUID]]
) -> int:
    """Set what the package holds (replacing the choice); everything must be in its
    compartment. Consent is judged when it is previewed and exported, not here."""
    chosen = list(dict.fromkeys(chosen))
    errors = []
    for kind, object_id in chosen:
        if kind not in PackageEntry.KINDS:
            errors.append(_("Unknown kind of record."))
            continue
        found = _kind_model(kind).objects.filter(
            pk=object_id, compartment_id=package.compartment_id
        )
        if not found.exists():
            errors.append(_("A chosen record does not exist in the package's compartment."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        Package.objects.select_for_update(no_key=True).filter(pk=package.pk).exists()
        PackageEntry.objects.filter(package=package).delete()
        PackageEntry.objects.bulk_create(
            [PackageEntry(package=package, kind=kind, object_id=oid) for kind, oid in chosen]
        )
        audit_record(
            actor_id=actor_id,
            action="evidence_package.choose",
            object_type="evidence_package",
            object_id=str(package.pk),
        )
    return len(chosen)


def when_text(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
