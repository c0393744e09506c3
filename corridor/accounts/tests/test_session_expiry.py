"""Sessions do not outlive their idle timeout on the server (T2, finding 8 of issue 9).

The attack: a laptop is seized with its `corridor_vk` cookie after its user walked away, and
later the session store. The row and the cookie together would open the private key and the
compartment keys the session had opened. Every test moves time by ageing the stored rows
(their recorded `_last_seen` and the time they were written), never by sleeping.
"""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db.models import F
from django.http import HttpRequest
from django.test import Client

from conftest import Org, Staff, login
from corridor.accounts.middleware import LAST_SEEN_KEY
from corridor.accounts.models import StaffSession
from corridor.accounts.roles import Role
from corridor.cases.actions import case_create
from corridor.cases.models import Case
from corridor.tasks.management.commands import work as work_command
from corridor.vault.keyring import Keyring, keyring_activated
from corridor.vault.session import COOKIE_NAME, KEYS_SESSION_KEY, SESSION_KEY, vault_session_keyring

pytestmark = pytest.mark.django_db

CASE_NAME = "Expiry Testperson Karimova"


@pytest.fixture
def worker_with_case(org: Org) -> tuple[Staff, Case]:
    worker = org.staff("worker", Role.CASEWORKER, ("North",))
    with keyring_activated(worker.keyring):
        case = case_create(
            actor_id=worker.user.pk, compartment=org.compartment("North"), full_name=CASE_NAME
        )
    return worker, case


def _session_key(client: Client) -> str:
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


def _age(session_key: str, seconds: float) -> None:
    """Move one stored session `seconds` into the past: its recorded activity, if it has any,
    and the time its row was last written (the backend stores that as the expiry date)."""
    store = SessionStore(session_key)
    if LAST_SEEN_KEY in store.load():
        store[LAST_SEEN_KEY] -= seconds
        store.save()
    Session.objects.filter(session_key=session_key).update(
        expire_date=F("expire_date") - timedelta(seconds=seconds)
    )


def _thief_keyring(staff: Staff, session_key: str, cookie: str) -> Keyring | None:
    """What the holder of the seized cookie and the current session row can rebuild: the
    keyring, exactly as corridor.vault.session does it for a request (they know whose it is)."""
    request = HttpRequest()
    request.session = SessionStore(session_key)  # the row as it is in the database now
    request.COOKIES[COOKIE_NAME] = cookie
    request.user = staff.user
    return vault_session_keyring(request)


def _thief_reads(keyring: Keyring, case: Case) -> str:
    with keyring_activated(keyring):
        return str(Case.objects.get(pk=case.pk).full_name)


def _key_material_left() -> list[str]:
    """Session rows still holding a server half of some key."""
    store = SessionStore()
    return [
        row.session_key
        for row in Session.objects.all()
        if {SESSION_KEY, KEYS_SESSION_KEY} & set(store.decode(row.session_data))
    ]


def _work_once() -> str:
    out = StringIO()
    call_command("work", "--once", stdout=out)
    return out.getvalue()


IDLE = django_settings.CORRIDOR_IDLE_TIMEOUT


