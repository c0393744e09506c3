"""Signed checkpoints of the chain head, their export, and verification of the whole chain.

Why signatures: anyone who can write to the database can rewrite every entry and recompute
every hash, leaving a chain that is consistent with itself. A checkpoint signed with a key
that is not in the database, and exported to somewhere off the server, pins the hash of the
chain at its seq; a rewrite before that seq no longer matches it (T2, T3, T5). The signing key
can sign future checkpoints if the running server is owned, but it opens no data.

Why a pinned public key: a checkpoint row carries the public key it was signed with, and so
does an exported file; someone with database access alone can re-sign a rewritten chain with
a key of their own and store that key beside it. So a signature counts only under a public
key pinned outside the database (CORRIDOR_AUDIT_PUBLIC_KEY, or the pin file init_org writes),
and anything signed by another key is reported as forged. Why a log: the pin proves who
signed a checkpoint, not that none was deleted, so each one is also appended to a file
beside the signing key and verified with the stored ones (docs/decisions/0013).
"""

from __future__ import annotations

import json
import os
import re
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


def pinned_public_keys() -> list[bytes]:
    """The Ed25519 public keys a checkpoint may be signed by, read from outside the database.

    CORRIDOR_AUDIT_PUBLIC_KEY (hex, env or _FILE; several separated by commas while a key is
    rotated), else the pin file named by CORRIDOR_AUDIT_PUBLIC_KEY_PATH if it exists (the
    demo's var/audit-public.key). An empty list means nothing is pinned: then no checkpoint
    can be verified, only the chain's consistency with itself.
    """
    configured = str(getattr(settings, "CORRIDOR_AUDIT_PUBLIC_KEY", "") or "").strip()
    if configured:
        return public_keys_parse(configured, "CORRIDOR_AUDIT_PUBLIC_KEY")
    path = _pin_path()
    if path is None or not path.exists():
        return []
    return public_keys_parse(path.read_text(encoding="ascii").strip(), str(path))


def public_keys_parse(text: str, source: str) -> list[bytes]:
    """One or more 32-byte public keys as 64 hex digits, separated by commas or spaces."""
    keys = []
    for item in re.split(r"[\s,]+", text.strip()):
        try:
            key = bytes.fromhex(item)
        except ValueError:
            key = b""
        if len(key) != 32:
            raise ImproperlyConfigured(
                f"{source} must hold Ed25519 public keys of 64 hex digits each"
            )
        keys.append(key)
    return keys


def _pin_path() -> Path | None:
    configured = str(getattr(settings, "CORRIDOR_AUDIT_PUBLIC_KEY_PATH", "") or "").strip()
    return Path(configured) if configured else None


def signing_public_key() -> bytes:
    """The public half of this server's signing key (creating the key if there is none)."""
    return crypto.signing_public_key(signing_seed())


def audit_key_pin() -> bytes:
    """Pin the signing key's public half (init_org, demo_setup); return it, to be printed.

    Writes the pin file when a path is configured and nothing is pinned yet, and never
    replaces a pin: one that names another key is refused, since every checkpoint signed
    here would then read as forged. In production nothing is written by default; the
    operator pins the printed key in CORRIDOR_AUDIT_PUBLIC_KEY.
    """
    public_key = signing_public_key()
    pinned = pinned_public_keys()
    if pinned:
        _signer_check(public_key, pinned)
        return public_key
    path = _pin_path()
    if path is not None:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:  # another process pinned it a moment ago
            _signer_check(public_key, pinned_public_keys())
        else:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(public_key.hex() + "\n")
    return public_key


def _signer_check(public_key: bytes, pinned: list[bytes]) -> None:
    if public_key not in pinned:
        raise ImproperlyConfigured(
            f"the audit signing key (public key {public_key.hex()}) is not the pinned audit "
            "public key (CORRIDOR_AUDIT_PUBLIC_KEY or its pin file): every checkpoint it signs "
            "would be reported as forged"
        )


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
    document_key: bytes | None = None  # the key an exported file names for itself

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
    """Sign the current chain head. Holds the head lock so no entry lands in between.

    Refuses to sign with a key other than the pinned one: such a checkpoint could never be
    verified, and would be reported as forged. Stores the checkpoint and appends a copy to
    the checkpoint log outside the database; call it in a transaction of its own, so the
    head it signs is already committed.
    """
    seed = signing_seed()
    pinned = pinned_public_keys()
    if pinned:
        _signer_check(crypto.signing_public_key(seed), pinned)
    with transaction.atomic():
        chain_head_lock()
        last = AuditEntry.objects.order_by("-seq").values_list("seq", "entry_hash").first()
        seq, entry_hash = (last[0], bytes(last[1])) if last else (0, GENESIS_HASH)
        now = timezone.now()
        row = AuditCheckpoint.objects.create(
            seq=seq,
            entry_hash=entry_hash,
            time=now,
            public_key=crypto.signing_public_key(seed),
            signature=crypto.sign(seed, checkpoint_message(seq, entry_hash, now)),
        )
        _log_append(SignedCheckpoint.from_model(row))
        return row


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
    """Parse an exported document. Raises ValueError on anything malformed.

    The file's own public key travels with each checkpoint, so verification compares it with
    the pinned key too: a file is trusted for where it was kept, never for the key it names.
    """
    try:
        document = json.loads(text)
        if document.get("format") != EXPORT_FORMAT:
            raise ValueError(f"not a {EXPORT_FORMAT} document")
        document_key = bytes.fromhex(document["public_key"])
        return [
            _checkpoint_parse(item, source="exported", document_key=document_key)
            for item in document["checkpoints"]
        ]
    except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as exc:
        raise ValueError(f"malformed checkpoint document: {exc}") from exc


