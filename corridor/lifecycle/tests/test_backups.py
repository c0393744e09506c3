"""Backups and restores (decision 0024): the drill, tampering, and the stock age and minisign.

The drill runs on whichever database the suite uses (SQLite by default, PostgreSQL with
DATABASE_URL): data written through the app's actions, a backup taken while a thread keeps
writing, a restore into a fresh database in another process, then audit_verify and a read of
every record by its member, there.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, connections

from conftest import Org, org_build
from corridor.accounts.roles import Role
from corridor.audit.checkpoints import signing_public_key
from corridor.cases.actions import case_create
from corridor.lifecycle import minisig
from corridor.lifecycle.agekeys import age_identity, age_recipient, age_recipient_parse
from corridor.lifecycle.backups import signature_path
from corridor.lifecycle.shares import recovery_private_key
from corridor.vault import crypto
from corridor.vault.keyring import keyring_activated

ROOT = Path(__file__).resolve().parents[3]
READER = """
import json
from corridor.accounts.models import User
from corridor.cases.models import Case
from corridor.vault.actions import user_keys_unlock
from corridor.vault.keyring import Keyring, keyring_activated
user = User.objects.get(username=USERNAME)
keyring = Keyring(user_id=user.pk, private_key=user_keys_unlock(user_id=user.pk, passphrase=PASSPHRASE))
with keyring_activated(keyring):
    names = {str(case.pk): case.full_name for case in Case.objects.all()}
