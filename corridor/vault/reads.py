"""What one request decrypted and what it audited: every opened record must be covered (T3).

The audit log is the only trace of a staff member reading what they had no reason to read,
so a page that opens a record without an entry is a read no one can ever see. Writing the
entry was each access helper's habit; this makes it a mechanism (decision 0017):

- the vault notes every record whose field it decrypts (`EncryptedField.decrypt`) and every
  sealed object an app opens with a vault key (`read_sealed_opened`);
- `corridor.audit.log.audit_record_many` notes every object it writes an entry for;
- the vault middleware checks, at the end of each request, that each opened record is
  covered by an entry of that request: one for the record itself, or for the record it is
  part of, as its model's `AUDIT_AS` says (a case's transitions by the case's read).

Under `CORRIDOR_READ_AUDIT_STRICT` (the test suite, and DEBUG by default) a request that
opened something it did not audit fails. Otherwise the missing reads are audited at the end
of the request (`vault.read_unaudited`, through the `reads_unaudited` signal, so the vault
imports no audit code) and a warning names the models, never a value.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from corridor.vault.signals import reads_unaudited

logger = logging.getLogger(__name__)

#: (object_type, object_id) of an audit entry, as `audit_record` takes them.
AuditObject = tuple[str, str]


class UnauditedRead(Exception):
    """A request opened a record and wrote no audit entry that covers it."""


@dataclass
class ReadLedger:
    """What one request opened and audited.

    `opened`: {(model label, pk): the ways it was opened}, each way being the audit objects
    any one of which covers it; `audited`: the (object_type, object_id) of every entry written.
    """

    opened: dict[tuple[str, str], set[tuple[AuditObject, ...]]] = field(default_factory=dict)
    audited: set[AuditObject] = field(default_factory=set)

    def note(self, key: tuple[str, str], covers: tuple[AuditObject, ...]) -> None:
        self.opened.setdefault(key, set()).add(covers)

    def unaudited(self) -> dict[tuple[str, str], tuple[AuditObject, ...]]:
        """{opened record: the audit objects that would have covered it} for each one missed."""
        missing = {}
        for opened, ways in self.opened.items():
            for covers in sorted(ways):
                if not any(cover in self.audited for cover in covers):
                    missing[opened] = covers
                    break
        return missing


_ledger: ContextVar[ReadLedger | None] = ContextVar("corridor_read_ledger", default=None)
_covered_by: ContextVar[AuditObject | None] = ContextVar("corridor_read_cover", default=None)


@contextlib.contextmanager
def reads_ledger() -> Iterator[ReadLedger]:
    """Note what is opened and audited inside the block (one request)."""
    ledger = ReadLedger()
    token = _ledger.set(ledger)
    try:
        yield ledger
    finally:
        _ledger.reset(token)


@contextlib.contextmanager
def reads_covered_by(object_type: str, object_id: Any) -> Iterator[None]:
    """Records opened inside the block are also covered by an entry on this object.

    For an action that opens records only to recompute something from them and returns none
    of their plaintext (the vault's index rebuild of a compartment): its own entry, which it
    must still write in the same request, covers what it opened.
    """
    token = _covered_by.set((object_type, str(object_id)))
    try:
        yield
    finally:
        _covered_by.reset(token)


def record_audit_objects(record: Any) -> tuple[AuditObject, ...]:
    """The audit objects whose entry covers opening `record`, from its model's `AUDIT_AS`.

    `AUDIT_AS` is a tuple of (object_type, attribute): `("case", "case_id")` means an entry
    on object type "case" with the id in `record.case_id`. An attribute not loaded on the row
    (left out by `.only()`) is skipped rather than fetched: that only makes the check stricter.
    """
    covers = []
    for object_type, attribute in type(record).AUDIT_AS:
        value = record.pk if attribute == "pk" else record.__dict__.get(attribute)
        if value is not None:
            covers.append((object_type, str(value)))
    cover = _covered_by.get()
    if cover is not None:
        covers.append(cover)
    return tuple(covers)


def record_opened(record: Any) -> None:
    """A field of this vault record was decrypted (called by `EncryptedField.decrypt`).

    A model whose `AUDIT_AS` is empty holds key material only (an intake key): what it opens
    is noted where it is opened (`read_sealed_opened`).
    """
    ledger = _ledger.get()
    if ledger is not None and type(record).AUDIT_AS:
        ledger.note((record._meta.label, str(record.pk)), record_audit_objects(record))


def read_sealed_opened(object_type: str, object_ids: Iterable[Any]) -> None:
    """Objects that are not vault records were opened with a vault key (sealed requests and
    their files): each must be covered by an entry on itself."""
    ledger = _ledger.get()
    if ledger is None:
        return
    cover = _covered_by.get()
    for object_id in object_ids:
        own = (object_type, str(object_id))
        ledger.note(own, (own,) if cover is None else (own, cover))


def reads_audited(object_type: str, object_ids: Iterable[str]) -> None:
    """Audit entries were written for these objects (called by `audit_record_many`)."""
    ledger = _ledger.get()
    if ledger is not None:
        ledger.audited.update((object_type, object_id) for object_id in object_ids)


def reads_check(ledger: ReadLedger, *, actor_id: int | None, failed: bool = False) -> None:
    """At the end of a request: every opened record audited, or fail (strict) or audit it.

    `failed`: the request already ended in a server error; strict mode then leaves that error
    to be seen instead of raising over it.
    """
    missing = ledger.unaudited()
    if not missing:
        return
    labels = sorted({label for label, _pk in missing})
    if settings.CORRIDOR_READ_AUDIT_STRICT:
        if failed:
            return
        raise UnauditedRead(
            "opened without an audit entry in the same request: "
            + ", ".join(
                f"{label} {pk} (covered by any of {list(covers)})"
                for (label, pk), covers in sorted(missing.items())
            )
        )
    logger.warning("reads audited after the request, their view wrote no entry: %s", labels)
    reads_unaudited.send(
        sender=ReadLedger,
        actor_id=actor_id,
        objects=[covers[0] if covers else (label, pk) for (label, pk), covers in missing.items()],
    )
