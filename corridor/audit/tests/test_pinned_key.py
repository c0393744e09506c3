"""Checkpoints count only under the pinned public key: a chain rewritten and re-signed by
someone with database access alone, or a forged checkpoint file, is named (T3, T5)."""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from pytest_django.fixtures import Settings

from conftest import ADMIN_PASSPHRASE, org_build
from corridor.audit.checkpoints import (
    chain_verify,
    checkpoint_create,
    checkpoint_message,
    signing_public_key,
)
from corridor.audit.log import audit_record, entry_hash_compute
from corridor.audit.models import GENESIS_HASH, AuditCheckpoint, AuditEntry, AuditHead
from corridor.vault import crypto
from corridor.vault.models import Organisation

pytestmark = pytest.mark.django_db

CASE = "7"  # the case whose reads the attacker erases
READS = 20


def _run(*args: str, **options: Any) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def _history() -> None:
    """Twenty reads of case 7 among the other work of two caseworkers, then a checkpoint."""
    with transaction.atomic():
        for n in range(READS):
            audit_record(actor_id=3, action="case.read", object_type="case", object_id=CASE)
            audit_record(actor_id=4, action="case.read", object_type="case", object_id=str(n + 10))
        audit_record(actor_id=4, action="case.edit", object_type="case", object_id="12")
    checkpoint_create()


def _erase_reads_and_rebuild(object_id: str) -> dict[int, int]:
    """What the reviewer did with write access to the database and no signing key: delete
    the reads of one case, then renumber and re-hash every later entry and move the head,
    so the chain is consistent with itself again. Returns old seq -> new seq."""
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM audit_auditentry WHERE action = 'case.read' AND object_type = 'case' "
            "AND object_id = %s",
            [object_id],
        )
    fields = ("seq", "time", "actor_id", "action", "object_type", "object_id")
    renumbered, prev_hash = {}, GENESIS_HASH
    for new_seq, row in enumerate(AuditEntry.objects.order_by("seq").values(*fields), start=1):
        old_seq = row.pop("seq")
        entry_hash = entry_hash_compute(prev_hash=prev_hash, seq=new_seq, **row)
        AuditEntry.objects.filter(seq=old_seq).update(
            seq=new_seq, prev_hash=prev_hash, entry_hash=entry_hash
        )
        renumbered[old_seq], prev_hash = new_seq, entry_hash
    AuditHead.objects.update(seq=len(renumbered), entry_hash=prev_hash)
    return renumbered


def _resign_stored_checkpoints(renumbered: dict[int, int]) -> bytes:
    """Re-sign every stored checkpoint over the rebuilt chain with a fresh key of the
    attacker's own, stored in the row beside it. Returns the attacker's public key."""
    seed = crypto.random_key()
    for row in AuditCheckpoint.objects.all():
        seq = max((new for old, new in renumbered.items() if old <= row.seq), default=0)
        entry_hash = bytes(AuditEntry.objects.get(seq=seq).entry_hash) if seq else GENESIS_HASH
        AuditCheckpoint.objects.filter(pk=row.pk).update(
            seq=seq,
            entry_hash=entry_hash,
            public_key=crypto.signing_public_key(seed),
            signature=crypto.sign(seed, checkpoint_message(seq, entry_hash, row.time)),
        )
    return crypto.signing_public_key(seed)


def test_it_names_a_chain_rewritten_and_resigned_with_another_key(
    settings: Settings, attacker: None
) -> None:
    # Given a history holding 20 reads of case 7, and a checkpoint signed by the pinned key
    _history()
    assert _run("audit_verify").strip() == "chain intact: 41 entries, 1 checkpoints verified"
    # When someone with database access alone deletes those reads, rebuilds the chain's hashes
    # and re-signs the stored checkpoint with a key of their own (finding 6 of issue 9)
    renumbered = _erase_reads_and_rebuild(CASE)
    forger = _resign_stored_checkpoints(renumbered)
    assert not AuditEntry.objects.filter(object_id=CASE, action="case.read").exists()
    # Then audit_verify names the forged checkpoint and exits 1
    with pytest.raises(CommandError) as raised:
        _run("audit_verify")
    assert raised.value.returncode == 1
    message = str(raised.value)
    assert "stored checkpoint at seq 21" in message
    assert "is forged" in message
    assert forger.hex() in message
    # And the forgery was otherwise perfect: under the forger's key, and without the copy of
    # the checkpoint logged outside the database, the rewritten chain verifies
    settings.CORRIDOR_AUDIT_CHECKPOINT_LOG = ""
    assert chain_verify(public_keys=[forger]).ok


