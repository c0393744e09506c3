"""Transport and browser hardening (T8), the production profile, and the split session key (T1).

Every response keeps the page on this origin and out of caches; the production profile
switches on HSTS, secure cookies and the TLS redirect, and refuses to start without a
SECRET_KEY; the vault cookie is HttpOnly and SameSite=Strict, and the server-side session
row without it opens nothing.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from conftest import Org, Staff, login
from corridor.accounts.models import StaffSession
from corridor.accounts.roles import Role
from corridor.cases.actions import case_create
from corridor.cases.models import Case
from corridor.vault.keyring import keyring_activated
from corridor.vault.models import Compartment
from corridor.vault.session import COOKIE_NAME, KEYS_SESSION_KEY, SESSION_KEY

BASE_DIR = Path(django_settings.BASE_DIR)
CASE_NAME = "Headers Testperson Umarova"
# Only 'self' and 'none': no host, no scheme (not even data:), no wildcard.
ALLOWED_SOURCES = {"'self'", "'none'"}


def _patterns(resolver: URLResolver, prefix: str = "") -> list[tuple[str, URLPattern]]:
    found: list[tuple[str, URLPattern]] = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            found += _patterns(
                pattern, f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            )
        elif pattern.name:
            found.append((f"{prefix}{pattern.name}", pattern))
    return found


def _every_path(samples: dict[str, Any]) -> list[str]:
    """A path for every named view (sample arguments for its parameters), and a missing page."""
    paths = []
    for name, pattern in _patterns(get_resolver()):
        converters = getattr(pattern.pattern, "converters", {})
        paths.append(reverse(name, kwargs={key: samples[key] for key in converters}))
    return [*paths, "/no-such-page/"]


def _assert_hardened(response: Any, path: str) -> None:
    policy = response.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives.get("default-src") == ["'self'"], (path, policy)
    assert directives.get("frame-ancestors") == ["'none'"], (path, policy)
    for directive, sources in directives.items():
        for source in sources:
            assert source in ALLOWED_SOURCES, (path, directive, source)
    assert "://" not in policy and "*" not in policy, (path, policy)
    assert response.get("X-Frame-Options") == "DENY", path
    # no-referrer, or same-origin (decisions: browsers send `Origin: null` on form posts under
    # no-referrer, which CSRF refuses). Either way another origin learns no URL.
    assert response.get("Referrer-Policy") in {"no-referrer", "same-origin"}, path
    assert "no-store" in response.get("Cache-Control", ""), path
    assert response.get("X-Content-Type-Options") == "nosniff", path


@pytest.fixture
def admin_client(org: Org) -> tuple[Client, dict[str, Any]]:
    worker = org.staff("worker", Role.CASEWORKER, ("North",))
    with keyring_activated(worker.keyring):
        case = case_create(
            actor_id=worker.user.pk, compartment=org.compartment("North"), full_name=CASE_NAME
        )
    samples = {
        "case_id": case.pk,
        "compartment_id": org.compartment("North").pk,
        "user_id": worker.user.pk,
        "token": "no-such-invitation",
        # tasks and shelters: ids of nothing (the page answers 404, with its headers)
        "alert_id": 0,
        "task_id": uuid.uuid4(),
        "schedule_id": uuid.uuid4(),
        "shelter_id": uuid.uuid4(),
        "request_id": uuid.uuid4(),
        "placement_id": uuid.uuid4(),
        # triage: ids of nothing (the administrator's role may not triage: 403, with headers)
        "submission_id": uuid.uuid4(),
        "attachment_id": uuid.uuid4(),
        "entry_id": uuid.uuid4(),
        # relocation: ids of nothing (404, with headers)
        "country_id": 0,
        "document_id": uuid.uuid4(),
        "application_id": uuid.uuid4(),
        "leg_id": uuid.uuid4(),
        # documentation: ids of nothing (the administrator's role may not read it: 403)
        "event_id": uuid.uuid4(),
        "act_id": uuid.uuid4(),
        "person_id": uuid.uuid4(),
        "testimony_id": uuid.uuid4(),
        "referral_id": uuid.uuid4(),
        # retention: a hold of nothing (404, with headers)
        "hold_id": 0,
        # evidence: ids of nothing (the administrator's role may not read it: 403)
        "item_id": uuid.uuid4(),
        "package_id": uuid.uuid4(),
        # reports and figures: a chart, a donor report and a release of nothing
        "kind": "funnel",
        "report_id": 0,
        "release_id": uuid.uuid4(),
        # cases: an expense of nothing (404, with headers)
        "expense_id": uuid.uuid4(),
    }
    return login(Client(), org.admin), samples


@pytest.mark.django_db
def test_it_hardens_every_page_for_staff_and_visitors(
    admin_client: tuple[Client, dict[str, Any]],
) -> None:
    # Given a logged-in administrator and an anonymous visitor
    admin, samples = admin_client
    paths = _every_path(samples)
    assert len(paths) > 20
    for client in (admin, Client()):
        for path in paths:
            # When either loads any page (a form, a redirect, a refusal, a 404, a 405)
            response = client.get(path)
            # Then the response carries every hardening header
            _assert_hardened(response, path)


# --- the production profile ---------------------------------------------------------------

PRINT_SETTINGS = """
import json
from django.conf import settings as s
print(json.dumps({
    "DEBUG": s.DEBUG,
    "SECURE_HSTS_SECONDS": s.SECURE_HSTS_SECONDS,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": s.SECURE_HSTS_INCLUDE_SUBDOMAINS,
    "SECURE_SSL_REDIRECT": s.SECURE_SSL_REDIRECT,
    "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": s.CSRF_COOKIE_SECURE,
    "SESSION_COOKIE_HTTPONLY": s.SESSION_COOKIE_HTTPONLY,
    "SESSION_COOKIE_SAMESITE": s.SESSION_COOKIE_SAMESITE,
    "CSRF_COOKIE_SAMESITE": s.CSRF_COOKIE_SAMESITE,
    "SECRET_KEY": s.SECRET_KEY,
}))
"""
PRINT_SETTINGS_ARGS = ["-c", PRINT_SETTINGS]
INHERITED = ("SECRET_KEY", "SECRET_KEY_FILE", "CORRIDOR_PROFILE", "DEBUG", "SECURE_SSL_REDIRECT")


def _python(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run Python in a fresh process with only `env` deciding the profile."""
    clean = {k: v for k, v in os.environ.items() if k not in INHERITED}
    clean.update(DJANGO_SETTINGS_MODULE="corridor.settings", CORRIDOR_VAR_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, *args],
        env=clean,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


