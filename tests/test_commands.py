"""The management commands an operator runs: init_org, recover_access, demo_setup, demo_totp."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import Org
from corridor.accounts.actions import staff_create
from corridor.accounts.models import User
from corridor.accounts.roles import Role
from corridor.cases.actions import case_create
from corridor.cases.models import Case
from corridor.demo.build import DEMO_STAFF
from corridor.vault.actions import compartment_create, user_keys_unlock
from corridor.vault.keyring import Keyring, NotAMember, keyring_activated
from corridor.vault.models import Compartment, KeyWrap, Membership, Organisation

pytestmark = pytest.mark.django_db

ADMIN_PASSPHRASE = "the founding administrator passphrase"
CASE_NAME = "Command Testperson Dzhabrailov"
SHARE = re.compile(r"^Share (\d+):\n((?:[a-z]+ )+[a-z]+)$", re.MULTILINE)


def _run(*args: str, **options: object) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def _init_org(tmp_path: Path, threshold: int = 2, shares: int = 3) -> list[str]:
    passphrase_file = tmp_path / "passphrase.txt"
    passphrase_file.write_text(ADMIN_PASSPHRASE + "\n", encoding="utf-8")
    output = _run(
        "init_org",
        name="Command network",
        admin="founder",
        threshold=threshold,
        shares=shares,
        passphrase_file=passphrase_file,
    )
    assert f"any {threshold} of these {shares}" in output
    return [words for _number, words in SHARE.findall(output)]


def _keyring(username: str, passphrase: str) -> Keyring:
    user = User.objects.get(username=username)
    return Keyring(
        user_id=user.pk, private_key=user_keys_unlock(user_id=user.pk, passphrase=passphrase)
    )


def _read_name(keyring: Keyring, case: Case) -> str:
    with keyring_activated(keyring):
        return str(Case.objects.get(pk=case.pk).full_name)


def test_it_initialises_the_organisation_with_k_of_n_shares(tmp_path: Path) -> None:
    # When init_org runs with a passphrase file
    shares = _init_org(tmp_path, threshold=3, shares=5)
    # Then it prints n SLIP-39 shares (33 words each for a 256-bit key) and the administrator
    assert len(shares) == 5
    assert all(len(share.split()) == 33 for share in shares)
    assert len(set(shares)) == 5
    assert User.objects.get(username="founder").role == Role.ADMIN
    assert Organisation.objects.get().recovery_threshold == 3
    _keyring("founder", ADMIN_PASSPHRASE)  # the passphrase from the file opens the key pair


def test_it_refuses_to_initialise_twice(tmp_path: Path) -> None:
    # Given an initialised server
    _init_org(tmp_path)
    # When init_org runs again
    with pytest.raises(CommandError, match="already has an organisation"):
        _init_org(tmp_path)
    # Then nothing was added
    assert Organisation.objects.count() == 1
    assert User.objects.count() == 1


def test_it_refuses_a_short_administrator_passphrase(tmp_path: Path) -> None:
    passphrase_file = tmp_path / "short.txt"
    passphrase_file.write_text("too short\n", encoding="utf-8")
    with pytest.raises(CommandError, match="14"):  # the message is in the active language
        _run("init_org", name="N", admin="founder", passphrase_file=passphrase_file)
    assert not Organisation.objects.exists()


@pytest.fixture
def recoverable(tmp_path: Path) -> tuple[list[str], Case, User]:
    """An organisation, a case its administrator wrote, and a user X who cannot read it."""
    shares = _init_org(tmp_path)
    admin = _keyring("founder", ADMIN_PASSPHRASE)
    assert admin.user_id is not None
    compartment = compartment_create(
        actor_id=admin.user_id, name="North", member_ids=[admin.user_id]
    )
    with keyring_activated(admin):
        case = case_create(
            actor_id=admin.user_id or 0, compartment=compartment, full_name=CASE_NAME
        )
    x, _private = staff_create(
        username="x", role=Role.CASEWORKER, passphrase="x passphrase for tests", actor_id=None
    )
    with pytest.raises(NotAMember):
        _read_name(_keyring("x", "x passphrase for tests"), case)
    return shares, case, x


def test_it_restores_access_from_k_shares(
    recoverable: tuple[list[str], Case, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given k = 2 of the 3 shares on standard input
    shares, case, x = recoverable
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{shares[2]}\n{shares[0]}\n\n"))
    # When recover_access runs for X
    output = _run("recover_access", user="x")
    # Then X decrypts the case someone else created
    assert "Access restored for x: 1 compartments" in output
    assert _read_name(_keyring("x", "x passphrase for tests"), case) == CASE_NAME
    assert Membership.objects.filter(user=x).count() == 1


def test_it_refuses_recovery_from_k_minus_one_shares(
    recoverable: tuple[list[str], Case, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given only k - 1 = 1 share on standard input
    shares, case, x = recoverable
    wraps = KeyWrap.objects.count()
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{shares[1]}\n"))
    # When recover_access runs for X
    with pytest.raises(CommandError, match="did not rebuild the recovery key"):
        _run("recover_access", user="x")
    # Then nothing changed: X still reads nothing
    assert KeyWrap.objects.count() == wraps
    assert not Membership.objects.filter(user=x).exists()
    with pytest.raises(NotAMember):
        _read_name(_keyring("x", "x passphrase for tests"), case)


def test_it_refuses_recovery_for_an_unknown_user(
    recoverable: tuple[list[str], Case, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    shares, _case, _x = recoverable
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(shares[:2])))
    with pytest.raises(CommandError, match="No such user"):
        _run("recover_access", user="nobody")


def _counts() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Compartment.objects.count(),
        Case.objects.count(),
        TOTPDevice.objects.count(),
        KeyWrap.objects.count(),
        Organisation.objects.count(),
    )


def test_it_creates_the_demo_once_and_prints_every_login() -> None:
    # When demo_setup runs on an empty database
    first = _run("demo_setup")
    counts = _counts()
    # The photograph has its working copy; the medical record (text) a note why not
    from corridor.evidence.models import EvidenceItem

    assert set(EvidenceItem.objects.values_list("working_media_type", "working_note")) == {
        ("image/jpeg", ""),
        ("", "not_image"),
    }
    # Then each demo user's passphrase, TOTP secret and otpauth URI are printed
    for username, _role, passphrase in DEMO_STAFF:
        assert re.search(rf"^  {username}\s+role \w+\s+passphrase: {passphrase}$", first, re.M)
        secret = TOTPDevice.objects.get(user__username=username).config_url
        assert secret in first
    assert len(re.findall(r"TOTP secret: [A-Z2-7]{32}$", first, re.M)) == len(DEMO_STAFF)
    assert len(re.findall(r"otpauth://totp/\S+secret=[A-Z2-7]+", first)) == len(DEMO_STAFF)
    # When it runs again
    second = _run("demo_setup")
    # Then nothing is duplicated and the logins are printed again
    assert _counts() == counts
    assert "Demo organisation created" in first and "Demo organisation created" not in second
    assert second.count("otpauth://") == len(DEMO_STAFF)


def test_it_prints_a_demo_code_that_logs_in() -> None:
    # Given the demo
    _run("demo_setup")
    username, _role, passphrase = next(s for s in DEMO_STAFF if s[0] == "caseworker")
    # When demo_totp prints the caseworker's current code
    code = _run("demo_totp", username).strip()
    assert re.fullmatch(r"\d{6}", code)
    # Then that code completes the caseworker's login, and they see the demo cases
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "passphrase": passphrase})
    assert response.status_code == 302
    response = client.post("/accounts/login/code/", {"token": code})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "Магомадов" in client.get("/cases/").content.decode()


def test_it_never_runs_the_demo_in_production(settings: object) -> None:
    settings.PRODUCTION = True  # type: ignore[attr-defined]
    with pytest.raises(CommandError, match="never runs in the production profile"):
        _run("demo_setup")
    assert not Organisation.objects.exists()


def test_it_opens_the_intake_desk_for_a_member_only(org: Org, tmp_path: Path) -> None:
    from corridor.intake.models import IntakeKey, intake_desk

    # Given a triage member of the desk compartment, and a caseworker who is not a member
    member = org.staff("desk-member", Role.TRIAGE, ("Intake",))
    outsider = org.staff("not-desk", Role.CASEWORKER, ("North",))
    for staff in (member, outsider):
        (tmp_path / staff.user.username).write_text(staff.passphrase, encoding="utf-8")
    # When the outsider, or the member with a wrong passphrase, tries to open the desk
    with pytest.raises(CommandError, match="member"):
        _run(
            "intake_open",
            compartment="Intake",
            user="not-desk",
            passphrase_file=tmp_path / "not-desk",
        )
    (tmp_path / "wrong").write_text("not the passphrase at all", encoding="utf-8")
    with pytest.raises(CommandError, match="Wrong passphrase"):
        _run(
            "intake_open",
            compartment="Intake",
            user="desk-member",
            passphrase_file=tmp_path / "wrong",
        )
    assert intake_desk() is None
    # Then the member opens it, with its first intake key encrypted in the desk compartment
    output = _run(
        "intake_open",
        compartment="Intake",
        user="desk-member",
        passphrase_file=tmp_path / "desk-member",
    )
    assert "/help/" in output
    desk = intake_desk()
    assert desk is not None and desk.compartment == org.compartment("Intake")
    assert IntakeKey.objects.get(active=True).compartment_id == desk.compartment_id
    # And a second opening is refused
    with pytest.raises(CommandError, match="already exists"):
        _run(
            "intake_open",
            compartment="Intake",
            user="desk-member",
            passphrase_file=tmp_path / "desk-member",
        )