def _checkpoint_parse(
    item: dict[str, Any], *, source: str, document_key: bytes | None = None
) -> SignedCheckpoint:
    return SignedCheckpoint(
        seq=int(item["seq"]),
        entry_hash=bytes.fromhex(item["entry_hash"]),
        time=datetime.fromisoformat(item["time"]),
        public_key=bytes.fromhex(item["public_key"]),
        signature=bytes.fromhex(item["signature"]),
        source=source,
        document_key=document_key,
    )


def _log_path() -> Path | None:
    configured = str(getattr(settings, "CORRIDOR_AUDIT_CHECKPOINT_LOG", "") or "").strip()
    return Path(configured) if configured else None


def _log_append(checkpoint: SignedCheckpoint) -> None:
    """Append a copy of the checkpoint to the log outside the database, beside the signing
    key: someone with database access alone can delete the stored rows, not this copy."""
    path = _log_path()
    if path is None:
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="ascii") as handle:
        handle.write(json.dumps(checkpoint.as_json(), sort_keys=True) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def checkpoints_logged() -> list[SignedCheckpoint]:
    """The copies in the checkpoint log (CORRIDOR_AUDIT_CHECKPOINT_LOG); ValueError if a line
    is malformed. No log yet (no checkpoint signed since it was introduced) is no copy."""
    path = _log_path()
    if path is None or not path.exists():
        return []
    logged = []
    for number, line in enumerate(path.read_text(encoding="ascii").splitlines(), start=1):
        try:
            logged.append(_checkpoint_parse(json.loads(line), source="logged"))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"{path} line {number} is not a checkpoint: {exc}") from exc
    return logged


@dataclass(frozen=True)
class VerifyResult:
    """What audit_verify prints. `broken_seq` names the first entry found altered, removed or
    inserted; for a checkpoint mismatch, the first entry after the last checkpoint that held.
    `entries` counts the entries of an intact chain (0 when broken). `pinned` is False when
    no public key is pinned: the chain was then only found consistent with itself, which
    anyone with database access can arrange, and `ok` proves nothing against them."""

    ok: bool
    message: str
    entries: int = 0
    checkpoints: int = 0
    broken_seq: int | None = None
    pinned: bool = True


class _Broken(Exception):
    def __init__(self, seq: int | None, message: str) -> None:
        super().__init__(message)
        self.seq = seq
        self.message = message


def chain_verify(
    checkpoints: Iterable[SignedCheckpoint] | None = None,
    public_keys: list[bytes] | None = None,
) -> VerifyResult:
    """Walk the chain in seq order and report the first entry altered, removed or inserted.

    Also checks every stored and logged checkpoint and the given exported ones: signed by a pinned key
    (`public_keys`, by default `pinned_public_keys()`), the signature holds, and the chain at
    that seq has that hash. Streams the entries, so memory stays flat.
    """
    pinned = pinned_public_keys() if public_keys is None else public_keys
    pins: list[SignedCheckpoint] = []
    walked = 0
    try:
        pins = _pins_gather(checkpoints)
        if pinned:
            for pin in pins:
                _authentic_check(pin, pinned)
        walked = _walk(pins)
    except _Broken as broken:
        return VerifyResult(
            ok=False,
            message=broken.message,
            entries=walked,
            checkpoints=len(pins),
            broken_seq=broken.seq,
            pinned=bool(pinned),
        )
    if not pinned:
        return VerifyResult(
            ok=True,
            message=(
                f"checkpoints cannot be verified: no audit public key is pinned "
                f"(CORRIDOR_AUDIT_PUBLIC_KEY). The {walked} entries are consistent with each "
                f"other and with the {len(pins)} checkpoints, but anyone with write access to "
                "the database could have rewritten them and re-signed the checkpoints"
            ),
            entries=walked,
            checkpoints=len(pins),
            pinned=False,
        )
    return VerifyResult(
        ok=True,
        message=f"chain intact: {walked} entries, {len(pins)} checkpoints verified",
        entries=walked,
        checkpoints=len(pins),
    )


def _pins_gather(exported: Iterable[SignedCheckpoint] | None) -> list[SignedCheckpoint]:
    """The stored checkpoints, the logged copies of any no longer stored, the exported ones."""
    stored = [SignedCheckpoint.from_model(row) for row in AuditCheckpoint.objects.all()]
    try:
        logged = checkpoints_logged()
    except ValueError as exc:
        raise _Broken(None, f"the checkpoint log was altered: {exc}") from exc
    kept = {_identity(pin) for pin in stored}
    return [
        *stored,
        *(pin for pin in logged if _identity(pin) not in kept),
        *(exported or []),
    ]


def _identity(pin: SignedCheckpoint) -> tuple[Any, ...]:
    return (pin.seq, pin.entry_hash, _time_text(pin.time), pin.public_key, pin.signature)


def _authentic_check(pin: SignedCheckpoint, pinned: list[bytes]) -> None:
    """A checkpoint counts only if signed by a pinned key, never by the key stored beside it."""
    if pin.document_key is not None and pin.document_key not in pinned:
        raise _Broken(
            None,
            f"the checkpoint file is forged: it names public key {pin.document_key.hex()}, "
            f"not the pinned audit key (at its {pin.describe()})",
        )
    if pin.public_key not in pinned:
        raise _Broken(
            None,
            f"{pin.describe()} is forged: it is signed by public key {pin.public_key.hex()}, "
            "not by the pinned audit key",
        )
    if not pin.signature_valid():
        raise _Broken(None, f"{pin.describe()} has an invalid signature: it was altered")


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