def test_it_names_a_rewrite_whose_stored_checkpoints_were_deleted(attacker: None) -> None:
    # Given a history holding 20 reads of case 7, and a checkpoint signed by the pinned key
    _history()
    # When someone with database access alone deletes those reads, rebuilds the chain's
    # hashes, and deletes the stored checkpoint instead of re-signing it
    _erase_reads_and_rebuild(CASE)
    AuditCheckpoint.objects.all().delete()
    # Then the copy logged outside the database still pins the old history
    with pytest.raises(CommandError, match="logged checkpoint at seq 41") as raised:
        _run("audit_verify")
    assert raised.value.returncode == 1
    assert "entries from seq 22 were removed" in str(raised.value)


@pytest.mark.parametrize("file_key", ["replaced", "kept"])
def test_it_names_a_forged_exported_checkpoint_file(
    attacker: None, tmp_path: Path, file_key: str
) -> None:
    # Given a checkpoint exported to a file kept off the server
    _history()
    exported = tmp_path / "checkpoints.json"
    _run("audit_export", "--out", str(exported))
    # When the attacker rewrites the chain, drops the stored checkpoints, and re-signs the
    # file's checkpoint with their own key (naming that key as the file's own, or not)
    renumbered = _erase_reads_and_rebuild(CASE)
    AuditCheckpoint.objects.all().delete()
    document = json.loads(exported.read_text())
    seed = crypto.random_key()
    forger = crypto.signing_public_key(seed)
    [item] = document["checkpoints"]
    seq = renumbered[item["seq"]]
    entry_hash = bytes(AuditEntry.objects.get(seq=seq).entry_hash)
    signed = checkpoint_message(seq, entry_hash, datetime.fromisoformat(item["time"]))
    item.update(
        seq=seq,
        entry_hash=entry_hash.hex(),
        public_key=forger.hex(),
        signature=crypto.sign(seed, signed).hex(),
    )
    if file_key == "replaced":
        document["public_key"] = forger.hex()
    exported.write_text(json.dumps(document))
    # Then verifying against the file names the forgery and exits 1
    with pytest.raises(CommandError) as raised:
        _run("audit_verify", "--checkpoints", str(exported))
    assert raised.value.returncode == 1
    message = str(raised.value)
    assert forger.hex() in message
    if file_key == "replaced":
        assert "the checkpoint file is forged" in message
    else:
        assert "exported checkpoint at seq 21" in message and "is forged" in message


def test_it_says_plainly_that_nothing_is_verified_without_a_pinned_key(
    settings: Settings, attacker: None
) -> None:
    # Given no pinned key (nor a checkpoint log), and a chain rewritten and re-signed
    settings.CORRIDOR_AUDIT_PUBLIC_KEY_PATH = ""
    settings.CORRIDOR_AUDIT_CHECKPOINT_LOG = ""
    _history()
    _resign_stored_checkpoints(_erase_reads_and_rebuild(CASE))
    # When audit_verify runs in the demo profile, Then it does not call the chain intact
    output = _run("audit_verify")
    assert "checkpoints cannot be verified: no audit public key is pinned" in output
    assert "intact" not in output
    # And in the production profile it fails
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="cannot be verified") as raised:
        _run("audit_verify")
    assert raised.value.returncode == 3


def test_it_verifies_against_the_trustees_copy_of_the_key(
    settings: Settings, attacker: None
) -> None:
    # Given the key a trustee copied from init_org, and a server that pins nothing
    trustee_copy = signing_public_key().hex()
    settings.CORRIDOR_AUDIT_PUBLIC_KEY_PATH = ""
    _history()
    assert "41 entries, 1 checkpoints verified" in _run(
        "audit_verify", "--public-key", trustee_copy
    )
    # When the chain is rewritten and re-signed, Then the trustee's copy names the forgery
    _resign_stored_checkpoints(_erase_reads_and_rebuild(CASE))
    with pytest.raises(CommandError, match="is forged") as raised:
        _run("audit_verify", "--public-key", trustee_copy)
    assert raised.value.returncode == 1


def test_it_refuses_a_malformed_pinned_key(settings: Settings) -> None:
    settings.CORRIDOR_AUDIT_PUBLIC_KEY = "not-a-key"

    with pytest.raises(CommandError, match="64 hex digits") as raised:
        _run("audit_verify")
    assert raised.value.returncode == 3


def test_it_refuses_to_sign_with_a_key_that_is_not_pinned(settings: Settings) -> None:
    # Given a pin naming another key than the signing key
    settings.CORRIDOR_AUDIT_PUBLIC_KEY = crypto.signing_public_key(crypto.random_key()).hex()
    # Then no checkpoint is signed that would only ever read as forged
    with pytest.raises(CommandError, match="not the pinned audit public key"):
        _run("audit_checkpoint")
    assert not AuditCheckpoint.objects.exists()