print(json.dumps(names))
"""
TABLES = "from django.db import connection; print(len(connection.introspection.table_names()))"


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def fresh_database(tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of the suite's vendor, dropped afterwards."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    name = f"restore_{uuid.uuid4().hex[:10]}"
    db = connection.settings_dict
    base = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    psql = ["psql", "-h", db["HOST"] or "127.0.0.1", "-U", db["USER"], "-d", "postgres", "-c"]
    subprocess.run([*psql, f"CREATE DATABASE {name}"], check=True, capture_output=True)
    yield f"{base}/{name}"
    subprocess.run([*psql, f"DROP DATABASE IF EXISTS {name}"], check=False, capture_output=True)


def _manage(
    url: str, tmp_path: Path, *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "CORRIDOR_VAR_DIR": str(tmp_path / "restored-var"),
        "CORRIDOR_AUDIT_PUBLIC_KEY": signing_public_key().hex(),
        "CORRIDOR_AUDIT_CHECKPOINT_LOG": str(settings.CORRIDOR_AUDIT_CHECKPOINT_LOG),
        "DJANGO_SETTINGS_MODULE": "corridor.settings",
    }
    return subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, str(ROOT / "manage.py"), *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )


def _people(org: Org, count: int, prefix: str) -> dict[str, str]:
    names = {}
    with keyring_activated(org.admin.keyring):
        for n in range(count):
            case = case_create(
                actor_id=org.admin.user.pk,
                compartment=org.compartment("North"),
                full_name=f"{prefix} Testperson {n}",
                phone=f"+7 900 000 {n:04d}",
            )
            names[str(case.pk)] = case.full_name
    return names


@pytest.mark.django_db(transaction=True)
def test_drill_backup_while_writing_then_restore_into_a_fresh_database(
    tmp_path: Path, fresh_database: str
) -> None:
    # Given an organisation, a caseworker of "North" and cases written through the actions
    org = org_build()
    member = org.staff("member", Role.CASEWORKER, ("North",))
    committed = _people(org, 12, "before")
    # ... and a thread that keeps writing cases while the backup runs
    stop = threading.Event()
    during: list[str] = []
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            n = 0
            with keyring_activated(org.admin.keyring):
                while not stop.is_set():
                    case = case_create(
                        actor_id=org.admin.user.pk,
                        compartment=org.compartment("North"),
                        full_name=f"during Testperson {n}",
                    )
                    during.append(str(case.pk))
                    n += 1
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(during) < 3 and thread.is_alive():
            threading.Event().wait(0.01)
        committed_before = dict(committed)  # every case committed before the snapshot began
        out = tmp_path / "corridor.backup.age"
        # When the backup runs while the thread writes
        _run("backup", "--out", str(out))
    finally:
        stop.set()
        thread.join()
    assert not errors, errors
    assert len(during) >= 3  # the writes really overlapped the backup
    # And it is restored with k = 2 shares into a fresh, empty database in another process
    done = _manage(
        fresh_database, tmp_path, "restore", str(out), stdin="\n".join(org.shares[:2]) + "\n\n"
    )
    assert done.returncode == 0, done.stderr
    assert "restore: database restored" in done.stderr  # progress on stderr
    # Then the audit chain there is intact
    verified = _manage(fresh_database, tmp_path, "audit_verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "chain intact" in verified.stdout
    # And every case committed before the snapshot is there and opens for its member
    script = f"USERNAME = {'member'!r}\nPASSPHRASE = {member.passphrase!r}\n{READER}"
    read = _manage(fresh_database, tmp_path, "shell", "-c", script)
    assert read.returncode == 0, read.stderr
    names = json.loads(read.stdout.strip().splitlines()[-1])
    for pk, name in committed_before.items():
        assert names[pk] == name
    # ... and whatever the thread committed is either wholly there or absent, never broken
    assert all(names[pk].startswith("during Testperson") for pk in during if pk in names)


@pytest.fixture
def backed_up(org: Org, tmp_path: Path) -> Path:
    _people(org, 3, "kept")
    out = tmp_path / "b.age"
    _run("backup", "--out", str(out))
    return out


def test_backup_verify_passes_an_intact_backup(backed_up: Path) -> None:
    assert "Backup intact" in _run("backup_verify", str(backed_up))


def test_an_altered_backup_is_refused_by_verify_and_by_restore(org: Org, backed_up: Path) -> None:
    # Given one byte of the ciphertext flipped after signing
    data = bytearray(backed_up.read_bytes())
    data[len(data) // 2] ^= 0x01
    backed_up.write_bytes(bytes(data))
    # Then backup_verify names the alteration
    with pytest.raises(CommandError, match="altered or truncated after signing"):
        _run("backup_verify", str(backed_up))


def test_a_truncated_backup_is_refused(backed_up: Path) -> None:
    data = backed_up.read_bytes()
    backed_up.write_bytes(data[: len(data) - 1000])
    with pytest.raises(CommandError, match="altered or truncated"):
        _run("backup_verify", str(backed_up))


def test_an_unsigned_backup_is_refused(backed_up: Path) -> None:
    signature_path(backed_up).unlink()
    with pytest.raises(CommandError, match="signature is missing"):
        _run("backup_verify", str(backed_up))


def test_a_backup_resigned_by_another_key_is_refused(backed_up: Path) -> None:
    # Given an attacker who altered the backup and signed it again with a key of their own
    data = bytearray(backed_up.read_bytes())
    data[-5] ^= 0x01
    backed_up.write_bytes(bytes(data))
    forged = minisig.sign_file(crypto.random_key(), backed_up, "corridor-backup/1 forged")
    signature_path(backed_up).write_text(forged, encoding="ascii")
    # Then the pinned key does not accept it
    with pytest.raises(CommandError, match="not the pinned signing key"):
        _run("backup_verify", str(backed_up))


def test_a_truncated_backup_signed_again_is_refused_by_restore(
    org: Org, backed_up: Path, tmp_path: Path, fresh_database: str
) -> None:
    # Given a backup cut inside its last chunk and signed again with the real key (a bug, or
    # the signing key itself stolen): the signature now holds, so decryption must refuse it
    from corridor.audit.checkpoints import signing_seed

    data = backed_up.read_bytes()
    backed_up.write_bytes(data[: len(data) - 7])
    signature_path(backed_up).write_text(
        minisig.sign_file(signing_seed(), backed_up, "corridor-backup/1 cut"), encoding="ascii"
    )
    # When it is restored into an empty database
    done = _manage(
        fresh_database, tmp_path, "restore", str(backed_up), stdin="\n".join(org.shares[:2]) + "\n"
    )
    # Then age's last-chunk authentication refuses it and the database stays empty
    assert done.returncode != 0
    assert "did not decrypt" in done.stderr, done.stderr
    tables = _manage(fresh_database, tmp_path, "shell", "-c", TABLES)
    assert tables.stdout.strip().splitlines()[-1] == "0", tables.stdout + tables.stderr


def test_restore_refuses_a_database_that_is_not_empty(
    org: Org, backed_up: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(org.shares[:2]) + "\n\n"))
    with pytest.raises(CommandError, match="not empty"):
        _run("restore", str(backed_up))


def test_restore_refuses_too_few_shares(
    org: Org, backed_up: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(org.shares[0] + "\n\n"))
    with pytest.raises(CommandError, match="did not rebuild the recovery key"):
        _run("restore", str(backed_up))


def test_the_stock_age_tool_decrypts_with_the_recovery_key_from_the_shares(
    org: Org, backed_up: Path, tmp_path: Path
) -> None:
    # Given the recovery key rebuilt from k shares, written as an age identity
    private, _public = recovery_private_key(org.shares[1:3])
    identity = tmp_path / "identity.txt"
    identity.write_text(age_identity(private) + "\n", encoding="ascii")
    # When /usr/bin/age decrypts the backup
    done = subprocess.run(
        ["/usr/bin/age", "-d", "-i", str(identity), "-o", str(tmp_path / "b.tar"), str(backed_up)],
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    # Then out comes the archive: the database and the manifest naming the recovery key
    import tarfile

    with tarfile.open(tmp_path / "b.tar") as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("MANIFEST.json").read())  # type: ignore[union-attr]
    assert names[-1] == "MANIFEST.json"
    assert manifest["database"] in names
    assert manifest["recovery_recipient"] == age_recipient(crypto.public_key_of(private))


def test_a_second_recipient_decrypts_with_the_stock_age(org: Org, tmp_path: Path) -> None:
    identity = tmp_path / "second.txt"
    subprocess.run(["/usr/bin/age-keygen", "-o", str(identity)], check=True, capture_output=True)
    recipient = next(
        line.split(": ")[1]
        for line in identity.read_text().splitlines()
        if line.startswith("# public key: ")
    )
    assert len(age_recipient_parse(recipient)) == 32
    out = tmp_path / "two.age"
    _run("backup", "--out", str(out), "--recipient", recipient)
    assert "2 recipient(s)" in _run("backup_verify", str(out))
    done = subprocess.run(
        ["/usr/bin/age", "-d", "-i", str(identity), "-o", os.devnull, str(out)],
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    # A wrong identity does not open it
    other = tmp_path / "other.txt"
    subprocess.run(["/usr/bin/age-keygen", "-o", str(other)], check=True, capture_output=True)
    refused = subprocess.run(
        ["/usr/bin/age", "-d", "-i", str(other), "-o", os.devnull, str(out)],
        capture_output=True,
        check=False,
    )
    assert refused.returncode != 0


def test_a_bad_recipient_is_refused_and_writes_nothing(org: Org, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="age X25519 recipient"):
        _run("backup", "--out", str(tmp_path / "x.age"), "--recipient", "age1notakey")
    assert not list(tmp_path.glob("x.age*"))


def test_the_stock_minisign_verifies_the_signature(backed_up: Path) -> None:
    public = minisig.public_key_text(signing_public_key())
    done = subprocess.run(
        ["/usr/bin/minisign", "-V", "-P", public, "-m", str(backed_up)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "corridor-backup/1" in done.stdout
    # ... and refuses it once a byte is altered
    data = bytearray(backed_up.read_bytes())
    data[100] ^= 0x01
    backed_up.write_bytes(bytes(data))
    refused = subprocess.run(
        ["/usr/bin/minisign", "-V", "-P", public, "-m", str(backed_up)],
        capture_output=True,
        check=False,
    )
    assert refused.returncode != 0


def test_age_keys_round_trip_with_age_keygen(tmp_path: Path) -> None:
    # age-keygen prints the recipient of the identity it made: our encoding must agree
    identity = tmp_path / "k.txt"
    subprocess.run(["/usr/bin/age-keygen", "-o", str(identity)], check=True, capture_output=True)
    lines = identity.read_text().splitlines()
    recipient = next(line.split(": ")[1] for line in lines if line.startswith("# public key: "))
    secret = next(line for line in lines if line.startswith("AGE-SECRET-KEY-1"))
    from corridor.lifecycle.agekeys import bech32_decode

    _hrp, private = bech32_decode(secret)
    assert age_identity(private) == secret
    assert age_recipient(crypto.public_key_of(private)) == recipient
