"""The hash chain: intact chains verify; altered, removed and inserted entries are named."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction

from corridor.audit.checkpoints import chain_verify
from corridor.audit.log import (
    AuditOutsideTransaction,
    audit_record,
    audit_record_many,
    entry_hash_compute,
)
from corridor.audit.models import AuditEntry, AuditHead

Build = Callable[[int], list[AuditEntry]]
pytestmark = pytest.mark.django_db


def test_it_verifies_an_intact_chain(chain_build: Build) -> None:
    chain_build(5)

    result = chain_verify()

    assert result.ok, result.message
    assert result.message == "chain intact: 5 entries, 0 checkpoints verified"


def test_it_verifies_an_empty_chain() -> None:
    assert chain_verify().ok


def test_it_records_the_actor_by_id_and_links_each_entry_to_the_last() -> None:
    user = get_user_model().objects.create(username="owner")
    with transaction.atomic():
        first = audit_record(
            actor=user, action="case.update", object_type="cases.Case", object_id="7"
        )
        second = audit_record(actor=None, action="vault.lockdown", object_type="vault.Keyring")

    assert (first.seq, second.seq) == (1, 2)
    assert first.actor_id == user.pk
    assert bytes(second.prev_hash) == bytes(first.entry_hash)
    assert AuditHead.objects.get(pk=1).seq == 2


def test_it_accepts_the_actor_as_an_id_and_composite_object_ids() -> None:
    with transaction.atomic():
        entry = audit_record(
            actor_id=7, action="membership.grant", object_type="user", object_id="7@3"
        )
        with pytest.raises(TypeError, match="not both"):
            audit_record(
                actor=get_user_model()(pk=7), actor_id=7, action="user.read", object_type="user"
            )

    assert (entry.actor_id, entry.object_id) == (7, "7@3")
    assert chain_verify().ok


def test_it_records_a_list_read_as_one_entry_per_object(chain_build: Build) -> None:
    chain_build(2)
    with transaction.atomic():
        entries = audit_record_many(
            actor=None, action="case.list", object_type="cases.Case", object_ids=["4", "5", "6"]
        )
        assert (
            audit_record_many(actor=None, action="case.list", object_type="c", object_ids=[]) == []
        )

    assert [e.seq for e in entries] == [3, 4, 5]
    assert chain_verify().ok


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_record_outside_a_transaction() -> None:
    # Given no transaction is open (the entry could commit without its change, or vice versa)
    # When a caller records an entry
    # Then it is refused and nothing is written
    with pytest.raises(AuditOutsideTransaction, match=r"transaction\.atomic"):
        audit_record(actor=None, action="case.read", object_type="cases.Case", object_id="1")
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("action", "Ivan Petrov"),
        ("action", "case"),
        ("action", "case.read; drop"),
        ("action", "дело.чтение"),
        ("action", "case." + "x" * 64),
        ("object_type", "+7 912 345 67 89"),
        ("object_id", "Ivan Petrov"),
        ("object_id", "ул. Ленина 5"),
        ("object_id", "ivan.petrov@mail.ru"),
    ],
)
def test_it_refuses_a_value_that_is_not_a_code(field: str, value: str) -> None:
    # Given a caller passes something that could be a sensitive value instead of a code
    fields: dict[str, Any] = {"action": "case.read", "object_type": "cases.Case", "object_id": "1"}
    fields[field] = value
    # When it is recorded, Then it is refused before anything is written
    with transaction.atomic(), pytest.raises(ValueError, match="short ASCII code"):
        audit_record(actor=None, **fields)
    assert not AuditEntry.objects.exists()


def test_it_names_the_first_altered_entry(chain_build: Build, attacker: None) -> None:
    # Given a chain of 6 entries
    chain_build(6)
    # When an attacker with database access changes what entries 3 and 5 say happened
    AuditEntry.objects.filter(seq__in=[3, 5]).update(action="case.export")
    # Then verification fails and names entry 3, the first one altered
    result = chain_verify()
    assert not result.ok
    assert result.broken_seq == 3
    assert result.message == "entry seq 3 was altered: its hash does not match its content"


def test_it_names_an_entry_whose_time_was_moved(chain_build: Build, attacker: None) -> None:
    # Given a chain, When an entry's time is moved by one microsecond
    entries = chain_build(3)
    AuditEntry.objects.filter(seq=2).update(time=entries[1].time.replace(microsecond=1))
    # Then that entry is named
    assert chain_verify().broken_seq == 2


def test_it_names_a_removed_entry(chain_build: Build, attacker: None) -> None:
    # Given a chain of 6 entries
    chain_build(6)
    # When an attacker deletes entry 4
    AuditEntry.objects.filter(seq=4).delete()
    # Then verification names entry 4 as removed
    result = chain_verify()
    assert not result.ok
    assert result.broken_seq == 4
    assert result.message == "entry seq 4 was removed: the chain jumps from seq 3 to 5"


def test_it_names_entries_removed_from_the_end(chain_build: Build, attacker: None) -> None:
    # Given a chain of 6 entries, When the last two are deleted
    chain_build(6)
    AuditEntry.objects.filter(seq__gte=5).delete()
    # Then the head record shows the chain was cut after entry 4
    result = chain_verify()
    assert result.broken_seq == 5
    assert "removed from the end" in result.message


def test_it_names_an_inserted_entry(chain_build: Build, attacker: None) -> None:
    # Given a chain of 5 entries
    chain_build(5)
    # When an attacker makes room at seq 3 and inserts a well-formed forged entry there
    for seq in (5, 4, 3):
        AuditEntry.objects.filter(seq=seq).update(seq=seq + 1)
    forged = _forged(seq=3, prev_hash=bytes(AuditEntry.objects.get(seq=2).entry_hash))
    AuditHead.objects.filter(pk=1).update(seq=6)
    # Then verification names entry 3 as inserted
    result = chain_verify()
    assert not result.ok
    assert result.broken_seq == forged.seq == 3
    assert result.message == "entry seq 3 was inserted: entry seq 4 was renumbered from seq 3"


def test_it_names_an_entry_appended_around_audit_record(chain_build: Build) -> None:
    # Given a chain of 3 entries
    entries = chain_build(3)
    # When a well-formed entry is appended without going through audit_record
    _forged(seq=4, prev_hash=bytes(entries[-1].entry_hash))
    # Then the head record shows entry 4 was inserted
    result = chain_verify()
    assert result.broken_seq == 4
    assert "inserted after the chain head" in result.message


def test_it_names_an_entry_rewritten_with_a_fresh_hash(chain_build: Build, attacker: None) -> None:
    # Given a chain of 4 entries
    entries = chain_build(4)
    # When entry 2 is altered and its own hash recomputed, but not those after it
    entry = entries[1]
    new_hash = entry_hash_compute(
        prev_hash=bytes(entry.prev_hash),
        seq=2,
        time=entry.time,
        actor_id=None,
        action="case.delete",
        object_type=entry.object_type,
        object_id=entry.object_id,
    )
    AuditEntry.objects.filter(seq=2).update(action="case.delete", entry_hash=new_hash)
    # Then entry 3 no longer links to it, and entry 2 is named
    result = chain_verify()
    assert result.broken_seq == 2
    assert "entry seq 2 was rewritten" in result.message


def _forged(*, seq: int, prev_hash: bytes) -> AuditEntry:
    fields: dict[str, Any] = {
        "time": AuditEntry.objects.get(seq=1).time,
        "actor_id": None,
        "action": "case.read",
        "object_type": "cases.Case",
        "object_id": "99",
    }
    entry_hash = entry_hash_compute(prev_hash=prev_hash, seq=seq, **fields)
    return AuditEntry.objects.create(seq=seq, prev_hash=prev_hash, entry_hash=entry_hash, **fields)
