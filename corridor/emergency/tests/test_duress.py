"""The duress passphrase, rehearsed: a forced login that opens nothing and alerts silently
(T3; decision 0026). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client

from conftest import Org, Staff, login
from corridor.accounts.models import StaffSession
from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.cases.actions import case_create
from corridor.cases.models import Case
from corridor.emergency.models import DuressAlert
from corridor.tasks.actions import duty_set
from corridor.vault.actions import _vault_models, user_keys_unlock
from corridor.vault.keyring import Keyring, NotAMember, keyring_activated, record_data_key
from corridor.vault.models import KeyWrap, Membership, VaultRecord

DURESS = "a second passphrase only for the worst day"
CASE_NAME = "Duresstest Personname"


def _duress_set(client: Client, staff: Staff, passphrase: str = DURESS) -> Any:
    response = client.get("/accounts/me/duress/")
    if response.status_code == 302:  # re-authentication first
        client.post(
            "/accounts/reauth/?next=/accounts/me/duress/",
            {"passphrase": staff.passphrase, "token": staff.code()},
        )
    return client.post(
        "/accounts/me/duress/", {"passphrase": passphrase, "passphrase2": passphrase}
    )


def _login(client: Client, staff: Staff, passphrase: str) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        "/accounts/login/", {"username": staff.user.username, "passphrase": passphrase}
    )
    assert response.status_code == 302, response.content[:500]
    assert response["Location"] == "/accounts/login/code/"
    response = client.post("/accounts/login/code/", {"token": staff.code()})
    assert response.status_code == 302 and response["Location"] == "/", response
    return client


def _opens(user_id: int, private_key: bytes, record: VaultRecord) -> bool:
    with keyring_activated(Keyring(user_id=user_id, private_key=private_key)):
        try:
            record_data_key(type(record)._default_manager.get(pk=record.pk))
        except NotAMember:
            return False
    return True


@pytest.fixture
def team(org: Org) -> dict[str, Any]:
    worker = org.staff("worker", Role.CASEWORKER, ("Duressland",))
    coordinator = org.staff("coord", Role.COORDINATOR, ("Duressland",))
    other_coordinator = org.staff("coord-else", Role.COORDINATOR, ("Elsewhere",))
    with keyring_activated(worker.keyring):
        case = case_create(
            actor_id=worker.user.pk, compartment=org.compartment("Duressland"), full_name=CASE_NAME
        )
    duty_set(
        actor_id=coordinator.user.pk,
        compartment=org.compartment("Duressland"),
        user_id=coordinator.user.pk,
    )
    return {"worker": worker, "coord": coordinator, "else": other_coordinator, "case": case}


def test_it_sets_a_duress_passphrase_after_reauth_and_changes_nothing_else(
    org: Org, team: dict[str, Any]
) -> None:
    # Given a logged-in caseworker
    worker: Staff = team["worker"]
    client = login(Client(), worker)
    wraps = set(KeyWrap.objects.filter(user=worker.user).values_list("pk", "sealed_key"))
    password = worker.user.password
    # When they open the duress screen without a fresh re-authentication
    response = Client().get("/accounts/me/duress/")
    assert response.status_code == 302
    client.session.pop("_reauth_at", None)
    # Then setting their real passphrase as the duress one is refused, with a message
    response = _duress_set(client, worker, worker.passphrase)
    assert response.status_code == 200
    assert "The duress passphrase must be a different one" in response.content.decode()
    assert not AuditEntry.objects.filter(action="user.duress_set").exists()
    # And a different one is set, audited, and nothing else about the account changed
    response = _duress_set(client, worker)
    assert response.status_code == 302 and response["Location"] == "/accounts/me/"
    assert AuditEntry.objects.filter(action="user.duress_set").count() == 1
    worker.user.refresh_from_db()
    assert worker.user.password == password
    assert set(KeyWrap.objects.filter(user=worker.user).values_list("pk", "sealed_key")) == wraps
    assert user_keys_unlock(user_id=worker.user.pk, passphrase=worker.passphrase)
    # And the real login still works and opens the case
    assert CASE_NAME in login(Client(), worker).get(f"/cases/{team['case'].pk}/").content.decode()
    # And the passphrase cannot later be changed to the duress one
    client.post(
        "/accounts/reauth/?next=/accounts/me/passphrase/",
        {"passphrase": worker.passphrase, "token": worker.code()},
    )
    response = client.post(
        "/accounts/me/passphrase/", {"passphrase": DURESS, "passphrase2": DURESS}
    )
    assert response.status_code == 200
    assert "This is your duress passphrase" in response.content.decode()
    worker.user.refresh_from_db()
    assert worker.user.password == password


def test_it_logs_in_with_the_duress_passphrase_into_an_empty_account_and_destroys_the_keys(
    org: Org, team: dict[str, Any]
) -> None:
    # Given a caseworker with a duress passphrase and a real session open elsewhere
    worker: Staff = team["worker"]
    case: Case = team["case"]
    _duress_set(login(Client(), worker), worker)
    elsewhere = login(Client(), worker)
    private_key = user_keys_unlock(user_id=worker.user.pk, passphrase=worker.passphrase)
    assert _opens(worker.user.pk, private_key, case)
    before_sessions = StaffSession.objects.filter(user=worker.user).count()
    assert before_sessions == 2
    # When they are forced to log in, and type the duress passphrase and a valid code
    forced = _login(Client(), worker, DURESS)
    # Then it looks like an ordinary login into an account that holds nothing
    for path in ("/", "/cases/", "/tasks/", "/accounts/me/", "/shelters/"):
        response = forced.get(path)
        assert response.status_code == 200, path
        page = response.content.decode()
        assert CASE_NAME not in page and "Duressland" not in page, path
        assert "duress" not in page.replace("Duress passphrase", "").lower().replace(
            "/accounts/me/duress/", ""
        ), path
    assert forced.get(f"/cases/{case.pk}/").status_code == 404
    assert forced.post("/cases/", {"q": CASE_NAME}).status_code == 200
    # And at that moment every key wrap and membership of theirs is gone, and every other
    # session with its server half (this one holds only a throwaway key)
    assert not KeyWrap.objects.filter(user=worker.user).exists()
    assert not Membership.objects.filter(user=worker.user).exists()
    assert list(
        StaffSession.objects.filter(user=worker.user).values_list("session_key", flat=True)
    ) == [forced.session.session_key]
    assert elsewhere.get("/cases/")["Location"].startswith("/accounts/login/")
    # And the real passphrase afterwards opens nothing either
    real = login(Client(), worker)
    page = real.get("/cases/").content.decode()
    assert CASE_NAME not in page
    assert real.get(f"/cases/{case.pk}/").status_code == 404
    # And a copy of the database with the user's own private key opens none of it
    assert not _opens(worker.user.pk, private_key, case)
    keyring = Keyring(user_id=worker.user.pk, private_key=private_key)
    with keyring_activated(keyring):
        for model in _vault_models():
            for record in model._default_manager.all():
                with pytest.raises(NotAMember):
                    record_data_key(record)
    # And the colleagues still open the case
    assert _opens(team["coord"].user.pk, team["coord"].keyring.private_key, case)


def test_it_alerts_the_admins_and_the_coordinator_on_duty_never_the_person_at_the_keyboard(
    org: Org, team: dict[str, Any]
) -> None:
    # Given a caseworker with a duress passphrase in a compartment with a coordinator on duty
    worker: Staff = team["worker"]
    _duress_set(login(Client(), worker), worker)
    # When they are forced to log in with it
    forced = _login(Client(), worker, DURESS)
    # Then one alert is raised, for the administrator and the coordinator on duty
    alert = DuressAlert.objects.get()
    assert set(alert.addressed_to.values_list("pk", flat=True)) == {
        org.admin.user.pk,
        team["coord"].user.pk,
    }
    assert list(alert.compartments.values_list("name", flat=True)) == ["Duressland"]
    for staff in (org.admin, team["coord"]):
        client = login(Client(), staff)
        home = client.get("/").content.decode()
        assert 'href="/emergency/alerts/">Staff alerts <span class="badge warn">1</span>' in home
        page = client.get("/emergency/alerts/").content.decode()
        assert "worker" in page and "duress passphrase" in page
    # And not for a coordinator of another compartment
    other = login(Client(), team["else"])
    assert "worker" not in other.get("/emergency/alerts/").content.decode()
    # And the duress session sees no alert, no badge, nothing in its pages mentioning it
    for path in ("/", "/cases/", "/tasks/", "/accounts/me/"):
        page = forced.get(path).content.decode()
        assert "Staff alerts" not in page and "badge" not in page, path
        assert "someone may be forcing" not in page, path
    # And the audit chain records it, for administrators, and stays intact
    assert AuditEntry.objects.filter(
        action="emergency.duress", object_id=str(worker.user.pk)
    ).exists()
    audit_page = login(Client(), org.admin).get("/audit/").content.decode()
    assert "emergency.duress" in audit_page
    assert forced.get("/audit/").status_code == 403
    call_command("audit_checkpoint")
    call_command("audit_verify")


def test_it_alerts_a_coordinator_under_duress_and_their_admin_view_shows_nothing(
    org: Org, team: dict[str, Any]
) -> None:
    # Given the coordinator on duty, with a duress passphrase, and a colleague's earlier alert
    coordinator: Staff = team["coord"]
    worker: Staff = team["worker"]
    _duress_set(login(Client(), worker), worker)
    _login(Client(), worker, DURESS)
    _duress_set(login(Client(), coordinator), coordinator)
    # When the coordinator is forced to log in with it
    forced = _login(Client(), coordinator, DURESS)
    # Then their alert goes to the administrator only (with nobody left on duty, to every
    # coordinator member: there is none), and their own pages show no alert at all
    alert = DuressAlert.objects.get(user=coordinator.user)
    assert list(alert.addressed_to.values_list("pk", flat=True)) == [org.admin.user.pk]
    page = forced.get("/emergency/alerts/").content.decode()
    assert "No alerts." in page and "worker" not in page
    assert forced.get("/tasks/alerts/").status_code == 200


def test_it_refuses_every_write_of_a_duress_session_like_an_account_without_the_right(
    org: Org, team: dict[str, Any]
) -> None:
    # Given a coordinator's duress session
    coordinator: Staff = team["coord"]
    _duress_set(login(Client(), coordinator), coordinator)
    forced = _login(Client(), coordinator, DURESS)
    viewer = login(Client(), org.staff("viewer", Role.VIEWER))
    # When it posts to views that write
    writes = [
        ("/cases/new/", {"full_name": "Planted person", "compartment": 1}),
        ("/accounts/me/passphrase/", {"passphrase": "x" * 20, "passphrase2": "x" * 20}),
        ("/accounts/me/duress/", {"passphrase": "y" * 20, "passphrase2": "y" * 20}),
        (f"/tasks/duty/{org.compartment('Duressland').pk}/", {"user": coordinator.user.pk}),
        ("/shelters/new/", {"name": "x"}),
    ]
    entries = AuditEntry.objects.count()
    for path, data in writes:
        response = forced.post(path, data)
        # Then each is refused with the page any account without the right gets
        assert response.status_code == 403, path
        assert response.content == viewer.post("/audit/checkpoint/").content
    # And nothing was written but the reads
    assert AuditEntry.objects.count() == entries
    assert not Case.objects.exclude(pk=team["case"].pk).exists()
    # And a re-authentication with the duress passphrase works, then the write is refused
    response = forced.post(
        "/accounts/reauth/?next=/accounts/me/passphrase/",
        {"passphrase": DURESS, "token": coordinator.code()},
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/me/passphrase/"
    assert forced.post("/accounts/me/passphrase/", {"passphrase": "z" * 20}).status_code == 403
    assert forced.post("/accounts/logout/").status_code == 302
    assert not Session.objects.filter(session_key=forced.session.session_key).exists()


def test_it_refuses_a_wrong_passphrase_for_users_with_and_without_duress(
    org: Org, team: dict[str, Any]
) -> None:
    # Given a caseworker with a duress passphrase and a coordinator without one
    _duress_set(login(Client(), team["worker"]), team["worker"])
    for staff in (team["worker"], team["coord"]):
        # When someone types a wrong passphrase
        client = Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = client.post(
            "/accounts/login/", {"username": staff.user.username, "passphrase": "wrong guess"}
        )
        # Then the login refuses it as always, and no duress response ran
        assert response.status_code == 200
        assert "Wrong username or passphrase." in response.content.decode()
    assert not DuressAlert.objects.exists()
    assert KeyWrap.objects.filter(user=team["worker"].user).exists()
    # And the duress passphrase without the second factor destroys nothing yet
    client = Client()
    client.post("/accounts/login/", {"username": "worker", "passphrase": DURESS})
    response = client.post("/accounts/login/code/", {"token": "000000"})
    assert response.status_code == 200
    assert KeyWrap.objects.filter(user=team["worker"].user).exists()
    assert not DuressAlert.objects.exists()
