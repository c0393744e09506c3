"""Encrypted fields, compartments, revocation and recovery, through the vault's own actions."""

from __future__ import annotations

import pytest
from django.db import connection

from conftest import Org
from corridor.accounts.roles import Role
from corridor.cases.actions import case_create
from corridor.cases.models import Case
from corridor.vault import crypto
from corridor.vault.actions import (
    RecoveryError,
    access_restore,
    membership_revoke,
    recovery_keyring,
    user_keys_unlock,
)
from corridor.vault.fields import index_digest, index_lookup
from corridor.vault.keyring import Keyring, NotAMember, VaultLocked, keyring_activated
from corridor.vault.models import KeyWrap

pytestmark = pytest.mark.django_db

MARKER = "Zelimkhan-Marker-4471"


def _make_case(org: Org, keyring: Keyring, compartment: str = "North") -> Case:
    with keyring_activated(keyring):
        return case_create(
            actor_id=keyring.user_id or org.admin.user.pk,
            compartment=org.compartment(compartment),
            full_name=MARKER,
            phone="+79280001122",
            notes="hides at his aunt's",
        )


def _fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def test_it_stores_only_ciphertext_and_opens_it_for_a_member(org: Org) -> None:
    worker = org.staff("worker", Role.CASEWORKER, ("North",))
    case = _make_case(org, worker.keyring)
    with connection.cursor() as cursor:
        cursor.execute("SELECT full_name_sealed, notes_sealed FROM cases_case")
        raw = b"".join(bytes(v) for v in cursor.fetchone())
    assert MARKER.encode() not in raw and b"aunt" not in raw
    with keyring_activated(worker.keyring):
        assert _fresh(case).full_name == MARKER
        assert _fresh(case).notes == "hides at his aunt's"


def test_it_refuses_to_open_without_a_keyring(org: Org) -> None:
    worker = org.staff("worker", Role.CASEWORKER, ("North",))
    case = _make_case(org, worker.keyring)
    with pytest.raises(VaultLocked):
        _ = _fresh(case).full_name


def test_it_keeps_a_non_member_out_even_with_the_database_and_their_own_passphrase(
    org: Org,
) -> None:
    # Given a caseworker of another compartment who can read every table
    member = org.staff("member", Role.CASEWORKER, ("North",))
    outsider = org.staff("outsider", Role.COORDINATOR, ("South",))
    case = _make_case(org, member.keyring)
    # When they unlock their own private key with their own passphrase
    own_key = user_keys_unlock(user_id=outsider.user.pk, passphrase=outsider.passphrase)
    keyring = Keyring(user_id=outsider.user.pk, private_key=own_key)
    # Then no wrap of the compartment key opens for them, through the ORM or by hand
    with keyring_activated(keyring), pytest.raises(NotAMember):
        _ = _fresh(case).full_name
    for wrap in KeyWrap.objects.filter(purpose="compartment", compartment=org.compartment("North")):
        with pytest.raises(crypto.DecryptionError):
            crypto.unseal(own_key, bytes(wrap.sealed_key))


def test_it_binds_a_ciphertext_to_its_row_and_field(org: Org) -> None:
    worker = org.staff("worker", Role.CASEWORKER, ("North",))
    first, second = _make_case(org, worker.keyring), _make_case(org, worker.keyring)
    # An attacker with write access swaps one person's notes into another row or field
    stolen = Case.objects.values_list("notes_sealed", flat=True).get(pk=first.pk)
    Case.objects.filter(pk=second.pk).update(notes_sealed=stolen)
    Case.objects.filter(pk=first.pk).update(location_sealed=stolen)
    with keyring_activated(worker.keyring):
        with pytest.raises(crypto.DecryptionError):
            _ = _fresh(second).notes
        with pytest.raises(crypto.DecryptionError):
            _ = _fresh(first).location


def test_it_separates_keyed_hashes_by_kind(org: Org) -> None:
    # Given one value hashed under two kinds with a compartment's index key
    north = org.compartment("North")
    at = {"compartment_id": north.pk, "version": north.key_version}
    with keyring_activated(org.admin.keyring):
        as_name = index_digest("name", "magomed", **at)
        as_handle = index_digest("handle", "magomed", **at)
        again = index_digest("name", "magomed", **at)
    # Then equal text under two kinds never gives equal digests (no cross-kind linking)
    assert as_name is not None and as_handle is not None
    assert as_name == again and as_name != as_handle


def test_it_finds_a_record_by_keyed_hash_without_storing_the_value(org: Org) -> None:
    worker = org.staff("worker", Role.CASEWORKER, ("North",))
    case = _make_case(org, worker.keyring)
    field = Case._meta.get_field("phone_index")
    with keyring_activated(worker.keyring):
        digests = field.lookup("+7 (928) 000-11-22")  # type: ignore[attr-defined]
        assert list(Case.objects.filter(phone_index__in=digests)) == [case]
    assert b"79280001122" not in bytes(_fresh(case).phone_index)