SECRET = "production-secret-for-tests-" + "k3Y" * 20


def test_it_hardens_transport_and_cookies_in_production(tmp_path: Path) -> None:
    # Given the production profile with a secret key
    result = _python(
        PRINT_SETTINGS_ARGS, tmp_path, CORRIDOR_PROFILE="production", SECRET_KEY=SECRET
    )
    # Then HSTS (at least a year), secure cookies and the TLS redirect are on, DEBUG off
    assert result.returncode == 0, result.stderr
    prod = json.loads(result.stdout)
    assert prod["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert prod["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert prod["SECURE_SSL_REDIRECT"] is True
    assert prod["SESSION_COOKIE_SECURE"] is True and prod["CSRF_COOKIE_SECURE"] is True
    assert prod["SESSION_COOKIE_HTTPONLY"] is True
    assert prod["SESSION_COOKIE_SAMESITE"] == prod["CSRF_COOKIE_SAMESITE"] == "Strict"
    assert prod["DEBUG"] is False
    assert prod["SECRET_KEY"] == SECRET
    # And the demo profile, for contrast, does not claim them (the test can tell them apart)
    demo = json.loads(_python(PRINT_SETTINGS_ARGS, tmp_path).stdout)
    assert demo["SESSION_COOKIE_SECURE"] is False and demo["SECURE_HSTS_SECONDS"] == 0


def test_it_passes_django_deployment_checks_in_production(tmp_path: Path) -> None:
    # Given the production profile, when Django's deployment checklist runs
    result = _python(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        CORRIDOR_PROFILE="production",
        SECRET_KEY=SECRET,
    )
    # Then it finds nothing, not even a warning
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_reads_the_secret_key_from_a_file(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret_key"
    secret_file.write_text(SECRET + "\n", encoding="utf-8")
    result = _python(
        PRINT_SETTINGS_ARGS,
        tmp_path,
        CORRIDOR_PROFILE="production",
        SECRET_KEY_FILE=str(secret_file),
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["SECRET_KEY"] == SECRET


def test_it_refuses_to_start_in_production_without_a_secret_key(tmp_path: Path) -> None:
    # Given the production profile and no SECRET_KEY or SECRET_KEY_FILE
    # When the settings load
    result = _python(PRINT_SETTINGS_ARGS, tmp_path, CORRIDOR_PROFILE="production")
    # Then the process stops with a message naming what is missing
    assert result.returncode != 0
    assert "SECRET_KEY (or SECRET_KEY_FILE) must be set in production" in result.stderr
    assert result.stdout == ""


# --- the vault cookie and the session row -------------------------------------------------


@pytest.fixture
def worker_with_case(org: Org) -> tuple[Staff, Case]:
    worker = org.staff("worker", Role.CASEWORKER, ("North",))
    with keyring_activated(worker.keyring):
        case = case_create(
            actor_id=worker.user.pk, compartment=org.compartment("North"), full_name=CASE_NAME
        )
    return worker, case


@pytest.mark.django_db
def test_it_keeps_the_vault_cookie_from_scripts_and_other_sites(
    worker_with_case: tuple[Staff, Case], settings: Any
) -> None:
    # Given the production cookie setting
    settings.SESSION_COOKIE_SECURE = True
    worker, _case = worker_with_case
    # When the passphrase step opens the session's key
    response = Client().post(
        "/accounts/login/", {"username": worker.user.username, "passphrase": worker.passphrase}
    )
    # Then the browser's half of it is HttpOnly, SameSite=Strict and Secure
    assert response.status_code == 302
    cookie = response.cookies[COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["secure"] is True
    assert cookie["max-age"] == "" and cookie["expires"] == ""  # gone when the browser closes
    session_cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert session_cookie["httponly"] is True and session_cookie["samesite"] == "Strict"


@pytest.mark.django_db
def test_it_opens_nothing_with_the_session_row_alone(
    worker_with_case: tuple[Staff, Case],
) -> None:
    # Given a caseworker who is logged in and reads a case
    worker, case = worker_with_case
    browser = login(Client(), worker)
    assert CASE_NAME in browser.get(f"/cases/{case.pk}/").content.decode()
    session_key = browser.cookies[django_settings.SESSION_COOKIE_NAME].value
    row = Session.objects.get(session_key=session_key)
    # Then the row holds keys only encrypted: not the private key, not the compartment and
    # index keys it has opened, not the browser's secret
    decoded = json.dumps(row.get_decoded()).encode()
    compartment = Compartment.objects.get(name="North")
    secret = base64.urlsafe_b64decode(browser.cookies[COOKIE_NAME].value)
    for key in (
        worker.keyring.private_key,
        worker.keyring.compartment_key(compartment.pk, compartment.key_version),
        worker.keyring.index_key(compartment.pk, compartment.key_version),
        secret,
    ):
        for form in (key, base64.b64encode(key), base64.urlsafe_b64encode(key), key.hex().encode()):
            assert form not in row.session_data.encode() and form not in decoded
    assert {SESSION_KEY, KEYS_SESSION_KEY} <= set(row.get_decoded())
    # When someone holding the session store (but not the browser's cookie) replays the session
    thief = Client()
    thief.cookies[django_settings.SESSION_COOKIE_NAME] = session_key
    response = thief.get(f"/cases/{case.pk}/")
    listing = thief.get("/cases/")
    # Then they see no case data: the session is locked, ended, and sent to the login
    for attempt in (response, listing):
        assert CASE_NAME not in attempt.content.decode()
        assert attempt.status_code == 302 and attempt["Location"].startswith("/accounts/login/")
    assert not Session.objects.filter(session_key=session_key).exists()
    assert not StaffSession.objects.filter(session_key=session_key).exists()


@pytest.mark.django_db
def test_it_opens_nothing_with_a_forged_browser_half(
    worker_with_case: tuple[Staff, Case],
) -> None:
    # Given a logged-in session whose vault cookie is replaced by a guess
    worker, case = worker_with_case
    forger = login(Client(), worker)
    forger.cookies[COOKIE_NAME] = base64.urlsafe_b64encode(os.urandom(32)).decode()
    # When it asks for the case
    forged = forger.get(f"/cases/{case.pk}/")
    # Then it sees nothing and is sent to the login
    assert CASE_NAME not in forged.content.decode()
    assert forged.status_code == 302 and forged["Location"].startswith("/accounts/login/")