def test_it_accepts_every_pinned_key_while_a_key_is_rotated(
    settings: Settings, tmp_path: Path
) -> None:
    # Given a checkpoint signed by the old key, then the signing key replaced by a new one
    old = signing_public_key()
    checkpoint_create()
    settings.CORRIDOR_AUDIT_SIGNING_KEY_PATH = tmp_path / "rotated" / "audit-signing.key"
    new = signing_public_key()
    # When both are pinned, Then checkpoints of both verify
    settings.CORRIDOR_AUDIT_PUBLIC_KEY = f"{new.hex()}, {old.hex()}"
    checkpoint_create()
    assert _run("audit_verify").strip() == "chain intact: 0 entries, 2 checkpoints verified"
    # And once the old key is unpinned, its checkpoint no longer counts
    settings.CORRIDOR_AUDIT_PUBLIC_KEY = new.hex()
    with pytest.raises(CommandError, match=f"signed by public key {old.hex()}"):
        _run("audit_verify")


def test_it_pins_the_key_at_init_org_and_prints_it_for_trustees(
    settings: Settings, tmp_path: Path
) -> None:
    # Given a fresh server in the demo profile, nothing pinned yet
    pin = tmp_path / "fresh" / "audit-public.key"
    settings.CORRIDOR_AUDIT_SIGNING_KEY_PATH = tmp_path / "fresh" / "audit-signing.key"
    settings.CORRIDOR_AUDIT_PUBLIC_KEY_PATH = str(pin)
    passphrase = tmp_path / "passphrase.txt"
    passphrase.write_text(ADMIN_PASSPHRASE)
    # When init_org runs
    output = _run("init_org", name="N", admin="founder", passphrase_file=passphrase)
    # Then the signing key's public half is pinned outside the database, and printed
    assert pin.read_text().strip() == signing_public_key().hex()
    assert f"Give each trustee a copy too:\n{signing_public_key().hex()}\n" in output
    assert "Pin it before" not in output
    _run("audit_checkpoint")
    assert "1 checkpoints verified" in _run("audit_verify")


def test_it_tells_production_to_pin_the_printed_key(settings: Settings, tmp_path: Path) -> None:
    # Given the production profile, where init_org writes no pin of its own
    settings.CORRIDOR_AUDIT_PUBLIC_KEY_PATH = ""
    passphrase = tmp_path / "passphrase.txt"
    passphrase.write_text(ADMIN_PASSPHRASE)
    # When init_org runs, Then it asks for the printed key to be pinned
    output = _run("init_org", name="N", admin="founder", passphrase_file=passphrase)
    assert f"{signing_public_key().hex()}\n" in output
    assert "set CORRIDOR_AUDIT_PUBLIC_KEY to this value" in output


def test_it_refuses_init_org_when_the_pin_names_another_key(
    settings: Settings, tmp_path: Path
) -> None:
    settings.CORRIDOR_AUDIT_PUBLIC_KEY = crypto.signing_public_key(crypto.random_key()).hex()
    passphrase = tmp_path / "passphrase.txt"
    passphrase.write_text(ADMIN_PASSPHRASE)

    with pytest.raises(CommandError, match="not the pinned audit public key"):
        _run("init_org", name="N", admin="founder", passphrase_file=passphrase)
    assert not Organisation.objects.exists()


def test_it_pins_the_key_of_a_demo_set_up_before_keys_were_pinned(settings: Settings) -> None:
    # Given a demo organisation whose pin file is missing
    org_build(admin_username="admin")
    pin = Path(settings.CORRIDOR_AUDIT_PUBLIC_KEY_PATH)
    pin.unlink()
    # When make run calls demo_setup again, Then the key is pinned again
    _run("demo_setup")
    assert pin.read_text().strip() == signing_public_key().hex()


def test_it_keeps_a_copy_of_each_checkpoint_outside_the_database(settings: Settings) -> None:
    # When a checkpoint is signed
    _history()
    # Then the log beside the signing key holds the same signed statement, counted once
    log = Path(settings.CORRIDOR_AUDIT_CHECKPOINT_LOG)
    [line] = log.read_text().splitlines()
    assert json.loads(line) == json.loads(_run("audit_export"))["checkpoints"][0]
    assert "1 checkpoints verified" in _run("audit_verify")
    # And a log that was tampered with is reported, not skipped
    log.write_text(line[:-5] + "\n")
    with pytest.raises(CommandError, match="the checkpoint log was altered: .* line 1"):
        _run("audit_verify")
