"""Signed checkpoints: tampered signatures are refused; exported ones pin a rewritten chain."""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from pytest_django.fixtures import Settings

from corridor.audit.checkpoints import (
    chain_verify,
    checkpoint_create,
    checkpoints_export,
    checkpoints_load,
    signing_seed,
)
from corridor.audit.log import entry_hash_compute
from corridor.audit.models import GENESIS_HASH, AuditCheckpoint, AuditEntry, AuditHead
from corridor.vault import crypto

Build = Callable[[int], list[AuditEntry]]
pytestmark = pytest.mark.django_db


def test_it_signs_the_chain_head(chain_build: Build) -> None:
    entries = chain_build(3)

    checkpoint = checkpoint_create()

    assert checkpoint.seq == 3
    assert bytes(checkpoint.entry_hash) == bytes(entries[-1].entry_hash)
    assert bytes(checkpoint.public_key) == crypto.signing_public_key(signing_seed())
    assert chain_verify().message == "chain intact: 3 entries, 1 checkpoints verified"


def test_it_signs_an_empty_chain() -> None:
    checkpoint = checkpoint_create()

    assert (checkpoint.seq, bytes(checkpoint.entry_hash)) == (0, GENESIS_HASH)
    assert chain_verify().ok


def test_it_refuses_a_checkpoint_whose_signed_content_was_changed(chain_build: Build) -> None:
    # Given a signed checkpoint at seq 3
    chain_build(3)
    checkpoint_create()
    # When an attacker without the signing key moves it to match a chain they rewrote
    AuditCheckpoint.objects.update(entry_hash=bytes(32))
    # Then its signature no longer holds
    result = chain_verify()
    assert not result.ok
    assert "stored checkpoint at seq 3" in result.message
    assert "invalid signature" in result.message


def test_it_refuses_a_checkpoint_whose_stored_key_was_swapped(chain_build: Build) -> None:
    # Given a checkpoint, When its public key is swapped for another one
    chain_build(1)
    checkpoint_create()
    AuditCheckpoint.objects.update(public_key=crypto.signing_public_key(crypto.random_key()))
    # Then it is not the pinned key, so the checkpoint counts as forged
    assert "stored checkpoint at seq 1" in chain_verify().message
    assert "is forged" in chain_verify().message


def test_it_finds_a_stored_checkpoint_that_no_longer_matches_the_chain(
    chain_build: Build, attacker: None
) -> None:
    # Given a checkpoint at seq 4
    chain_build(4)
    checkpoint_create()
    # When the attacker rewrites entry 2 and recomputes every hash after it
    _chain_rewrite(from_seq=2)
    # Then the chain is consistent with itself but not with the checkpoint
    result = chain_verify()
    assert not result.ok
    assert result.message.startswith("the chain does not match the stored checkpoint at seq 4")
    assert "between seq 1 and 4" in result.message


def test_it_catches_a_rewritten_chain_with_an_exported_checkpoint(
    chain_build: Build, attacker: None, settings: Settings
) -> None:
    # Given checkpoints at seq 3 and 6, exported and kept off the server
    chain_build(3)
    checkpoint_create()
    chain_build(3)
    checkpoint_create()
    exported = checkpoints_load(checkpoints_export())
    # When an attacker who owns the server (database, files and signing key) rewrites entry
    # 5, recomputes every hash after it, and re-signs fresh checkpoints in place of the old
    _chain_rewrite(from_seq=5)
    AuditCheckpoint.objects.all().delete()
    Path(settings.CORRIDOR_AUDIT_CHECKPOINT_LOG).unlink()
    checkpoint_create()
    # Then the server's own records look intact
    assert chain_verify().ok
    # But the exported checkpoint at seq 6 pins the old history: entries 4..6 were rewritten
    result = chain_verify(exported)
    assert not result.ok
    assert result.broken_seq == 4
    assert result.message.startswith("the chain does not match the exported checkpoint at seq 6")
    assert "between seq 4 and 6" in result.message


def test_it_finds_entries_removed_below_an_exported_checkpoint(
    chain_build: Build, attacker: None
) -> None:
    # Given an exported checkpoint at seq 5
    chain_build(5)
    checkpoint_create()
    exported = checkpoints_load(checkpoints_export())
    # When the last two entries are cut, the head moved back and stored checkpoints dropped
    AuditEntry.objects.filter(seq__gte=4).delete()
    AuditHead.objects.update(seq=3, entry_hash=AuditEntry.objects.get(seq=3).entry_hash)
    AuditCheckpoint.objects.all().delete()
    # Then the exported checkpoint lies beyond the chain
    result = chain_verify(exported)
    assert result.broken_seq == 4
    assert "entries from seq 4 were removed" in result.message


def test_it_round_trips_the_export(chain_build: Build) -> None:
    chain_build(2)
    stored = checkpoint_create()

    document = checkpoints_export()
    [loaded] = checkpoints_load(document)

    assert (loaded.seq, loaded.signature) == (stored.seq, bytes(stored.signature))
    assert loaded.signature_valid()
    assert chain_verify([loaded]).checkpoints == 2


@pytest.mark.parametrize(
    "text", ["", "[]", '{"format": "other"}', '{"format": "corridor-audit-checkpoints/1"}']
)
def test_it_refuses_a_malformed_export(text: str) -> None:
    with pytest.raises(ValueError):
        checkpoints_load(text)


def test_it_generates_the_signing_key_once_with_owner_only_permissions(
    settings: Settings, tmp_path: Path
) -> None:
    signing_key_path = tmp_path / "new" / "audit-signing.key"
    settings.CORRIDOR_AUDIT_SIGNING_KEY_PATH = signing_key_path

    seed = signing_seed()

    assert len(seed) == 32
    assert stat.S_IMODE(signing_key_path.stat().st_mode) == 0o600
    assert signing_seed() == seed


def test_it_prefers_the_configured_signing_key(settings: Settings, tmp_path: Path) -> None:
    seed = crypto.random_key()
    settings.CORRIDOR_AUDIT_SIGNING_KEY = seed.hex()
    signing_key_path = tmp_path / "unused" / "audit-signing.key"
    settings.CORRIDOR_AUDIT_SIGNING_KEY_PATH = signing_key_path

    assert signing_seed() == seed
    assert not signing_key_path.exists()


def test_it_refuses_a_malformed_signing_key(settings: Settings) -> None:
    settings.CORRIDOR_AUDIT_SIGNING_KEY = "not-hex"

    with pytest.raises(ImproperlyConfigured, match="64 hex digits"):
        signing_seed()


def _chain_rewrite(*, from_seq: int) -> None:
    """What an attacker with database access does: alter an entry, then re-hash the rest."""
    with transaction.atomic():
        AuditEntry.objects.filter(seq=from_seq).update(action="case.export")
        prev_hash = bytes(AuditEntry.objects.get(seq=from_seq - 1).entry_hash)
        for entry in AuditEntry.objects.filter(seq__gte=from_seq).order_by("seq"):
            entry_hash = entry_hash_compute(
                prev_hash=prev_hash,
                seq=entry.seq,
                time=entry.time,
                actor_id=entry.actor_id,
                action=entry.action,
                object_type=entry.object_type,
                object_id=entry.object_id,
            )
            AuditEntry.objects.filter(seq=entry.seq).update(
                prev_hash=prev_hash, entry_hash=entry_hash
            )
            prev_hash = entry_hash
        AuditHead.objects.update(entry_hash=prev_hash)
