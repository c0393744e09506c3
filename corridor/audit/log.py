"""Appending to the audit chain: `audit_record` inside the transaction of the change it records.

Called by every action that reads sensitive data or changes anything, in the same
`transaction.atomic()` block, so a change and its entry commit together or not at all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from corridor.audit.models import GENESIS_HASH, AuditEntry, AuditHead
from corridor.vault import crypto
from corridor.vault.reads import reads_audited

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

# Codes, not text: a dotted lowercase action ("case.read") and a model-like type ("cases.Case").
# A name, a phone number or a sentence fails these patterns, so it cannot reach the log by
# mistake ("What we never do": log a sensitive value).
ACTION_PATTERN = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")
OBJECT_TYPE_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*")
# Ids may be composite ("7:3", "7@3") but never hold a dot, so an e-mail address cannot pass.
OBJECT_ID_PATTERN = re.compile(r"[A-Za-z0-9_:@-]*")
CODE_MAX = 64


class AuditOutsideTransaction(RuntimeError):
    """audit_record was called with no transaction open: the entry could outlive its change."""


def entry_payload(
    *, seq: int, time: datetime, actor_id: int | None, action: str, object_type: str, object_id: str
) -> bytes:
    """The canonical bytes an entry hash covers (with the previous hash in front).

    JSON with sorted keys and no spaces, time in UTC with microseconds: the same entry
    always gives the same bytes, whatever the database returns it as.
    """
    fields = {
        "v": 1,
        "seq": seq,
        "time": time.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("ascii")


def entry_hash_compute(
    *,
    prev_hash: bytes,
    seq: int,
    time: datetime,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
) -> bytes:
    payload = entry_payload(
        seq=seq,
        time=time,
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
    )
    return crypto.chain_hash(prev_hash, payload)


def _code_check(name: str, value: str, pattern: re.Pattern[str]) -> None:
    if not isinstance(value, str) or len(value) > CODE_MAX or not pattern.fullmatch(value):
        raise ValueError(
            f"audit {name} must be a short ASCII code (at most {CODE_MAX} characters "
            f"matching {pattern.pattern}); never pass a sensitive value"
        )


def chain_head_lock() -> AuditHead:
    """Lock the chain head for the rest of the caller's transaction.

    On PostgreSQL, SELECT ... FOR UPDATE makes concurrent appenders wait here; on SQLite the
    write transaction itself is exclusive. The migration creates the row; it is rebuilt from
    the last entry only if someone emptied the table (a flushed test database).
    """
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        last = AuditEntry.objects.order_by("-seq").values_list("seq", "entry_hash").first()
        seq, entry_hash = (last[0], bytes(last[1])) if last else (0, GENESIS_HASH)
        head, _ = AuditHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"seq": seq, "entry_hash": entry_hash}
        )
    return head


def _actor_id(actor: AbstractBaseUser | None, actor_id: int | None) -> int | None:
    if actor is not None and actor_id is not None:
        raise TypeError("pass actor or actor_id, not both")
    return int(actor.pk) if actor is not None else actor_id


def audit_record_many(
    *,
    actor: AbstractBaseUser | None = None,
    actor_id: int | None = None,
    action: str,
    object_type: str,
    object_ids: Iterable[str],
) -> list[AuditEntry]:
    """Append one entry per object (a list read), in one chain pass and one bulk insert.

    The actor is a user, or a user id (`actor_id`), or neither for the system itself.
    """
    if not transaction.get_connection().in_atomic_block:
        raise AuditOutsideTransaction(
            "audit_record must be called inside transaction.atomic(), together with the "
            "change or read it records"
        )
    _code_check("action", action, ACTION_PATTERN)
    _code_check("object_type", object_type, OBJECT_TYPE_PATTERN)
    ids = [str(object_id) for object_id in object_ids]
    for object_id in ids:
        _code_check("object_id", object_id, OBJECT_ID_PATTERN)
    if not ids:
        return []
    actor_id = _actor_id(actor, actor_id)
    head = chain_head_lock()
    now = timezone.now()  # after the lock, so times never run backwards along the chain
    seq, prev_hash = head.seq, bytes(head.entry_hash)
    entries = []
    for object_id in ids:
        seq += 1
        entry_hash = entry_hash_compute(
            prev_hash=prev_hash,
            seq=seq,
            time=now,
            actor_id=actor_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
        )
        entries.append(
            AuditEntry(
                seq=seq,
                time=now,
                actor_id=actor_id,
                action=action,
                object_type=object_type,
                object_id=object_id,
                prev_hash=prev_hash,
                entry_hash=entry_hash,
            )
        )
        prev_hash = entry_hash
    AuditEntry.objects.bulk_create(entries)
    head.seq, head.entry_hash = seq, prev_hash
    head.save(update_fields=["seq", "entry_hash"])
    reads_audited(object_type, ids)  # what this request audited, for its read check
    return entries


def audit_record(
    *,
    actor: AbstractBaseUser | None = None,
    actor_id: int | None = None,
    action: str,
    object_type: str,
    object_id: str = "",
) -> AuditEntry:
    """Append one entry: `actor` did `action` ("case.read") on `object_type` `object_id`.

    Raises AuditOutsideTransaction outside `transaction.atomic()` and ValueError for anything
    that is not a short code, so a sensitive value cannot be logged by mistake.
    """
    return audit_record_many(
        actor=actor,
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_ids=[object_id],
    )[0]
