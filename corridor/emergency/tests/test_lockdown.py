"""Lockdown and the recovery drill, rehearsed (T2, T6; decision 0022)."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client

from conftest import Org, login, opens_record, org_build
from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.cases.actions import case_create
from corridor.emergency.actions import organisation_lockdown
from corridor.vault.actions import (
    RecoveryError,
    _vault_models,
    recovery_private_key,
    user_keys_unlock,
)
from corridor.vault.keyring import Keyring, keyring_activated
from corridor.vault.models import KeyWrap, VaultRecord


def _team(org: Org) -> dict[str, Any]:
    north = org.staff("north", Role.CASEWORKER, ("North",))
    south = org.staff("south", Role.CASEWORKER, ("South",))
    cases = {}
    for staff, name in ((north, "North"), (south, "South")):
        with keyring_activated(staff.keyring):
            cases[name] = case_create(
                actor_id=staff.user.pk,
                compartment=org.compartment(name),
                full_name=f"Person of {name}",
                phone="+7 900 000 00 01",
            )
    return {"north": north, "south": south, "cases": cases}


def _opens(staff: Any, record: VaultRecord) -> bool:
    keyring = Keyring(
        user_id=staff.user.pk,
        private_key=user_keys_unlock(user_id=staff.user.pk, passphrase=staff.passphrase),
    )
    return opens_record(keyring, record)


def _all_records() -> list[VaultRecord]:
    return [r for m in _vault_models() for r in m._default_manager.only(*VaultRecord.KEY_FIELDS)]


def _run_recovery(monkeypatch: pytest.MonkeyPatch, shares: list[str], **options: Any) -> str:
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(shares) + "\n\n"))
    out = io.StringIO()
    call_command("recover_access", stdout=out, **options)
    return out.getvalue()


@pytest.mark.django_db
def test_lockdown_then_recovery_with_k_shares_reopens_every_record_for_its_members_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given an organisation with two compartments, their members and a logged-in session
    org = org_build()
    team = _team(org)
    client = login(Client(), team["north"])
    records = _all_records()
    assert len(records) >= 2
    members = {"north": team["north"], "south": team["south"]}
    before = {(n, r.pk): _opens(s, r) for n, s in members.items() for r in records}
    assert any(before.values()) and not all(before.values())
    # When the server is locked down
    result = organisation_lockdown(actor_id=org.admin.user.pk)
    # Then no user holds a wrap or a session, and nobody opens anything, the admin neither
    assert result.wraps > 0 and not KeyWrap.objects.filter(user__isnull=False).exists()
    assert not Session.objects.exists()
    assert not any(_opens(s, r) for s in [*members.values(), org.admin] for r in records)
    # and the logged-in browser is sent to the login
    assert client.get("/").status_code == 302
    # When trustees bring k shares and restore the recorded members
    output = _run_recovery(monkeypatch, org.shares[: org.threshold], members=True)
    assert "key wraps sealed" in output
    # Then every record opens again for exactly the members who opened it before
    after = {(n, r.pk): _opens(s, r) for n, s in members.items() for r in records}
    assert after == before
    # and the audit chain is intact and records both events
    call_command("audit_checkpoint", stdout=io.StringIO())
    call_command("audit_verify", stdout=io.StringIO())
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert "emergency.lockdown" in actions and "vault.recover_members" in actions


@pytest.mark.django_db
@pytest.mark.parametrize("problem", ["too few", "other organisation", "mistyped word"])
def test_recovery_with_bad_shares_says_so_and_changes_nothing(
    problem: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a locked-down organisation
    org = org_build()
    _team(org)
    organisation_lockdown(actor_id=None)
    wraps = set(KeyWrap.objects.values_list("pk", flat=True))
    shares = list(org.shares[: org.threshold])
    if problem == "too few":
        shares = shares[:1]
    elif problem == "other organisation":
        from shamir_mnemonic import generate_mnemonics

        shares = list(generate_mnemonics(1, [(2, 3)], bytes(32))[0][:2])
    else:
        words = shares[0].split()
        words[5] = "academic" if words[5] != "academic" else "acid"
        shares[0] = " ".join(words)
    # When recovery runs with them, then it fails with a clear message
    with pytest.raises(CommandError, match="did not rebuild the recovery key"):
        _run_recovery(monkeypatch, shares, members=True)
    with pytest.raises(RecoveryError):
        recovery_private_key(shares)
    # and nothing changed
    assert set(KeyWrap.objects.values_list("pk", flat=True)) == wraps


def test_the_recovery_key_comes_from_k_shares_checked_against_a_given_public_key() -> None:
    from shamir_mnemonic import generate_mnemonics

    from corridor.vault import crypto

    public, private = crypto.keypair_generate()
    shares = generate_mnemonics(1, [(2, 3)], private)[0]
    assert recovery_private_key([shares[2], shares[0]], public_key=public) == private
    with pytest.raises(RecoveryError):
        recovery_private_key(shares[:2], public_key=crypto.keypair_generate()[0])


def _files() -> list[Path]:
    db = Path(connection.settings_dict["NAME"])
    return [p for p in (db, Path(f"{db}-wal")) if p.exists()]


def _seizure_bytes() -> bytes:
    blob = b"".join(p.read_bytes() for p in _files())
    dump = "\n".join(sqlite3.connect(connection.settings_dict["NAME"]).iterdump())
    return blob + dump.encode("utf-8", "replace")


@pytest.mark.django_db(transaction=True)
def test_no_destroyed_wrap_lingers_in_the_database_file_wal_or_dump() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("file scan of SQLite; PostgreSQL runs VACUUM FULL (see decision 0022)")
    # Given an organisation with members, cases and a live session
    org = org_build()
    team = _team(org)
    login(Client(), team["north"])
    wraps = [
        bytes(b)
        for b in KeyWrap.objects.filter(user__isnull=False).values_list("sealed_key", flat=True)
    ]
    sessions = [s.encode() for s in Session.objects.values_list("session_data", flat=True)]
    assert wraps and sessions
    # (the scan finds them while they exist, so it can fail)
    connection.cursor().execute("PRAGMA wal_checkpoint(PASSIVE)")
    seized = _seizure_bytes()
    assert all(w in seized for w in wraps) and all(s in seized for s in sessions)
    # When the server is locked down
    organisation_lockdown(actor_id=None)
    # Then neither the database file, its write-ahead log nor a dump holds any of them
    seized = _seizure_bytes()
    assert [w for w in wraps if w in seized] == []
    assert [s for s in sessions if s in seized] == []
    # while what is sealed to the recovery key is still there
    recovery = [
        bytes(b)
        for b in KeyWrap.objects.filter(user__isnull=True).values_list("sealed_key", flat=True)
    ]
    assert recovery and all(r in seized for r in recovery)


@pytest.mark.django_db
def test_the_lockdown_command_asks_for_the_organisation_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given an organisation whose members hold wraps
    org = org_build()
    _team(org)
    held = KeyWrap.objects.filter(user__isnull=False).count()
    assert held > 0
    # When the operator mistypes the name, then nothing is destroyed
    monkeypatch.setattr("builtins.input", lambda prompt: "Test netwrk")
    with pytest.raises(CommandError, match="did not match"):
        call_command("lockdown", stdout=io.StringIO())
    assert KeyWrap.objects.filter(user__isnull=False).count() == held
    # When they type it, every wrap held for a user goes
    monkeypatch.setattr("builtins.input", lambda prompt: "Test network")
    out = io.StringIO()
    call_command("lockdown", stdout=out)
    assert f"{held} key wraps" in out.getvalue()
    assert not KeyWrap.objects.filter(user__isnull=False).exists()
    assert KeyWrap.objects.filter(user__isnull=True).exists()


@pytest.mark.django_db
def test_the_lockdown_command_runs_without_a_question_with_yes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    org = org_build()
    _team(org)
    monkeypatch.setattr("builtins.input", lambda prompt: pytest.fail("asked"))
    call_command("lockdown", yes=True, stdout=io.StringIO())
    assert not KeyWrap.objects.filter(user__isnull=False).exists()


@pytest.mark.django_db
def test_the_lockdown_page_needs_the_exact_name_and_a_fresh_reauth(settings: Any) -> None:
    # Given a logged-in administrator and a member with wraps
    org = org_build()
    _team(org)
    client = login(Client(), org.admin)
    held = KeyWrap.objects.filter(user__isnull=False).count()
    # When the name is mistyped, the page says so and nothing is destroyed
    response = client.post("/emergency/lockdown/", {"name": "Test netw0rk"})
    assert response.status_code == 200 and b"exactly as shown" in response.content
    assert KeyWrap.objects.filter(user__isnull=False).count() == held
    # When the re-authentication is stale, the page asks for it first
    settings.CORRIDOR_REAUTH_WINDOW = 0
    response = client.post("/emergency/lockdown/", {"name": "Test network"})
    assert response.status_code == 302 and "/accounts/reauth/" in response["Location"]
    assert KeyWrap.objects.filter(user__isnull=False).count() == held
    # With a fresh one and the exact name, the server is locked down, this session too
    settings.CORRIDOR_REAUTH_WINDOW = 300
    response = client.post("/emergency/lockdown/", {"name": "Test network"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert not KeyWrap.objects.filter(user__isnull=False).exists()
    assert client.get("/").status_code == 302
    # and the public help form is still there for requests
    assert Client().get("/help/").status_code == 200


def _postgres_seizure_bytes() -> tuple[bytes, bytes | None]:
    """A plain pg_dump of the test database, and (for a superuser, as here and in CI) the
    current files of the wrap and session tables, read by the server itself
    (pg_read_binary_file): no access to the data directory from outside is needed. None for
    the files when the role may not read them."""
    settings = connection.settings_dict
    env = {
        "PATH": "/usr/bin:/bin",
        "PGHOST": str(settings["HOST"] or "127.0.0.1"),
        "PGPORT": str(settings["PORT"] or 5432),
        "PGUSER": str(settings["USER"] or "postgres"),
        "PGPASSWORD": str(settings["PASSWORD"] or ""),
    }
    done = subprocess.run(  # noqa: S603 - fixed argument list, no shell
        ["pg_dump", "--format=plain", "--no-owner", str(settings["NAME"])],  # noqa: S607
        env=env,
        capture_output=True,
        check=True,
    )
    files: bytes | None = None
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")  # the shared buffers go to the files
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cursor.fetchone()[0]:
            files = b""
            for model in (KeyWrap, Session):
                cursor.execute(
                    "SELECT pg_read_binary_file(pg_relation_filepath(%s))",
                    [model._meta.db_table],
                )
                files += bytes(cursor.fetchone()[0])
    return done.stdout, files


@pytest.mark.django_db(transaction=True)
def test_no_destroyed_wrap_lingers_in_the_postgresql_table_files_or_a_dump() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's table files and pg_dump; SQLite has its own scan above")
    # Given an organisation with members, cases and a live session
    org = org_build()
    team = _team(org)
    login(Client(), team["north"])
    wraps = [
        bytes(b)
        for b in KeyWrap.objects.filter(user__isnull=False).values_list("sealed_key", flat=True)
    ]
    sessions = [s.encode() for s in Session.objects.values_list("session_data", flat=True)]
    assert wraps and sessions
    # (the scan finds them while they exist, so it can fail; a dump writes bytea as hex)
    dump, files = _postgres_seizure_bytes()
    assert all(w.hex().encode() in dump for w in wraps) and all(s in dump for s in sessions)
    if files is not None:
        assert all(w in files for w in wraps) and all(s in files for s in sessions)
    # When the server is locked down (VACUUM FULL of the tables, then CHECKPOINT)
    organisation_lockdown(actor_id=None)
    # Then neither a dump nor the tables' files hold any of them
    dump, files = _postgres_seizure_bytes()
    assert [w for w in wraps if w.hex().encode() in dump] == []
    assert [s for s in sessions if s in dump] == []
    if files is not None:
        assert [w for w in wraps if w in files] == []
        assert [s for s in sessions if s in files] == []
    # while what is sealed to the recovery key is still there
    recovery = [
        bytes(b)
        for b in KeyWrap.objects.filter(user__isnull=True).values_list("sealed_key", flat=True)
    ]
    assert recovery and all(r.hex().encode() in dump for r in recovery)
    if files is not None:
        assert all(r in files for r in recovery)
