"""The attack of the adversarial review, replayed: a staff member's keys plus a database copy
must not turn the stored search hashes into a phone book (decision 0011).

The reviewer, a viewer just revoked from their only compartment, unwrapped the organisation's
single index key from a database copy with their own passphrase and brute-forced the phone
range: every case's phone, and the phones of people who wrote to the desk. Here the attacker
holds every key ever sealed to them and knows the algorithms (the code is public); the tests
brute-force a phone range against every digest the database stores.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from conftest import Org, Staff, login
from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.cases import search as case_search
from corridor.cases.actions import case_create
from corridor.cases.models import Case, CaseCrossTerm, CaseSearchTerm
from corridor.triage.linkage_adapter import LINKAGE_KIND
from corridor.triage.models import LinkageKey, SubmissionTerm, WatchEntry
from corridor.triage.tests.conftest import Desk
from corridor.vault import crypto
from corridor.vault.actions import membership_revoke, user_keys_unlock
from corridor.vault.crossindex import TERM_BYTES
from corridor.vault.keyring import keyring_activated
from corridor.vault.models import CrossIndex, KeyWrap, Organisation

SERVER_SECRET = "the server's own index secret, never in the database"
PREFIX = "+7928000"
RANGE = [f"{PREFIX}{n:04d}" for n in range(0, 1000)]
# Every kind under which the code hashes a phone (known to an attacker: the code is public)
PHONE_KINDS = [
    case_search.KIND_PHONE,
    "phone",
    "triage_term_phone",
    "triage_watch_phone",
]


def _stored_digests() -> set[bytes]:
    """Every keyed hash in a copy of the database."""
    found: set[bytes] = set()
    for pair in Case.objects.values_list("name_index", "phone_index"):
        found.update(bytes(d) for d in pair if d is not None)
    for model, column in (
        (CaseSearchTerm, "term"),
        (CaseCrossTerm, "term"),
        (SubmissionTerm, "digest"),
        (LinkageKey, "digest"),
        (WatchEntry, "digest"),
    ):
        found.update(bytes(d) for d in model.objects.values_list(column, flat=True))
    return found


def _keys_sealed_to(staff: Staff) -> list[bytes]:
    """Every key wrap of this user in the database now, opened with their own private key."""
    private = user_keys_unlock(user_id=staff.user.pk, passphrase=staff.passphrase)
    sealed = KeyWrap.objects.filter(user_id=staff.user.pk).values_list("sealed_key", flat=True)
    return [crypto.unseal(private, bytes(blob)) for blob in sealed]


def _candidates(phone: str, keys: list[bytes], secrets: list[bytes]) -> set[bytes]:
    """Every digest the attacker can make of `phone` with these keys: each key used directly
    (the old organisation-wide scheme) and as a compartment key under each guessed secret,
    with every kind the code uses, the linkage blocking key and the cross-check term."""
    messages = [kind.encode() + b"\x00" + phone.encode() for kind in PHONE_KINDS]
    messages.append(LINKAGE_KIND.encode() + b"\x00" + f"phone:{phone}".encode())
    index_keys = list(keys)
    for key in keys:
        index_keys += [crypto.index_key_derive(key, secret) for secret in secrets]
    found = {crypto.keyed_hash(k, m, 16) for k in index_keys for m in messages}
    for secret in secrets:
        inner = crypto.keyed_hash(secret, b"corridor|cross|phone\x00" + phone.encode(), TERM_BYTES)
        found |= {crypto.keyed_hash(k, b"corridor|cross-term|" + inner, 16) for k in index_keys}
    return found


def _brute_force(stored: set[bytes], keys: list[bytes], secrets: list[bytes]) -> set[str]:
    return {phone for phone in RANGE if _candidates(phone, keys, secrets) & stored}


def _secret(value: str) -> bytes:
    return crypto.digest(b"corridor|index-secret|" + value.encode("utf-8"))


def _cases(org: Org, staff: Staff, start: int, count: int) -> list[str]:
    phones = [f"{PREFIX}{n:04d}" for n in range(start, start + count)]
    with keyring_activated(staff.keyring):
        for n, phone in enumerate(phones):
            case_create(
                actor_id=staff.user.pk,
                compartment=org.compartment("North"),
                full_name=f"Person Number{start + n}",
                phone=phone,
            )
    return phones


def _requests_indexed(desk: Desk, start: int, count: int) -> list[str]:
    """Requests at the desk, opened (and so indexed and cross-checked) by a desk member."""
    phones = [f"{PREFIX}{n:04d}" for n in range(start, start + count)]
    for phone in phones:
        desk.submit(name="Someone Asking", contact=phone, message="help")
    assert login(Client(), desk.first).get("/triage/").status_code == 200
    return phones


@pytest.fixture
def secret(settings: Any) -> bytes:
    settings.CORRIDOR_INDEX_SECRET = SERVER_SECRET
    return _secret(SERVER_SECRET)


@pytest.mark.django_db
def test_it_gives_a_revoked_viewer_with_the_server_secret_no_phone_they_could_not_read(
    desk: Desk, secret: bytes
) -> None:
    # Given a viewer whose only compartment is North, cases in North, requests at the desk
    org = desk.org
    viewer = org.staff("viewer", Role.VIEWER, ("North",))
    before = _cases(org, desk.first, 0, 20)
    asked = _requests_indexed(desk, 500, 6)
    keys = _keys_sealed_to(viewer)  # every key ever sealed to them (the grant only)
    copy_before = _stored_digests()
    # When the viewer brute-forces the phone range on a copy taken while they were a member,
    # holding even the server's secret, they get North's phones (they could read those
    # cases anyway: this shows the attack works) but none of the desk's requests
    found = _brute_force(copy_before, keys, [secret])
    assert found == set(before)
    # When they are revoked, and cases and requests are written afterwards
    membership_revoke(
        keyring=org.admin.keyring,
        actor_id=org.admin.user.pk,
        compartment=org.compartment("North"),
        user_id=viewer.user.pk,
    )
    assert _keys_sealed_to(viewer) == []
    after = _cases(org, desk.first, 100, 20)
    asked += _requests_indexed(desk, 600, 6)
    # Then a copy taken now gives them nothing at all: North's terms were rebuilt under the
    # new key in the re-key, and nothing written since matches their old keys
    assert _brute_force(_stored_digests(), keys, [secret]) == set()
    assert not set(after) & found and not set(asked) & found


@pytest.mark.django_db
def test_it_gives_a_database_copy_and_a_members_keys_nothing_without_the_server_secret(
    desk: Desk, secret: bytes
) -> None:
    # Given a desk member who holds the desk and North (every key there is for this data)
    phones = _cases(desk.org, desk.first, 0, 20) + _requests_indexed(desk, 500, 6)
    keys = _keys_sealed_to(desk.first)
    stored = _stored_digests()
    # When they brute-force a database copy with their keys, guessing the demo secret or none
    guesses = [_secret(""), _secret("corridor-demo-index-secret-not-secret")]
    # Then no phone matches: the stored hashes are also keyed with the server's secret
    assert _brute_force(stored, keys, guesses) == set()
    # (and with the secret they would: the control that this test can fail)
    assert _brute_force(stored, keys, [secret]) == set(phones)


@pytest.mark.django_db
def test_it_gives_a_seized_server_with_no_one_logged_in_nothing(desk: Desk, secret: bytes) -> None:
    # Given the server's disk: the database and the index secret, but no member's keys (every
    # wrap is sealed to a user's or the recovery key's private half, which it does not hold)
    _cases(desk.org, desk.first, 0, 20)
    _requests_indexed(desk, 500, 6)
    stored = _stored_digests()
    # When the thief uses the secret itself, and every key stored in clear, as index keys
    in_clear = [
        bytes(Organisation.objects.get().recovery_public_key),
        bytes(CrossIndex.objects.get().public_key),
    ]
    # Then nothing matches
    assert _brute_force(stored, [secret, *in_clear], [secret]) == set()


@pytest.mark.django_db
def test_it_limits_and_audits_the_desks_cross_compartment_check(
    desk: Desk, secret: bytes, settings: Any
) -> None:
    # Given cases in North, which the coordinator at the desk does not hold, and a limit of 3
    settings.CORRIDOR_CROSSCHECK_PER_HOUR = 3
    phones = _cases(desk.org, desk.first, 0, 5)
    requests = [desk.submit(name="Asks Again", contact=phone, message="help") for phone in phones]
    browser = login(Client(), desk.coordinator)
    # When the coordinator opens the five requests
    pages = [browser.get(f"/triage/{r.pk}/").content.decode() for r in requests]
    # Then the first three name the compartment that holds the same phone, the other two are
    # refused with the reason and name nothing
    for page in pages[:3]:
        assert "Same phone as a case in the compartment" in page and "North" in page
    for page in pages[3:]:
        assert "limit of 3 such checks an hour" in page
        assert "Same phone as a case" not in page
    # And each check is audited once, however often the page is opened in the hour
    browser.get(f"/triage/{requests[0].pk}/")
    audited = AuditEntry.objects.filter(
        action="triage.crosscheck", actor_id=desk.coordinator.user.pk
    )
    assert sorted(audited.values_list("object_id", flat=True)) == sorted(
        str(r.pk) for r in requests[:3]
    )


@pytest.mark.django_db
def test_it_keeps_the_cross_check_working_after_the_desk_is_rekeyed(
    desk: Desk, secret: bytes
) -> None:
    # Given cases in North and a desk member who leaves the desk
    phones = _cases(desk.org, desk.first, 0, 3)
    leaver = desk.org.staff("leaver", Role.TRIAGE, ("Desk",))
    old_keys = _keys_sealed_to(leaver)
    request = desk.submit(name="Asks Once", contact=phones[0], message="help")
    first_page = login(Client(), desk.first).get(f"/triage/{request.pk}/").content.decode()
    assert "Same phone as a case" in first_page
    membership_revoke(
        keyring=desk.first.keyring,
        actor_id=desk.first.user.pk,
        compartment=desk.org.compartment("Desk"),
        user_id=leaver.user.pk,
    )
    # When a new request with the same phone arrives after the re-key
    again = desk.submit(name="Asks Twice", contact=phones[0], message="help")
    page = login(Client(), desk.second).get(f"/triage/{again.pk}/").content.decode()
    # Then the desk still finds the case, and the leaver's old desk key matches nothing
    assert "Same phone as a case in the compartment" in page
    assert _brute_force(_stored_digests(), old_keys, [secret]) == set()
