"""The demo organisation that `make run` loads, built through the app's own actions.

Demo passphrases and TOTP secrets are printed for newcomers; they exist only in a demo
database, and `demo_setup` refuses to run in the production profile.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from corridor.accounts.actions import organisation_init, staff_create
from corridor.accounts.models import User
from corridor.accounts.roles import Role
from corridor.cases.crosscheck import cross_sources_fill
from corridor.cases.models import Case
from corridor.demo.documentation import demo_documentation_build
from corridor.demo.evidence import demo_evidence_build
from corridor.demo.intake import demo_intake_build
from corridor.demo.pipeline import demo_pipeline_build
from corridor.vault.actions import compartment_create, user_recovery_kit_issue
from corridor.vault.keyring import Keyring, keyring_activated
from corridor.vault.models import Compartment

DEMO_STAFF = [
    ("admin", Role.ADMIN, "demo admin passphrase 2017"),
    ("coordinator", Role.COORDINATOR, "demo coordinator passphrase"),
    ("caseworker", Role.CASEWORKER, "demo caseworker passphrase"),
    ("triage", Role.TRIAGE, "demo triage desk passphrase"),
    ("lawyer", Role.LAWYER, "demo lawyer passphrase 2017"),
    ("viewer", Role.VIEWER, "demo viewer passphrase 2017"),
]
COMPARTMENTS = {
    "North Caucasus evacuations": ["coordinator", "caseworker", "lawyer", "viewer"],
    "Moscow shelter": ["coordinator", "caseworker"],
    "Intake triage": ["coordinator", "triage"],
    "Documentation": ["lawyer"],
}


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    passphrase: str
    totp_secret: str
    otpauth_uri: str


def demo_create() -> list[str]:
    """Create the demo organisation; returns the recovery shares (printed once)."""
    with transaction.atomic():
        admin_name, _role, admin_pass = DEMO_STAFF[0]
        admin, shares = organisation_init(
            name="Demo network (fictional data)",
            admin_username=admin_name,
            admin_passphrase=admin_pass,
            threshold=2,
            shares=3,
        )
        from corridor.vault.actions import user_keys_unlock

        keyrings = {
            admin_name: Keyring(
                user_id=admin.pk,
                private_key=user_keys_unlock(user_id=admin.pk, passphrase=admin_pass),
            )
        }
        for username, role, passphrase in DEMO_STAFF[1:]:
            user, private_key = staff_create(
                username=username, role=role, passphrase=passphrase, actor_id=admin.pk
            )
            keyrings[username] = Keyring(user_id=user.pk, private_key=private_key)
        for username, keyring in keyrings.items():
            user = User.objects.get(username=username)
            user_recovery_kit_issue(user_id=user.pk, private_key=keyring.private_key)
            TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
        # The administrator names each compartment's members and joins none (decision 0012).
        for name, members in COMPARTMENTS.items():
            member_ids = list(
                User.objects.filter(username__in=members).values_list("pk", flat=True)
            )
            compartment_create(actor_id=admin.pk, name=name, member_ids=member_ids)
        north = Compartment.objects.get(name="North Caucasus evacuations")
        shelter_compartment = Compartment.objects.get(name="Moscow shelter")
        with keyring_activated(keyrings["coordinator"]):
            demo_pipeline_build(north=north, shelter_compartment=shelter_compartment)
            written_again = Case.objects.exclude(phone_index=None).order_by("created_at").first()
            known = (written_again.full_name, written_again.phone) if written_again else None
        with keyring_activated(keyrings["lawyer"]):
            demo_documentation_build(
                documentation=Compartment.objects.get(name="Documentation"), north=north
            )
            demo_evidence_build(documentation=Compartment.objects.get(name="Documentation"))
        with keyring_activated(keyrings["triage"]):
            demo_intake_build(
                desk_compartment=Compartment.objects.get(name="Intake triage"), known=known
            )
        # Cases written before the desk opened join its cross-compartment check through a
        # member of their compartment (what `manage.py index_rebuild` does in production).
        for keyring in keyrings.values():
            cross_sources_fill(keyring)
        _demo_release(User.objects.get(username="coordinator").pk)
    return shares


def _demo_release(coordinator_id: int) -> None:
    """One published release of the year's figures, as the 2017 network published its own
    (decision 0030): half of the year's privacy budget, all four tables."""
    from corridor.figures.actions import release_prepare, release_publish
    from corridor.figures.tables import TABLES

    this_month = timezone.localdate().replace(day=1)
    release = release_prepare(
        actor_id=coordinator_id,
        first_month=this_month.replace(month=1),
        last_month=this_month,
        tables=list(TABLES),
        epsilon=0.5,
    )
    release_publish(actor_id=coordinator_id, release_id=release.pk)


def demo_logins() -> list[DemoLogin]:
    logins = []
    for username, role, passphrase in DEMO_STAFF:
        device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
        if device is None:
            continue
        secret = base64.b32encode(device.bin_key).decode("ascii")
        logins.append(DemoLogin(username, str(role), passphrase, secret, device.config_url))
    return logins
