"""Signed checkpoints of the chain head, their export, and verification of the whole chain.

Why signatures: anyone who can write to the database can rewrite every entry and recompute
every hash, leaving a chain that is consistent with itself. A checkpoint signed with a key
that is not in the database, and exported to somewhere off the server, pins the hash of the
chain at its seq; a rewrite before that seq no longer matches it (T2, T5). The signing key
can sign future checkpoints if the running server is owned, but it opens no data.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from corridor.audit.log import chain_head_lock, entry_hash_compute
from corridor.audit.models import GENESIS_HASH, AuditCheckpoint, AuditEntry, AuditHead
from corridor.vault import crypto

EXPORT_FORMAT = "corridor-audit-checkpoints/1"
SIGNATURE_CONTEXT = b"corridor-audit-checkpoint/1\n"  # the key signs nothing else by mistake
VERIFY_CHUNK = 5000


def signing_seed() -> bytes:
    """The Ed25519 seed: CORRIDOR_AUDIT_SIGNING_KEY (hex), else the key file, else a new one.

    A new seed is written with mode 0600 (parents 0700), created exclusively so two processes
    starting together end up with the same key.
    """
    configured = str(getattr(settings, "CORRIDOR_AUDIT_SIGNING_KEY", "") or "").strip()
    if configured:
        return _seed_parse(configured, "CORRIDOR_AUDIT_SIGNING_KEY")
    path = Path(settings.CORRIDOR_AUDIT_SIGNING_KEY_PATH)
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(crypto.random_key().hex() + "\n")
    return _seed_parse(path.read_text(encoding="ascii").strip(), str(path))


def _seed_parse(text: str, source: str) -> bytes:
    try:
        seed = bytes.fromhex(text)
    except ValueError:
        seed = b""
    if len(seed) != 32:
        raise ImproperlyConfigured(f"{source} must hold a 32-byte Ed25519 seed as 64 hex digits")
    return seed


def checkpoint_message(seq: int, entry_hash: bytes, time: datetime) -> bytes:
    """The exact bytes a checkpoint signature covers."""
    body = {"seq": seq, "entry_hash": entry_hash.hex(), "time": _time_text(time)}
    return SIGNATURE_CONTEXT + json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def _time_text(time: datetime) -> str:
    return time.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint as verification sees it: from the database or from an exported file."""

    seq: int
    entry_hash: bytes
    time: datetime
    public_key: bytes
    signature: bytes
    source: str = "stored"

    def signature_valid(self) -> bool:
        message = checkpoint_message(self.seq, self.entry_hash, self.time)
        return crypto.signature_valid(self.public_key, message, self.signature)

    def describe(self) -> str:
        return f"{self.source} checkpoint at seq {self.seq} signed {_time_text(self.time)}"

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "entry_hash": self.entry_hash.hex(),
            "time": _time_text(self.time),
            "public_key": self.public_key.hex(),
            "signature": self.signature.hex(),
        }

    @classmethod
    def from_model(cls, row: AuditCheckpoint) -> SignedCheckpoint:
        return cls(
            seq=row.seq,
            entry_hash=bytes(row.entry_hash),
            time=row.time,
            public_key=bytes(row.public_key),
            signature=bytes(row.signature),
        )


def checkpoint_create() -> AuditCheckpoint:
    """Sign the current chain head. Holds the head lock so no entry lands in between."""
    seed = signing_seed()
    with transaction.atomic():
        chain_head_lock()
        last = AuditEntry.objects.order_by("-seq").values_list("seq", "entry_hash").first()
        seq, entry_hash = (last[0], bytes(last[1])) if last else (0, GENESIS_HASH)
        now = timezone.now()
        return AuditCheckpoint.objects.create(
            seq=seq,
            entry_hash=entry_hash,
            time=now,
            public_key=crypto.signing_public_key(seed),
            signature=crypto.sign(seed, checkpoint_message(seq, entry_hash, now)),
        )