def test_it_destroys_the_server_half_of_an_idle_session_in_the_workers_pass(
    worker_with_case: tuple[Staff, Case],
) -> None:
    # Given a caseworker who read a case, then walked away from the laptop
    worker, case = worker_with_case
    laptop = login(Client(), worker)
    assert CASE_NAME in laptop.get(f"/cases/{case.pk}/").content.decode()
    session_key, cookie = _session_key(laptop), laptop.cookies[COOKIE_NAME].value
    saved_row = Session.objects.get(session_key=session_key).session_data
    assert {SESSION_KEY, KEYS_SESSION_KEY} <= set(SessionStore().decode(saved_row))
    # and the idle timeout passed (by 31 s: the middleware records activity every 30 s)
    _age(session_key, IDLE + 31)
    # When, before the worker's pass, someone holding the seized cookie reads the row
    keyring = _thief_keyring(worker, session_key, cookie)
    # Then the attack works: this is what the pass must prevent
    assert keyring is not None and _thief_reads(keyring, case) == CASE_NAME
    # When the worker's pass runs
    report = _work_once()
    # Then the current row and the same cookie open nothing: no key material is left
    assert _thief_keyring(worker, session_key, cookie) is None
    assert not Session.objects.filter(session_key=session_key).exists()
    assert not StaffSession.objects.filter(session_key=session_key).exists()
    assert _key_material_left() == []
    assert "sessions ended: 1" in report
    # and the laptop, if it comes back, is sent to the login
    response = laptop.get(f"/cases/{case.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_it_keeps_a_session_that_is_not_yet_idle(worker_with_case: tuple[Staff, Case]) -> None:
    # Given a caseworker idle for just under the timeout
    worker, case = worker_with_case
    laptop = login(Client(), worker)
    _age(_session_key(laptop), IDLE - 30)
    # When the worker's pass runs
    report = _work_once()
    # Then they are still logged in and read the case
    assert CASE_NAME in laptop.get(f"/cases/{case.pk}/").content.decode()
    assert "sessions ended: 0" in report


def test_it_removes_the_sessions_of_browsers_that_never_came_back(
    worker_with_case: tuple[Staff, Case],
) -> None:
    # Given a browser that logged in and never came back, one that stopped after the
    # passphrase step (it holds the key, not yet the second factor), a StaffSession whose
    # session row was removed by other means, and a colleague working right now
    worker, case = worker_with_case
    gone = login(Client(), worker)
    half = Client()
    assert (
        half.post(
            "/accounts/login/", {"username": "worker", "passphrase": worker.passphrase}
        ).status_code
        == 302
    )
    orphan = login(Client(), worker)
    active = login(Client(), worker)
    stale = [_session_key(gone), _session_key(half)]
    assert all(SESSION_KEY in SessionStore(key).load() for key in stale)
    for key in stale:
        _age(key, IDLE + 31)
    Session.objects.filter(session_key=_session_key(orphan)).delete()
    # When the worker's pass runs
    report = _work_once()
    # Then their session and StaffSession rows are gone, and only the working one is left
    assert set(Session.objects.values_list("session_key", flat=True)) == {_session_key(active)}
    assert set(StaffSession.objects.values_list("session_key", flat=True)) == {_session_key(active)}
    assert CASE_NAME in active.get(f"/cases/{case.pk}/").content.decode()
    assert "sessions ended: 2" in report


def test_it_removes_sessions_past_their_expiry_even_when_not_idle(
    worker_with_case: tuple[Staff, Case], settings: Any
) -> None:
    # Given an idle timeout longer than the session age, and two sessions written 13 and
    # 11 hours ago (the session age is 12 hours)
    settings.CORRIDOR_IDLE_TIMEOUT = 2 * 24 * 3600
    worker, _case = worker_with_case
    expired, alive = login(Client(), worker), login(Client(), worker)
    _age(_session_key(expired), 13 * 3600)
    _age(_session_key(alive), 11 * 3600)
    # When the worker's pass runs
    report = _work_once()
    # Then the expired one is gone, with its StaffSession row, and the other stays
    assert set(Session.objects.values_list("session_key", flat=True)) == {_session_key(alive)}
    assert set(StaffSession.objects.values_list("session_key", flat=True)) == {_session_key(alive)}
    assert "sessions ended: 1" in report


def test_it_ends_idle_sessions_every_half_minute_whatever_the_interval(
    worker_with_case: tuple[Staff, Case], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a worker looping with an hour between passes over tasks, and a session 20 s
    # before its idle timeout
    worker, _case = worker_with_case
    laptop = login(Client(), worker)
    session_key, cookie = _session_key(laptop), laptop.cookies[COOKIE_NAME].value
    _age(session_key, IDLE - 20)
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        # time passes while the worker sleeps: every stored session grows older
        sleeps.append(seconds)
        for key in Session.objects.values_list("session_key", flat=True):
            _age(key, seconds)
        if len(sleeps) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(work_command.time, "sleep", sleep)
    monkeypatch.setattr(work_command, "close_old_connections", lambda: None)
    passes: list[int] = []
    work_once = work_command.work_once

    def counted_work_once() -> Any:
        passes.append(1)
        return work_once()

    monkeypatch.setattr(work_command, "work_once", counted_work_once)
    out = StringIO()
    # When it runs until its second sleep
    call_command("work", "--interval", "3600", stdout=out)
    # Then it woke after 30 s, not an hour, and ended the session then; the tasks waited
    assert _thief_keyring(worker, session_key, cookie) is None
    assert not Session.objects.filter(session_key=session_key).exists()
    assert sleeps == [30.0, 30.0] and len(passes) == 1
    assert "sessions ended: 1" in out.getvalue()


def test_it_destroys_the_server_half_at_the_request_that_finds_the_session_idle(
    worker_with_case: tuple[Staff, Case],
) -> None:
    # Given a caseworker idle past the timeout, whose cookie has been copied
    worker, case = worker_with_case
    laptop = login(Client(), worker)
    session_key, cookie = _session_key(laptop), laptop.cookies[COOKIE_NAME].value
    _age(session_key, IDLE + 31)
    # When the browser comes back before the worker's pass
    response = laptop.get(f"/cases/{case.pk}/")
    # Then it is logged out, and the old row with its server half is already gone
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert CASE_NAME not in response.content.decode()
    assert not Session.objects.filter(session_key=session_key).exists()
    assert not StaffSession.objects.filter(session_key=session_key).exists()
    assert _thief_keyring(worker, session_key, cookie) is None
    assert _key_material_left() == []


def test_it_times_out_a_browser_that_stopped_after_the_passphrase(
    worker_with_case: tuple[Staff, Case],
) -> None:
    # Given a browser that did the passphrase step and then nothing past the idle timeout
    worker, _case = worker_with_case
    browser = Client()
    response = browser.post(
        "/accounts/login/", {"username": "worker", "passphrase": worker.passphrase}
    )
    assert response.status_code == 302
    session_key = _session_key(browser)
    _age(session_key, IDLE + 31)
    # When it comes back for the second factor
    response = browser.get("/accounts/login/code/")
    # Then the idle clock had started at the login: it is logged out and its key destroyed
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not Session.objects.filter(session_key=session_key).exists()
    assert _key_material_left() == []


def test_it_does_not_let_a_request_in_flight_write_an_ended_session_back(
    worker_with_case: tuple[Staff, Case],
) -> None:
    # Given an idle session that a request had loaded (with its key) just before the pass
    worker, _case = worker_with_case
    laptop = login(Client(), worker)
    session_key, cookie = _session_key(laptop), laptop.cookies[COOKIE_NAME].value
    _age(session_key, IDLE + 31)
    in_flight = SessionStore(session_key)
    assert SESSION_KEY in in_flight.load()
    in_flight[LAST_SEEN_KEY] = in_flight[LAST_SEEN_KEY] + 1
    # When the worker's pass ends the session, and then that request saves its session
    _work_once()
    with pytest.raises(UpdateError):
        in_flight.save()
    # Then the row stays gone: the key does not come back
    assert not Session.objects.filter(session_key=session_key).exists()
    assert _thief_keyring(worker, session_key, cookie) is None
