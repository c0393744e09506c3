"""Cold seizure (T1): the server is taken while stopped; its disk must reveal no one.

Data with distinctive markers goes in through the app's own views (an invited caseworker,
with a marker passphrase, writes a case with a marker name, alias, phone, location and
notes). The server is stopped (every database connection closed, logs flushed) and what a
seizure yields is scanned: the database (the SQLite file with its -wal/-shm, or a pg_dump),
the media folder, the log files, the whole var/ folder and the session store, decoded. No
marker may appear in any encoding we can think of.

The scan cannot pass vacuously: the markers are read back through the app first; an
operational value (a compartment name, stored in clear) must be found in the database scan,
a logged 404 must be found in the log scan, and the scanner finds markers planted in a file.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import secrets
import string
import subprocess
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection, connections
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import Org, login, totp_code
from corridor.accounts.models import User
from corridor.accounts.roles import Role
from corridor.vault.models import Compartment

TAG = "".join(secrets.choice(string.ascii_lowercase) for _ in range(10))
DIGITS = "".join(secrets.choice(string.digits) for _ in range(7))


@dataclass(frozen=True)
class Markers:
    full_name: str = f"Zarema Qxname{TAG}ova"
    alias: str = f"Зарема Кхалиас{TAG}"
    phone: str = f"+7 928 {DIGITS[:3]}-{DIGITS[3:5]}-{DIGITS[5:]}"
    location: str = f"Safe flat of Qxloc{TAG}, Gudermes, 3rd floor"
    notes: str = f"Testimony: hides from her brothers with Qxnote{TAG} since March."
    passphrase: str = f"qxpass{TAG} orchard lantern river"

    def needles(self) -> dict[str, str]:
        """The distinctive part of each value, and each whole value."""
        return {
            "name": f"Qxname{TAG}",
            "alias": f"Кхалиас{TAG}",
            "phone digits": f"928{DIGITS}",
            "phone E.164": f"+7928{DIGITS}",
            "location": f"Qxloc{TAG}",
            "notes": f"Qxnote{TAG}",
            "passphrase": f"qxpass{TAG}",
            "full name": self.full_name,
            "whole alias": self.alias,
            "whole phone": self.phone,
            "whole location": self.location,
            "whole notes": self.notes,
            "whole passphrase": self.passphrase,
        }


MARKERS = Markers()
CANARY = f"Canary compartment {TAG}"  # operational: must be found in clear, proving the scan


# --- the scanner --------------------------------------------------------------------------


def _base64_cores(data: bytes) -> set[bytes]:
    """The part of base64(data) that is the same wherever data starts in the encoded stream."""
    cores = set()
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + data)
        first_group = 1 if offset else 0
        last_group = (offset + len(data)) // 3
        core = encoded[4 * first_group : 4 * last_group]
        cores |= {core, core.replace(b"+", b"-").replace(b"/", b"_")}
    return {core for core in cores if len(core) >= 8}


def variants(text: str) -> set[bytes]:
    """Every encoding of `text` a seized disk might hold it in."""
    forms = {text, text.lower(), text.upper(), text.casefold()}
    forms |= {
        unicodedata.normalize(nf, form)
        for form in list(forms)
        for nf in ("NFC", "NFD", "NFKC", "NFKD")
    }
    found: set[bytes] = set()
    for form in forms:
        utf8 = form.encode("utf-8")
        found |= {
            utf8,
            form.encode("utf-16-le"),
            form.encode("utf-16-be"),
            json.dumps(form)[1:-1].encode("ascii"),  # \u-escaped, as in JSON columns
            utf8.hex().encode(),  # PostgreSQL bytea in a dump
            utf8.hex().upper().encode(),
        }
        found |= _base64_cores(utf8)
    return found


@dataclass
class Hit:
    where: str
    needle: str


class Scanner:
    def __init__(self, needles: dict[str, str]) -> None:
        self.patterns = [(label, v) for label, text in needles.items() for v in variants(text)]
        self.scanned: list[str] = []

    def scan_bytes(self, where: str, data: bytes) -> list[Hit]:
        self.scanned.append(where)
        return [Hit(where, label) for label, pattern in self.patterns if pattern in data]

    def scan_files(self, paths: Iterable[Path]) -> list[Hit]:
        hits: list[Hit] = []
        for path in sorted(set(paths)):
            if path.is_file():
                hits += self.scan_bytes(str(path), path.read_bytes())
        return hits


def _files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.is_dir() else []


def _log_files() -> list[Path]:
    """Every file a logging handler writes to, flushed, and the configured LOG_FILE."""
    handlers = list(logging.root.handlers)
    for logger in logging.root.manager.loggerDict.values():
        handlers += getattr(logger, "handlers", [])
    paths = [Path(settings.LOG_FILE)]
    for handler in handlers:
        if isinstance(handler, logging.FileHandler):
            handler.flush()
            paths.append(Path(handler.baseFilename))
    return [p for base in set(paths) for p in base.parent.glob(base.name + "*")]


def _database_dump(tmp_path: Path, alias_settings: dict[str, Any]) -> list[Path]:
    """The database as a thief would carry it away: the SQLite files, or a pg_dump."""
    name = str(alias_settings["NAME"])
    if connection.vendor == "sqlite":
        main = Path(name)
        assert main.is_file() and main.stat().st_size > 0, f"no SQLite file at {name}"
        return [Path(f"{name}{suffix}") for suffix in ("", "-wal", "-shm", "-journal")]
    assert connection.vendor == "postgresql"
    dump = tmp_path / "dump.sql"
    command = ["pg_dump", "-h", alias_settings.get("HOST") or "127.0.0.1", "-U"]
    command += [
        alias_settings.get("USER") or "postgres",
        "-p",
        str(alias_settings.get("PORT") or 5432),
    ]
    env = dict(os.environ)
    if alias_settings.get("PASSWORD"):
        env["PGPASSWORD"] = alias_settings["PASSWORD"]
    with dump.open("wb") as out:
        subprocess.run([*command, name], stdout=out, check=True, timeout=120, env=env)
    assert dump.stat().st_size > 0
    return [dump]


# --- the app, driven through its views ----------------------------------------------------


def _page(response: Any) -> str:
    return str(response.content.decode())


def _enrol(newcomer: Client) -> str:
    """TOTP enrolment through the page; returns the recovery kit code shown once."""
    page = _page(newcomer.get("/accounts/enrol/"))
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7=]+)<', page)
    assert secret
    done = newcomer.post("/accounts/enrol/", {"token": f"{totp(base64.b32decode(secret[1])):06d}"})
    kit = re.search(r'data-testid="recovery-code">([A-Z0-9-]+)<', _page(done))
    assert kit, "the recovery kit is shown after enrolment"
    return kit[1]


def _seize_what_the_app_wrote(org: Org) -> tuple[str, str]:
    """Invite a caseworker who writes a case with markers; returns their kit and a 404 path."""
    admin = login(Client(), org.admin)
    created = admin.post("/accounts/compartments/", {"name": CANARY})
    assert created.status_code == 302
    invite = _page(admin.post("/accounts/staff/invite/", {"role": Role.CASEWORKER}))
    link = re.search(r'data-testid="invite-link">([^<]+)<', invite)
    assert link
    newcomer = Client()
    accepted = newcomer.post(
        urlsplit(link[1]).path,
        {"username": "zcase", "passphrase": MARKERS.passphrase, "passphrase2": MARKERS.passphrase},
    )
    assert accepted.status_code == 302
    kit = _enrol(newcomer)
    user = User.objects.get(username="zcase")
    compartment_id = Compartment.objects.get(name=CANARY).pk
    granted = admin.post(f"/accounts/compartments/{compartment_id}/grant/", {"user": user.pk})
    assert granted.status_code == 302
    # The caseworker logs in again through the login form: the passphrase travels once more.
    worker = Client()
    step = worker.post("/accounts/login/", {"username": "zcase", "passphrase": MARKERS.passphrase})
    assert step.status_code == 302
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    assert worker.post("/accounts/login/code/", {"token": totp_code(device)}).status_code == 302
    response = worker.post(
        "/cases/new/",
        {
            "compartment": compartment_id,
            "full_name": MARKERS.full_name,
            "aliases": MARKERS.alias,
            "phone": MARKERS.phone,
            "location": MARKERS.location,
            "notes": MARKERS.notes,
            "risk_level": "high",
        },
    )
    assert response.status_code == 302, _page(response)[:500]
    case_id = uuid.UUID(response["Location"].strip("/").split("/")[-1])
    # Positive control: the app itself shows every marker to the caseworker ...
    shown = _page(worker.get(f"/cases/{case_id}/"))
    for value in (
        MARKERS.full_name,
        MARKERS.alias,
        f"+7928{DIGITS}",
        MARKERS.location,
        MARKERS.notes,
    ):
        assert value in shown, value
    # ... and finds the case by its name through the keyed-hash index (search is a POST).
    assert f"/cases/{case_id}/" in _page(worker.post("/cases/", {"q": MARKERS.full_name}))
    # Something the app must log: a 404 (path and status only).
    missing = f"/cases/{uuid.uuid4()}/"
    assert worker.get(missing).status_code == 404
    return kit, missing


@pytest.mark.django_db(transaction=True)
def test_it_reveals_no_marker_after_a_cold_seizure(org: Org, tmp_path: Path) -> None:
    # Given data with markers written through the app's own views and committed
    kit, missing_path = _seize_what_the_app_wrote(org)
    needles = {**MARKERS.needles(), "recovery kit": kit, "recovery kit, bare": kit.replace("-", "")}
    alias_settings = dict(connection.settings_dict)
    assert Session.objects.exists()
    # When the server is stopped: every connection closed, every log flushed
    connections.close_all()
    logs = _log_files()
    # Then the database, media, logs and var/ hold no marker ...
    scanner = Scanner(needles)
    database = _database_dump(tmp_path, alias_settings)
    stored = [
        *database,
        *_files_under(Path(settings.MEDIA_ROOT)),
        *logs,
        *_files_under(Path(settings.VAR_DIR)),
    ]
    hits = scanner.scan_files(stored)
    # ... nor the session store, decoded
    sessions = list(Session.objects.all())
    assert sessions, "the session store holds the logged-in sessions"
    for session in sessions:
        decoded = session.get_decoded()
        hits += scanner.scan_bytes(
            f"session {session.session_key[:6]}…", session.session_data.encode()
        )
        hits += scanner.scan_bytes(
            f"session {session.session_key[:6]}… decoded", json.dumps(decoded).encode("utf-8")
        )
    assert any("_auth_user_id" in s.get_decoded() for s in sessions)
    assert not hits, "\n".join(f"{hit.needle!r} found in {hit.where}" for hit in hits)
    # And the scan was not vacuous: what is stored in clear is found where we looked
    control = Scanner({"canary": CANARY, "logged path": missing_path})
    assert {hit.needle for hit in control.scan_files(database)} >= {"canary"}
    assert Path(settings.LOG_FILE).stat().st_size > 0
    assert {hit.needle for hit in control.scan_files(logs)} >= {"logged path"}
    assert str(database[0]) in scanner.scanned


def test_it_finds_markers_planted_in_any_encoding(tmp_path: Path) -> None:
    # Given files holding a marker in UTF-16, lower case, NFD, hex, base64 and JSON escapes
    needle = "Зарема Qxname" + TAG
    planted = {
        "utf16.bin": b"\x00junk" + needle.encode("utf-16-le") + b"junk",
        "utf16be.bin": needle.encode("utf-16-be"),
        "lower.txt": f"... {needle.lower()} ...".encode(),
        "nfd.txt": unicodedata.normalize("NFD", needle).encode(),
        "dump.sql": b"COPY t (c) FROM stdin;\n\\x" + needle.encode().hex().encode() + b"\n",
        "b64.txt": b"x" + base64.b64encode(b"ab" + needle.encode() + b"cd") + b"y",
        "json.txt": json.dumps({"k": needle}).encode("ascii"),
    }
    for name, data in planted.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "clean.txt").write_bytes(b"nothing to see here " * 100)
    # When the scanner runs over them
    scanner = Scanner({"marker": needle})
    hits = scanner.scan_files(tmp_path.iterdir())
    # Then it finds every planted file and flags nothing else
    assert {Path(hit.where).name for hit in hits} == set(planted)
