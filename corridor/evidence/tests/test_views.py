"""Role matrix of the evidence screens: lawyers who are members see them; other lawyers get
404; coordinators, caseworkers, triage and viewers get 403, even as members (decision 0020)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from conftest import login
from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.evidence.tests.conftest import consented_package


@pytest.fixture
def records(desk):
    return consented_package(
        desk,
        anonymised=True,
        with_testimony=True,
        item={
            "pieces": [b"jpeg"],
            "title": "Bruises photo",
            "original_name": "a.jpg",
            "media_type": "image/jpeg",
            "received_from": "Sister Marker",
            "received_how": "in_person",
        },
    )


def _urls(item, package):
    return ["/evidence/", f"/evidence/items/{item.pk}/", f"/evidence/packages/{package.pk}/"]


def test_the_member_lawyer_sees_the_trail_and_the_redacted_preview(desk, records):
    item, package = records
    client = login(Client(), desk.lawyer)
    home = client.get("/evidence/")
    assert home.status_code == 200 and "Bruises photo" in home.content.decode()
    page = client.get(f"/evidence/items/{item.pk}/").content.decode()
    assert "Sister Marker" in page and "The custody trail is intact" in page
    preview = client.get(f"/evidence/packages/{package.pk}/").content.decode()
    assert "Victim One" not in preview and "Person A" in preview  # anonymised consent
    assert "cannot be redacted" in preview  # the file refused, with the reason
    assert AuditEntry.objects.filter(action="evidence_item.read", object_id=str(item.pk)).exists()


def test_it_shows_the_public_key_the_command_prints(desk, records):
    # The key a court is sent is the one the page shows and `evidence_pubkey` prints
    out = io.StringIO()
    call_command("evidence_pubkey", stdout=out)
    page = login(Client(), desk.lawyer).get("/evidence/").content.decode()
    assert out.getvalue().startswith("untrusted comment: minisign public key ")
    assert f'<pre id="public-key">{out.getvalue()}</pre>' in page


@pytest.mark.parametrize(
    "role", [Role.ADMIN, Role.COORDINATOR, Role.CASEWORKER, Role.TRIAGE, Role.VIEWER]
)
def test_other_roles_are_refused_even_as_members(desk, records, role):
    other = desk.org.staff(f"u-{role}", role, ("Documentation",))
    client = login(Client(), other)
    for url in _urls(*records):
        assert client.get(url).status_code == 403, url


def test_a_lawyer_of_another_compartment_gets_404(desk, records):
    other = desk.org.staff("other-lawyer", Role.LAWYER, ("North",))
    client = login(Client(), other)
    item, package = records
    assert client.get("/evidence/").status_code == 200
    assert "Bruises photo" not in client.get("/evidence/").content.decode()
    assert client.get(f"/evidence/items/{item.pk}/").status_code == 404
    assert client.get(f"/evidence/packages/{package.pk}/").status_code == 404


def test_anonymous_is_sent_to_log_in(records):
    for url in _urls(*records):
        assert Client().get(url).status_code in (302, 403)
