"""The role matrix of every view: who may, who may not, and what a non-member of the
compartment, an anonymous visitor and a half-logged-in user (no second factor) get.

The matrix is a table (`MATRIX` for staff views, `PUBLIC` for the views reachable without a
login). `test_it_has_a_matrix_row_for_every_named_view` walks the URL resolver and fails on
any view missing from the table, so a new view cannot land without stating who may use it.

Logins go through the real views once per module: one member of the "North" compartment and
one outsider (member of "South" only) per role, all inside one outer transaction that each
test nests in and rolls back to, so a test may log out, revoke or re-key freely.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from conftest import Staff, login, org_build
from corridor.accounts.models import Invitation, StaffSession, User
from corridor.accounts.roles import Role
from corridor.audit.models import AuditCheckpoint, AuditEntry
from corridor.cases.actions import case_create
from corridor.linkage import READING_VERSION
from corridor.vault import actions as vault_actions
from corridor.vault.keyring import keyring_activated
from corridor.vault.models import Compartment, Membership
from matrix_rows import MODULES
from matrix_support import ADMIN, ALL, CASE_NAME, NEW_COMPARTMENT, ROLES, PublicRow, Row, World


def _north(world: World) -> dict[str, Any]:
    return {"compartment_id": world.north.pk}


def _key_version(world: World) -> int:
    return Compartment.objects.get(pk=world.north.pk).key_version


def _spare(world: World) -> dict[str, Any]:
    return {"user_id": world.spare_member.user.pk}


def _spare_now(world: World) -> User:
    return User.objects.get(pk=world.spare_member.user.pk)


# A public key made by the stock age-keygen (its identity was thrown away), other than the
# one the reports rows register for every coordinator.
MATRIX_AGE_RECIPIENT = "age1jmw8a5mvr8k46tqryyuhas4zxjavtcg62vj0q4kham3cslup7vuswwdedm"

MATRIX: list[Row] = [
    Row("core:home", "GET", ALL),
    # The logged-in user's own account
    Row("accounts:reauth", "GET", ALL),
    Row("accounts:reauth", "POST", ALL),  # empty form: shown again with errors
    Row("accounts:security", "GET", ALL),
    Row(
        "accounts:logout_all",
        "POST",
        ALL,
        status=302,
        location=lambda w: r"/accounts/login/",
        effect=lambda w, s: not StaffSession.objects.filter(user=s.user).exists(),
    ),
    Row("accounts:passphrase_change", "GET", ALL),
    Row("accounts:passphrase_change", "POST", ALL),  # empty form: shown again with errors
    Row("accounts:duress_passphrase", "GET", ALL),
    Row("accounts:duress_passphrase", "POST", ALL),  # empty form: shown again with errors
    Row("accounts:age_key", "GET", ALL),
    Row(
        "accounts:age_key",
        "POST",
        ALL,
        status=302,
        data=lambda w: {"age_recipient": MATRIX_AGE_RECIPIENT},
        location=lambda w: r"/accounts/me/",
        effect=lambda w, s: User.objects.filter(
            pk=s.user.pk, age_recipient=MATRIX_AGE_RECIPIENT
        ).exists(),
    ),
    # Content-free e-mail notices (no mail server configured in the matrix: nothing is sent)
    Row("notices:settings", "GET", ALL),
    Row("notices:settings", "POST", ALL),  # shown again: no mail server to send through
    Row("notices:test", "POST", ALL, status=302, location=lambda w: r"/notices/"),
    Row("notices:clear", "POST", ALL, status=302, location=lambda w: r"/notices/"),
    # Administration of staff and keys
    Row("accounts:staff", "GET", ADMIN),
    Row("accounts:invite", "GET", ADMIN),
    Row(
        "accounts:invite",
        "POST",
        ADMIN,
        data=lambda w: {"role": "viewer"},
        effect=lambda w, s: Invitation.objects.exists(),
    ),
    Row("accounts:staff_member", "GET", ADMIN, kwargs=_spare),
    Row(
        "accounts:staff_role",
        "POST",
        ADMIN,
        status=302,
        kwargs=_spare,
        data=lambda w: {"role": "coordinator"},
        location=lambda w: rf"/accounts/staff/{w.spare_member.user.pk}/",
        effect=lambda w, s: _spare_now(w).role == "coordinator",
    ),
    Row("accounts:staff_deactivate", "GET", ADMIN, kwargs=_spare),  # the confirming page
    Row(
        "accounts:staff_deactivate",
        "POST",
        ADMIN,
        status=302,
        kwargs=_spare,
        data=lambda w: {"username": w.spare_member.user.username},
        location=lambda w: rf"/accounts/staff/{w.spare_member.user.pk}/",
        effect=lambda w, s: not _spare_now(w).is_active,
    ),
    Row("accounts:compartments", "GET", ADMIN),
    Row(
        "accounts:compartments",
        "POST",
        ADMIN,
        status=302,
        data=lambda w: {"name": NEW_COMPARTMENT, "members": [w.spare_member.user.pk]},
        location=lambda w: r"/accounts/compartments/",
        effect=lambda w, s: Membership.objects.filter(
            compartment__name=NEW_COMPARTMENT, user=w.spare_member.user
        ).exists(),
    ),
    Row(
        "accounts:compartment_hashes_rebuild",
        "POST",
        ALL,  # any member: it re-hashes what the member may already read (decision 0045)
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=_north,
        location=lambda w: r"/",
        effect=lambda w, s: (
            Compartment.objects.get(pk=w.north.pk).hashes_reading == READING_VERSION
            and AuditEntry.objects.filter(
                action="vault.index_rebuild", object_id=str(w.north.pk), actor_id=s.user.pk
            ).exists()
        ),
    ),
    Row("accounts:compartment", "GET", ADMIN, kwargs=_north),
    Row("accounts:compartment", "POST", ADMIN, kwargs=_north),  # renders; writes nothing
    Row(
        "accounts:member_grant",
        "POST",
        ADMIN,
        status=302,
        # An administrator who holds no key of the compartment cannot pass it on.
        outsider_effect=False,
        kwargs=_north,
        data=lambda w: {"user": w.spare_outsider.user.pk},
        location=lambda w: rf"/accounts/compartments/{w.north.pk}/",
        effect=lambda w, s: Membership.objects.filter(
            compartment=w.north, user=w.spare_outsider.user
        ).exists(),
    ),
    Row(
        "accounts:member_revoke",
        "POST",
        ADMIN,
        status=302,
        outsider_effect=False,  # and cannot re-key it
        kwargs=lambda w: {"compartment_id": w.north.pk, "user_id": w.spare_member.user.pk},
        location=lambda w: rf"/accounts/compartments/{w.north.pk}/",
        effect=lambda w, s: _key_version(w) > 1,
    ),
    # Audit
    Row("audit:log", "GET", ADMIN),
    Row(
        "audit:checkpoint",
        "POST",
        ADMIN,
        status=302,
        location=lambda w: r"/audit/",
        effect=lambda w, s: AuditCheckpoint.objects.exists(),
    ),
    Row("audit:export", "GET", ADMIN),
]
for _module in MODULES:
    MATRIX += _module.ROWS


PUBLIC: list[PublicRow] = [
    PublicRow("accounts:login", "GET", 200),
    PublicRow("accounts:login", "POST", 200),  # empty form: shown again with errors
    PublicRow("accounts:login_otp", "GET", 302, location="/accounts/login/"),
    PublicRow("accounts:logout", "POST", 302, location="/accounts/login/"),
    PublicRow("accounts:invite_accept", "GET", 404, kwargs={"token": "no-such-invitation"}),
    PublicRow("accounts:enrol_totp", "GET", 302, location="/accounts/login/"),
    PublicRow("accounts:recover", "GET", 200),
    PublicRow("accounts:recover", "POST", 200),  # empty form: shown again with errors
    PublicRow(
        "set_language",
        "POST",
        302,
        data={"language": "en", "next": "/accounts/login/"},
        location="/accounts/login/",
    ),
]

for _module in MODULES:
    PUBLIC += getattr(_module, "PUBLIC_ROWS", [])


def _named_views(resolver: URLResolver, prefix: str = "") -> list[tuple[str, str]]:
    """(namespaced name, route) of every URL pattern, recursively; unnamed ones as ("", route)."""
    found: list[tuple[str, str]] = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            found += _named_views(pattern, namespace)
        elif isinstance(pattern, URLPattern):
            name = f"{prefix}{pattern.name}" if pattern.name else ""
            found.append((name, str(pattern.pattern)))
    return found


# --- the module's world: one org, a member and an outsider per role, each logged in once -----


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    cheap = override_settings(
        CORRIDOR_KDF_OPSLIMIT=1,
        CORRIDOR_KDF_MEMLIMIT=8192,
        PASSWORD_HASHERS=["corridor.accounts.tests.hashers.CheapArgon2PasswordHasher"],
    )
    with django_db_blocker.unblock(), cheap, pytest.MonkeyPatch.context() as patch:
        patch.setattr(vault_actions, "RECOVERY_KDF_OPSLIMIT", 1)
        patch.setattr(vault_actions, "RECOVERY_KDF_MEMLIMIT", 8192)
        with transaction.atomic():
            yield _world_build()
            transaction.set_rollback(True)


def _world_build() -> World:

    org = org_build(name="Matrix network", admin_username="founder")
    staff: dict[tuple[str, bool], Staff] = {}
    for role in ROLES:
        staff[(role, True)] = org.staff(f"{role}-in", role, ("North",))
        staff[(role, False)] = org.staff(f"{role}-out", role, ("South",))
    north, south = org.compartment("North"), org.compartment("South")
    # As a database an older reading of names built (decision 0045): North offers a rebuild.
    Compartment.objects.filter(pk=north.pk).update(hashes_reading=0)
    worker = staff[("caseworker", True)]
    with keyring_activated(worker.keyring):
        case = case_create(actor_id=worker.user.pk, compartment=north, full_name=CASE_NAME)
    cookies = {key: login(Client(), member).cookies for key, member in staff.items()}
    half = org.staff("half-logged-in", Role.ADMIN, ("North",))
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": half.user.username, "passphrase": half.passphrase}
    )
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/code/")
    world = World(
        org=org,
        staff=staff,
        cookies=cookies,
        unverified=client.cookies,
        north=north,
        south=south,
        case=case,
        spare_member=org.staff("spare-in", Role.VIEWER, ("North",)),
        spare_outsider=org.staff("spare-out", Role.VIEWER),
    )
    for module in MODULES:
        if hasattr(module, "build"):
            module.build(world)
    return world


@pytest.fixture(autouse=True)
def _signing_key(settings: Any) -> None:
    settings.CORRIDOR_AUDIT_SIGNING_KEY = "ab" * 32  # never the key file in var/


def _send(client: Client, method: str, path: str, data: dict[str, Any]) -> Any:
    return client.post(path, data) if method == "POST" else client.get(path, data)


# --- completeness -------------------------------------------------------------------------


def test_it_has_a_matrix_row_for_every_named_view() -> None:
    # Given every URL pattern the project serves
    patterns = _named_views(get_resolver())
    # Then each has a name, and each name has rows in the matrix (staff) or PUBLIC
    unnamed = [route for name, route in patterns if not name]
    assert not unnamed, f"URL patterns without a name cannot be in the role matrix: {unnamed}"
    covered = {row.name for row in MATRIX} | {row.name for row in PUBLIC}
    missing = sorted({name for name, _route in patterns} - covered)
    assert not missing, f"views without a role-matrix row in tests/test_role_matrix.py: {missing}"
    stale = sorted(covered - {name for name, _route in patterns})
    assert not stale, f"matrix rows for views that no longer exist: {stale}"


def test_it_marks_exactly_the_public_rows_public(world: World, db: None) -> None:
    # Given the views the matrix says anyone may reach, and those it says need a staff login
    for row in PUBLIC:
        view = resolve(reverse(row.name, kwargs=row.kwargs)).func
        # Then only the first are exempt from the staff gate
        assert getattr(view, "corridor_public", False), f"{row.name} is not marked @public"
    for staff_row in MATRIX:
        view = resolve(staff_row.path(world)).func
        assert not getattr(view, "corridor_public", False), f"{staff_row.name} is public"


@pytest.mark.parametrize("name", sorted({row.name for row in MATRIX}))
def test_it_refuses_methods_not_in_the_matrix(world: World, db: None, name: str) -> None:
    # Given a verified administrator who is a member of every compartment the row is about
    rows = [row for row in MATRIX if row.name == name]
    client = world.client("admin", True)
    path = rows[0].path(world)
    # When they use a method the matrix does not list
    for method in {"GET", "POST"} - {row.method for row in rows}:
        # Then the view refuses it before doing anything
        assert _send(client, method, path, {}).status_code == 405, (name, method)


# --- the matrix ---------------------------------------------------------------------------


def _expected(row: Row, role: str, member: bool) -> tuple[int, bool]:
    if role not in row.roles:
        return 403, False
    if member:
        return row.status, True
    return row.outsider_status or row.status, row.outsider_effect


MATRIX_CASES = [
    pytest.param(row, role, member, id=f"{row.id}-{role}-{'member' if member else 'outsider'}")
    for row in MATRIX
    for role in ROLES
    for member in (True, False)
]


@pytest.mark.parametrize(("row", "role", "member"), MATRIX_CASES)
def test_it_allows_and_refuses_by_role_and_compartment(
    world: World, db: None, row: Row, role: str, member: bool
) -> None:
    # Given a verified staff member of `role`, inside or outside the "North" compartment
    staff = world.staff[(role, member)]
    client = world.client(role, member)
    if row.effect is not None:
        assert not row.effect(world, staff), "the effect must not hold before the request"
    # When they call the view
    response = _send(client, row.method, row.path(world), row.data(world))
    # Then the matrix decides the status, and whether the action took effect
    status, takes_effect = _expected(row, role, member)
    assert response.status_code == status, response.content[:300]
    if status == 302 and row.location is not None:
        assert re.fullmatch(row.location(world), response["Location"]), response["Location"]
    if row.effect is not None:
        assert row.effect(world, staff) is takes_effect
    if row.shows is not None and status == 200:
        seen = member and role not in row.hides_from
        assert (row.shows(world) in response.content.decode()) is seen, (role, member)


@pytest.mark.parametrize("row", MATRIX, ids=[row.id for row in MATRIX])
def test_it_sends_anonymous_visitors_to_the_login(world: World, db: None, row: Row) -> None:
    # Given a browser with no session
    client = Client()
    path = row.path(world)
    # When it calls a staff view
    response = _send(client, row.method, path, row.data(world))
    # Then it is sent to the login, and nothing happened
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?{urlencode({'next': path})}"
    if row.effect is not None:
        assert not row.effect(world, world.staff[("admin", True)])


@pytest.mark.parametrize("row", MATRIX, ids=[row.id for row in MATRIX])
def test_it_sends_users_without_second_factor_to_the_code_step(
    world: World, db: None, row: Row
) -> None:
    # Given an administrator who entered the passphrase but not yet the TOTP code
    client = Client()
    client.cookies = copy.deepcopy(world.unverified)
    # When they call a staff view
    response = _send(client, row.method, row.path(world), row.data(world))
    # Then they are sent to the code step, and nothing happened
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/code/"
    if row.effect is not None:
        assert not row.effect(world, world.staff[("admin", True)])


@pytest.mark.parametrize("row", PUBLIC, ids=[row.id for row in PUBLIC])
def test_it_lets_anyone_reach_the_public_views(db: None, row: PublicRow) -> None:
    # Given a browser with no session (which names the page a form was posted from)
    client = Client(HTTP_ORIGIN="http://testserver")
    path = reverse(row.name, kwargs=row.kwargs)
    # When it calls a public view
    response = _send(client, row.method, path, row.data)
    # Then the view itself answers (not the staff gate's redirect to the login)
    assert response.status_code == row.status
    if row.location is not None:
        assert response["Location"] == row.location
    if row.name == "set_language":
        assert response.cookies["corridor_lang"].value == "en"
