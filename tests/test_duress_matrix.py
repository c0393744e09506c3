"""Every view of the role matrix, called from a duress session of each role (decision 0026):
nothing of the organisation is shown, and every write is refused as to an account without
the right, writing nothing."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from test_role_matrix import MATRIX, _send, _signing_key, world

from corridor.accounts.actions import duress_passphrase_set
from corridor.audit.models import AuditEntry
from matrix_support import CASE_NAME, ROLES, World

__all__ = ["_signing_key", "world"]

DURESS = "a second passphrase only for the worst day"
# Views a duress session may post to: they write nothing of the organisation.
POST_ALLOWED = {"accounts:reauth", "accounts:logout_all", "cases:list"}


def _duress_client(world: World, role: str) -> Client:
    staff = world.org.staff(f"{role}-forced", role, ("North", "South"))
    assert duress_passphrase_set(user=staff.user, passphrase=DURESS)
    client = Client()
    client.cookies["corridor_lang"] = "en"
    response = client.post(
        "/accounts/login/", {"username": staff.user.username, "passphrase": DURESS}
    )
    assert response.status_code == 302
    response = client.post("/accounts/login/code/", {"token": staff.code()})
    assert response.status_code == 302 and response["Location"] == "/"
    return client


@pytest.mark.parametrize("role", ROLES)
def test_it_shows_a_duress_session_nothing_and_lets_it_change_nothing(
    world: World, db: None, role: str
) -> None:
    # Given a member of both compartments, of `role`, logged in with the duress passphrase
    client = _duress_client(world, role)
    secrets = [CASE_NAME, "North", "South", "Matrix network", "founder", "spare-in"]
    for row in MATRIX:
        path = row.path(world)
        if row.method == "GET":
            # When it opens any page of the matrix
            response = client.get(path, row.data(world))
            # Then it gets an ordinary answer that holds nothing of the organisation
            assert response.status_code in (200, 302, 403, 404), (row.id, response.status_code)
            page = response.content.decode()
            for secret in secrets:
                assert not re.search(re.escape(secret), page), (row.id, secret)
            continue
        if row.name in POST_ALLOWED:
            continue
        # When it posts to a view that writes
        if row.effect is not None:
            assert not row.effect(world, world.staff[(role, True)])
        entries = AuditEntry.objects.count()
        response = _send(client, "POST", path, row.data(world))
        # Then it is refused like any account without the right, and nothing happened
        assert response.status_code == 403, (row.id, response.status_code)
        assert AuditEntry.objects.count() == entries, row.id
        if row.effect is not None:
            assert not row.effect(world, world.staff[(role, True)]), row.id
