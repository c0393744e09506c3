"""Cold seizure (T1): the server is taken while stopped; its disk must reveal no one.

Data with distinctive markers goes in through the app's own views (an invited caseworker,
with a marker passphrase, writes a case with a marker name, alias, phone, location and
notes; then every other free-text field gets its own marker from the role that types it:
the case's edit form, the pipeline's reasons, expenses, tasks and check-ins, shelters and
their board, documents, applications and journeys, the documentation of abuses (the record,
a testimony with its consent given and withdrawn, a referral and its answer), the public
request form with a photo
whose file name, EXIF and comment name the person, the status page, the triage desk and
operator intake: see tests/seizure_writes.py). The server is stopped (every database
connection closed, logs flushed) and what a seizure yields is scanned: the database (the
SQLite file with its -wal/-shm, or a pg_dump), the media folder, the log files, the whole
var/ folder and the session store, decoded. No marker may appear in any encoding we can
think of.

The scan cannot pass vacuously: the markers are read back through the app first (the
photo's EXIF and comment excepted: they must be gone from the file the desk downloads); an
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
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import seizure_writes as writes
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection, connections
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import Org, login, totp_code
from corridor.accounts.models import User
from corridor.accounts.roles import Role
from corridor.vault.actions import user_keys_unlock
from corridor.vault.keyring import Keyring
from corridor.vault.models import Compartment

TAG = "".join(secrets.choice(string.ascii_lowercase) for _ in range(10))
DIGITS = "".join(secrets.choice(string.digits) for _ in range(7))
DIGITS2 = "".join(secrets.choice(string.digits) for _ in range(7))
DIGITS3 = "".join(secrets.choice(string.digits) for _ in range(7))
# The distinctive part of a marker: "Qx" (or Cyrillic "Кх") and a label, then the run's tag.
TOKEN = re.compile(rf"(?:qx|кх)[^\W_]*?{TAG}", re.IGNORECASE)


def _phone(prefix: str, digits: str) -> str:
    return f"+7 {prefix} {digits[:3]}-{digits[3:5]}-{digits[5:]}"


@dataclass(frozen=True)
class Markers:
    """One value for every free-text field a user can type, each with a distinctive token."""

    # The case, as the caseworker creates and edits it
    full_name: str = f"Zarema Qxname{TAG}ova"
    alias: str = f"Зарема Кхалиас{TAG}"
    phone: str = _phone("928", DIGITS)
    location: str = f"Safe flat of Qxloc{TAG}, Gudermes, 3rd floor"
    notes: str = f"Testimony: hides from her brothers with Qxnote{TAG} since March."
    passphrase: str = f"qxpass{TAG} orchard lantern river"
    messenger: str = f"@qxmessenger{TAG}"
    dependant_name: str = f"Adam Qxdependant{TAG}"
    dependant_relation: str = f"nephew Qxrelation{TAG}"
    # The pipeline's reasons and the expenses
    decline_reason: str = f"Declined: Qxdecline{TAG} looks like a provocation"
    reopen_reason: str = f"Reconsidered after Qxreopen{TAG} vouched"
    close_reason: str = f"Closed: resettled through Qxclose{TAG}"
    expense_note: str = f"Train ticket for Qxexpense{TAG}"
    # Tasks and safety check-ins
    task_title: str = f"Call Qxtask{TAG} about the flat"
    checkin_channel: str = f"Signal, codeword Qxchannel{TAG}"
    schedule_notes: str = f"Calls after 22:00 from Qxschedule{TAG}"
    checkin_note: str = f"Safe, Qxcheckin{TAG} says hello"
    # Shelters and their board
    shelter_name: str = f"Flat Qxshelter{TAG}"
    shelter_address: str = f"Ulitsa Qxaddress{TAG} 14, kv. 9, Nalchik"
    place_need: str = f"Needs a bed away from Qxneed{TAG} for two weeks"
    board_refusal: str = f"Refused: Qxrefusal{TAG} lives next door"
    placement_note: str = f"Room 2, Qxplacement{TAG}"
    # Relocation: papers, applications, journeys
    holder_note: str = f"Passport with her aunt Qxholder{TAG}"
    risk_note: str = f"Theft complaint filed by Qxrisk{TAG}"
    application_refusal: str = f"Refused because of Qxapprefusal{TAG}"
    application_notes: str = f"Embassy contact Qxappnote{TAG}"
    travel_from: str = f"Grozny, Qxfrom{TAG} street"
    travel_to: str = f"Moscow, Qxto{TAG} station"
    travel_failure: str = f"Stopped at the Qxfailure{TAG} checkpoint"
    # The public request form, its photo and the status page
    request_name: str = f"Qxrequester{TAG} Dudaeva"
    request_contact: str = f"{_phone('938', DIGITS2)} or @qxwatched{TAG}"
    request_region: str = f"Гудермес, Кхрегион{TAG}"
    request_message: str = f"Прошу помощи: Кхсообщение{TAG}, брат угрожает"
    file_name: str = f"photo_qxfilename{TAG}.jpg"
    exif_description: str = f"Qxexifcaption{TAG} at home"
    exif_artist: str = f"Qxexifartist{TAG}"
    image_comment: str = f"Qximagecomment{TAG} took this"
    follow_up: str = f"Follow-up: Qxfollowup{TAG} moved flats"
    second_message: str = f"Please call Qxsecond{TAG} tonight"
    # The triage desk
    watch_handle: str = f"@qxwatched{TAG}"
    watch_note: str = f"Informer Qxwatchnote{TAG}"
    interview_notes: str = f"Interview: Qxinterview{TAG} confirmed"
    evidence_seen: str = f"Bruises, Qxevidence{TAG}"
    references: str = f"Vouched for by Qxreference{TAG}"
    verifying_partner: str = f"Partner Qxverifier{TAG}"
    reply_text: str = f"We will call you, Qxreply{TAG}"
    proposal_note: str = f"Accept: Qxproposal{TAG}"
    proposal_override: str = f"Handle reused by Qxoverride{TAG}"
    approval_override: str = f"Agreed, Qxapproval{TAG}"
    triage_decline: str = f"Declined: Qxtriagedecline{TAG} is a known informer"
    # Operator intake: a partner's referral taken by phone
    operator_name: str = f"Qxcaller{TAG} Magomedova"
    operator_contact: str = _phone("918", DIGITS3)
    operator_messenger: str = f"@qxcallerhandle{TAG}"
    operator_region: str = f"Qxcallerregion{TAG}, Urus-Martan"
    operator_message: str = f"Called the hotline: Qxcallermessage{TAG}"
    operator_birth_date: str = f"17 March 1994 Qxbirth{TAG}"
    operator_partner: str = f"Qxreferrer{TAG} network"
    # Documentation of abuses: the record, the testimony and its consent, a referral
    doc_victim: str = f"Said-Magomed Qxdocvictim{TAG}ov"
    doc_other_names: str = f"Саид Кхдругоеимя{TAG}"
    doc_person_description: str = f"Works at the Qxdocwork{TAG} market, 24"
    doc_perpetrator: str = f"Qxdocunit{TAG} patrol regiment"
    doc_event_title: str = f"Detentions at Qxdoctitle{TAG}"
    doc_event_description: str = f"Men held in the Qxdocdescription{TAG} basement"
    doc_event_place: str = f"Former Qxdocplace{TAG} police station, Argun"
    doc_act_place: str = f"Cell 3 of Qxdocactplace{TAG}"
    doc_act_reason: str = f"They said Qxdocreason{TAG} named him"
    doc_act_consequences: str = f"Burns on both hands, Qxdocconsequence{TAG}"
    doc_involvement: str = f"Commander Qxdocinvolvement{TAG} gave the order"
    doc_testimony: str = f"Меня держали в подвале, Кхпоказания{TAG}, били током"
    doc_taken_by: str = f"Interviewer Qxdoctakenby{TAG}"
    doc_consent_by: str = f"Lawyer Qxdocconsentby{TAG}"
    doc_consent_note: str = f"Signed in the Qxdocconsentnote{TAG} flat"
    doc_withdrawal: str = f"His brother Qxdocwithdrawal{TAG} found out"
    doc_source_document: str = f"Novaya Gazeta article by Qxdocsource{TAG}"
    doc_source_remarks: str = f"Confirmed by Qxdocremarks{TAG}"
    doc_chain_remarks: str = f"The roundup after Qxdocchain{TAG} was arrested"
    doc_recipient: str = f"Investigator Qxdocrecipient{TAG}"
    doc_through: str = f"Aide of the ombudsman Qxdocthrough{TAG}"
    doc_sent_what: str = f"Letter Qxdocsentwhat{TAG} with the list of the disappeared"
    doc_asked: str = f"Find Qxdocasked{TAG} and open a criminal case"
    doc_answer_summary: str = f"No grounds, Qxdocanswer{TAG} denies it"
    doc_answer_document: str = f"Letter Qxdocanswerdoc{TAG}/2017"

    def needles(self) -> dict[str, str]:
        """The distinctive part of each value, each whole value, and each phone's digits."""
        found: dict[str, str] = {}
        for name, value in asdict(self).items():
            tokens = TOKEN.findall(value)
            for token in tokens:
                found[f"{name}: {token[: -len(TAG)]}"] = token
            found[f"whole {name}"] = value
        for name, digits in (("928", DIGITS), ("938", DIGITS2), ("918", DIGITS3)):
            found[f"phone {name} digits"] = f"{name}{digits}"
            found[f"phone {name} E.164"] = f"+7{name}{digits}"
        return found