def test_it_rekeys_on_revocation_so_old_keys_open_nothing_new(org: Org) -> None:
    # Given two members, one of whom keeps a copy of the compartment key
    stays = org.staff("stays", Role.CASEWORKER, ("North",))
    leaves = org.staff("leaves", Role.CASEWORKER, ("North",))
    compartment = org.compartment("North")
    old_case = _make_case(org, stays.keyring)
    kept_key = leaves.keyring.compartment_key(compartment.pk, compartment.key_version)
    # When an administrator revokes the leaver
    rewrapped = membership_revoke(
        keyring=org.admin.keyring,
        actor_id=org.admin.user.pk,
        compartment=compartment,
        user_id=leaves.user.pk,
    )
    assert rewrapped == 2  # the case and its opening "request" transition
    new_case = _make_case(
        org, Keyring(user_id=stays.user.pk, private_key=stays.keyring.private_key)
    )
    # Then the leaver's wraps are gone and the kept key opens no stored data key
    assert not KeyWrap.objects.filter(user=leaves.user, compartment=compartment).exists()
    for case in (_fresh(old_case), _fresh(new_case)):
        with pytest.raises(crypto.DecryptionError):
            crypto.aead_decrypt(kept_key, bytes(case.wrapped_data_key), b"")
        aad = f"corridor|cases_case|{case.pk}|dek|{compartment.pk}|{case.key_version}".encode()
        with pytest.raises(crypto.DecryptionError):
            crypto.aead_decrypt(kept_key, bytes(case.wrapped_data_key), aad)
    fresh_leaver = Keyring(user_id=leaves.user.pk, private_key=leaves.keyring.private_key)
    with keyring_activated(fresh_leaver), pytest.raises(NotAMember):
        _ = _fresh(new_case).full_name
    # And the remaining member still reads old and new records
    with keyring_activated(Keyring(user_id=stays.user.pk, private_key=stays.keyring.private_key)):
        assert _fresh(old_case).full_name == MARKER
        assert _fresh(new_case).full_name == MARKER


def test_it_restores_access_from_threshold_shares_only(org: Org) -> None:
    worker = org.staff("worker", Role.CASEWORKER, ("North",))
    case = _make_case(org, worker.keyring)
    newcomer = org.staff("newcomer", Role.ADMIN)
    with pytest.raises(RecoveryError):
        recovery_keyring(org.shares[:1])
    with pytest.raises(RecoveryError):
        recovery_keyring([org.shares[0], org.shares[0]])
    recovery = recovery_keyring(org.shares[1:3])
    assert access_restore(recovery=recovery, user_id=newcomer.user.pk) == 1
    with keyring_activated(
        Keyring(user_id=newcomer.user.pk, private_key=newcomer.keyring.private_key)
    ):
        assert _fresh(case).full_name == MARKER


def test_it_refuses_a_wrong_passphrase(org: Org) -> None:
    from corridor.vault.actions import WrongPassphrase

    with pytest.raises(WrongPassphrase):
        user_keys_unlock(user_id=org.admin.user.pk, passphrase="not the passphrase at all")


def test_it_does_not_match_an_empty_index_value(org: Org) -> None:
    from django.test import Client

    from conftest import login

    worker = org.staff("worker", Role.CASEWORKER, ("North",))
    with keyring_activated(worker.keyring):
        case_create(
            actor_id=worker.user.pk,
            compartment=org.compartment("North"),
            full_name="No Phone Person",
        )
        case_create(
            actor_id=worker.user.pk,
            compartment=org.compartment("North"),
            full_name=MARKER,
            phone="+79280001122",
        )
    client = login(Client(), worker)
    body = client.post("/cases/", {"q": MARKER.lower()}).content.decode()
    assert MARKER in body and "No Phone Person" not in body
    body = client.post("/cases/", {"q": "8 928 000 11 22"}).content.decode()
    assert MARKER in body and "No Phone Person" not in body


def test_it_loads_a_deferred_field_without_losing_an_unsaved_write(org: Org) -> None:
    worker = org.staff("worker", Role.CASEWORKER, ("North",))
    case = _make_case(org, worker.keyring)
    with keyring_activated(worker.keyring):
        listed = Case.objects.only(*Case.LIST_FIELDS).get(pk=case.pk)
        listed.full_name = "Renamed"
        assert listed.notes == "hides at his aunt's"  # a deferred column, loaded now
        assert listed.full_name == "Renamed"
        listed.save()
        assert _fresh(case).full_name == "Renamed"
        assert _fresh(case).notes == "hides at his aunt's"


def test_it_saves_a_deferred_field_and_its_index(org: Org) -> None:
    worker = org.staff("worker", Role.CASEWORKER, ("North",))
    case = _make_case(org, worker.keyring)
    with keyring_activated(worker.keyring):
        partial = Case.objects.only(*Case.KEY_FIELDS).get(pk=case.pk)
        partial.notes = "moved to the shelter"
        partial.full_name = "Renamed Person"
        partial.save()
        assert _fresh(case).notes == "moved to the shelter"
        assert list(
            Case.objects.filter(name_index__in=index_lookup(Case, "name_index", "renamed person"))
        ) == [case]
        assert not Case.objects.filter(
            name_index__in=index_lookup(Case, "name_index", MARKER)
        ).exists()