def checkpoints_export() -> str:
    """Every stored checkpoint as a JSON document, to be kept somewhere the server cannot write."""
    document = {
        "format": EXPORT_FORMAT,
        "public_key": crypto.signing_public_key(signing_seed()).hex(),
        "exported_at": _time_text(timezone.now()),
        "checkpoints": [
            SignedCheckpoint.from_model(row).as_json() for row in AuditCheckpoint.objects.all()
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def checkpoints_load(text: str) -> list[SignedCheckpoint]:
    """Parse an exported document. Raises ValueError on anything malformed."""
    try:
        document = json.loads(text)
        if document.get("format") != EXPORT_FORMAT:
            raise ValueError(f"not a {EXPORT_FORMAT} document")
        return [
            SignedCheckpoint(
                seq=int(item["seq"]),
                entry_hash=bytes.fromhex(item["entry_hash"]),
                time=datetime.fromisoformat(item["time"]),
                public_key=bytes.fromhex(item["public_key"]),
                signature=bytes.fromhex(item["signature"]),
                source="exported",
            )
            for item in document["checkpoints"]
        ]
    except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as exc:
        raise ValueError(f"malformed checkpoint document: {exc}") from exc


@dataclass(frozen=True)
class VerifyResult:
    """What audit_verify prints. `broken_seq` names the first entry found altered, removed or
    inserted; for a checkpoint mismatch, the first entry after the last checkpoint that held.
    `entries` counts the entries of an intact chain (0 when broken)."""

    ok: bool
    message: str
    entries: int = 0
    checkpoints: int = 0
    broken_seq: int | None = None


class _Broken(Exception):
    def __init__(self, seq: int | None, message: str) -> None:
        super().__init__(message)
        self.seq = seq
        self.message = message


def chain_verify(checkpoints: Iterable[SignedCheckpoint] | None = None) -> VerifyResult:
    """Walk the chain in seq order and report the first entry altered, removed or inserted.

    Also checks every stored checkpoint and the given exported ones: the signature holds and
    the chain at that seq has that hash. Streams the entries, so memory stays flat.
    """
    pins = [SignedCheckpoint.from_model(row) for row in AuditCheckpoint.objects.all()]
    pins += list(checkpoints or [])
    walked = 0
    try:
        for pin in pins:
            if not pin.signature_valid():
                raise _Broken(None, f"{pin.describe()} has an invalid signature: it was altered")
        walked = _walk(pins)
    except _Broken as broken:
        return VerifyResult(
            ok=False,
            message=broken.message,
            entries=walked,
            checkpoints=len(pins),
            broken_seq=broken.seq,
        )
    return VerifyResult(
        ok=True,
        message=f"chain intact: {walked} entries, {len(pins)} checkpoints verified",
        entries=walked,
        checkpoints=len(pins),
    )


def _rows() -> Iterator[tuple[Any, ...]]:
    fields = ("seq", "time", "actor_id", "action", "object_type", "object_id")
    query = AuditEntry.objects.order_by("seq").values_list(*fields, "prev_hash", "entry_hash")
    return query.iterator(chunk_size=VERIFY_CHUNK)


def _walk(pins: list[SignedCheckpoint]) -> int:
    """Raise _Broken at the first break; return the number of entries otherwise."""
    pending: dict[int, list[SignedCheckpoint]] = {}
    for pin in pins:
        pending.setdefault(pin.seq, []).append(pin)
    last_seq, last_hash, last_pinned = 0, GENESIS_HASH, 0
    _pins_check(pending.pop(0, []), GENESIS_HASH, 0, 0)
    for seq, time, actor_id, action, object_type, object_id, prev_raw, hash_raw in _rows():
        prev_hash, entry_hash = bytes(prev_raw), bytes(hash_raw)
        if seq <= last_seq:
            raise _Broken(seq, f"entry seq {seq} appears twice: an entry was inserted")
        if seq > last_seq + 1:
            missing = last_seq + 1
            span = (
                f"entry seq {missing} was"
                if seq == missing + 1
                else f"entries seq {missing} to {seq - 1} were"
            )
            raise _Broken(missing, f"{span} removed: the chain jumps from seq {last_seq} to {seq}")
        content = {
            "time": time,
            "actor_id": actor_id,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
        }
        if entry_hash_compute(prev_hash=prev_hash, seq=seq, **content) != entry_hash:
            raise _altered(seq, prev_hash, entry_hash, content)
        if prev_hash != last_hash:
            raise _Broken(
                last_seq,
                f"entry seq {last_seq} was rewritten or replaced: entry seq {seq} is chained "
                "to a different predecessor",
            )
        if seq in pending:
            _pins_check(pending.pop(seq), entry_hash, seq, last_pinned)
            last_pinned = seq
        last_seq, last_hash = seq, entry_hash
    if pending:
        pin = pending[min(pending)][0]
        raise _Broken(
            last_seq + 1,
            f"{pin.describe()} lies beyond the last entry (seq {last_seq}): "
            f"entries from seq {last_seq + 1} were removed",
        )
    _head_check(last_seq, last_hash)
    return last_seq


def _altered(seq: int, prev_hash: bytes, entry_hash: bytes, content: dict[str, Any]) -> _Broken:
    """Name the break at an entry whose hash no longer matches its content.

    If the entry is intact under a smaller seq and still chained to an earlier entry, it was
    renumbered to make room: the entries in between were inserted.
    """
    origin = (
        AuditEntry.objects.filter(seq__lt=seq - 1, entry_hash=prev_hash)
        .values_list("seq", flat=True)
        .first()
    )
    if origin is not None:
        renumbered = entry_hash_compute(prev_hash=prev_hash, seq=origin + 1, **content)
        if renumbered == entry_hash:
            first = origin + 1
            span = (
                f"entry seq {first} was"
                if first == seq - 1
                else f"entries seq {first} to {seq - 1} were"
            )
            return _Broken(
                first, f"{span} inserted: entry seq {seq} was renumbered from seq {first}"
            )
    return _Broken(seq, f"entry seq {seq} was altered: its hash does not match its content")


def _pins_check(
    pins: list[SignedCheckpoint], entry_hash: bytes, seq: int, last_pinned: int
) -> None:
    for pin in pins:
        if pin.entry_hash != entry_hash and seq == 0:
            raise _Broken(None, f"the {pin.describe()} does not name the empty chain")
        if pin.entry_hash != entry_hash:
            raise _Broken(
                last_pinned + 1,
                f"the chain does not match the {pin.describe()}: entries between seq "
                f"{last_pinned + 1} and {seq} were rewritten and their hashes recomputed",
            )


def _head_check(last_seq: int, last_hash: bytes) -> None:
    """The head row catches entries cut from the end, or appended around audit_record."""
    head = AuditHead.objects.filter(pk=1).values_list("seq", "entry_hash").first()
    if head is None:
        if last_seq:
            raise _Broken(None, "the chain head record is missing")
        return
    head_seq, head_hash = head[0], bytes(head[1])
    if head_seq > last_seq:
        raise _Broken(
            last_seq + 1,
            f"entries from seq {last_seq + 1} to {head_seq} were removed from the end of the chain",
        )
    if head_seq < last_seq:
        raise _Broken(
            head_seq + 1,
            f"entry seq {head_seq + 1} was inserted after the chain head (seq {head_seq})",
        )
    if head_hash != last_hash:
        raise _Broken(last_seq, f"entry seq {last_seq} does not match the hash the head recorded")
