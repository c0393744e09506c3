"""The audit_verify, audit_checkpoint and audit_export commands and their exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from corridor.audit.models import AuditCheckpoint, AuditEntry, AuditHead

Build = Callable[[int], list[AuditEntry]]
pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_it_reports_an_intact_chain_and_exits_zero(chain_build: Build) -> None:
    chain_build(3)
    _run("audit_checkpoint")

    assert _run("audit_verify").strip() == "chain intact: 3 entries, 1 checkpoints verified"


def test_it_exits_one_naming_the_first_broken_entry(chain_build: Build, attacker: None) -> None:
    # Given a chain whose entry 2 was altered
    chain_build(3)
    AuditEntry.objects.filter(seq=2).update(object_id="3")
    # When audit_verify runs, Then it exits 1 and names entry 2
    with pytest.raises(CommandError, match="entry seq 2 was altered") as raised:
        _run("audit_verify")
    assert raised.value.returncode == 1


def test_it_prints_a_signed_checkpoint(chain_build: Build) -> None:
    chain_build(2)

    printed = json.loads(_run("audit_checkpoint"))

    assert printed["seq"] == 2
    assert len(bytes.fromhex(printed["signature"])) == 64
    assert AuditCheckpoint.objects.count() == 1


def test_it_exports_and_verifies_against_the_exported_file(
    chain_build: Build, tmp_path: Path
) -> None:
    chain_build(2)
    _run("audit_checkpoint")
    out = tmp_path / "checkpoints.json"

    assert _run("audit_export", "--out", str(out)) == ""
    written, printed = json.loads(out.read_text()), json.loads(_run("audit_export"))
    assert written["checkpoints"] == printed["checkpoints"]
    assert "2 checkpoints verified" in _run("audit_verify", "--checkpoints", str(out))


def test_it_exits_one_when_the_exported_checkpoint_no_longer_matches(
    chain_build: Build, tmp_path: Path, attacker: None
) -> None:
    # Given an exported checkpoint at seq 2
    chain_build(2)
    _run("audit_checkpoint")
    out = tmp_path / "checkpoints.json"
    _run("audit_export", "--out", str(out))
    # When both entries are deleted and the head reset (the history erased)
    AuditEntry.objects.all().delete()
    AuditCheckpoint.objects.all().delete()
    AuditHead.objects.update(seq=0, entry_hash=bytes(32))
    # Then verifying against the file exits 1
    with pytest.raises(CommandError, match="were removed") as raised:
        _run("audit_verify", "--checkpoints", str(out))
    assert raised.value.returncode == 1


def test_it_exits_two_on_an_unreadable_checkpoint_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")

    for path in (bad, tmp_path / "missing.json"):
        with pytest.raises(CommandError, match="cannot read checkpoints") as raised:
            _run("audit_verify", "--checkpoints", str(path))
        assert raised.value.returncode == 2