MARKERS = Markers()
CANARY = f"Canary compartment {TAG}"  # operational: must be found in clear, proving the scan
DESK = f"Intake desk {TAG}"  # the triage desk's compartment (operational too)


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


@dataclass
class Written:
    kit: str  # the invited caseworker's recovery kit, shown once
    missing_path: str  # a path the app logged as a 404
    codenames: list[str]  # shown once to a requester, stored nowhere


def _seize_what_the_app_wrote(org: Org, tmp_path: Path) -> Written:
    """Invite a caseworker who writes a case with markers; then every other free-text field
    of the app gets its marker, through the views, from the role that types it."""
    admin = login(Client(), org.admin)
    created = admin.post("/accounts/compartments/", {"name": CANARY, "join": "on"})
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
    writes.grant(admin, compartment_id, user)
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
        MARKERS.phone,  # stored as E.164, shown as people write it
        MARKERS.location,
        MARKERS.notes,
    ):
        assert value in shown, value
    # ... and finds the case by its name through the keyed-hash index (search is a POST).
    assert f"/cases/{case_id}/" in _page(worker.post("/cases/", {"q": MARKERS.full_name}))
    # A coordinator (the board, the decisions) and a triage desk member, each logged in.
    coordinator = org.staff("zcoord", Role.COORDINATOR)
    desk = org.staff("zdesk", Role.TRIAGE)
    writes.desk_open(
        admin,
        desk_name=DESK,
        desk_staff=desk,
        members=[desk.user, coordinator.user],
        tmp_path=tmp_path,
    )
    writes.grant(admin, compartment_id, coordinator.user)
    lawyer = org.staff("zlawyer", Role.LAWYER)
    writes.grant(admin, compartment_id, lawyer.user)
    people = writes.People(
        admin=admin,
        worker=worker,
        worker_keyring=Keyring(
            user_id=user.pk,
            private_key=user_keys_unlock(user_id=user.pk, passphrase=MARKERS.passphrase),
        ),
        coordinator=login(Client(), coordinator),
        coordinator_staff=coordinator,
        desk=login(Client(), desk),
        desk_staff=desk,
        compartment_id=compartment_id,
        case_id=case_id,
        lawyer=login(Client(), lawyer),
    )
    codenames = writes.all_writes(people, MARKERS)
    # Something the app must log: a 404 (path and status only).
    missing = f"/cases/{uuid.uuid4()}/"
    assert worker.get(missing).status_code == 404
    return Written(kit, missing, codenames)


@pytest.fixture
def _logging_everything() -> Iterator[None]:
    """The root logger at DEBUG, as an operator chasing a problem would set it: a leak into
    the log at any level is a leak (Pillow's EXIF dump was one). django.db.backends and PIL
    keep the levels settings.LOGGING gives them."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        root.setLevel(level)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_logging_everything")
def test_it_reveals_no_marker_after_a_cold_seizure(org: Org, tmp_path: Path) -> None:
    # Given data with markers written through the app's own views and committed, while the
    # application logs at DEBUG
    written = _seize_what_the_app_wrote(org, tmp_path)
    kit, missing_path = written.kit, written.missing_path
    needles = {**MARKERS.needles(), "recovery kit": kit, "recovery kit, bare": kit.replace("-", "")}
    needles |= {f"codename {n}": codename for n, codename in enumerate(written.codenames)}
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
