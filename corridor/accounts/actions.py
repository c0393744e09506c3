"""Staff account actions: small transactional writes, each with its audit entry."""

from __future__ import annotations

import secrets
import time
from datetime import timedelta

from django.contrib import auth
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from corridor.accounts.models import Invitation, LoginThrottle, StaffSession, User
from corridor.accounts.signals import duress_login
from corridor.audit.log import audit_record
from corridor.vault import crypto
from corridor.vault.actions import (
    WrongPassphrase,
    user_duress_matches,
    user_duress_set,
    user_keys_create,
    user_keys_rewrap,
    user_keys_throwaway,
    user_keys_unlock_with_recovery_code,
)
from corridor.vault.keyring import Keyring
from corridor.vault.session import vault_session_close, vault_session_open

INVITATION_LIFETIME = timedelta(days=3)
# Marks a session opened with the duress passphrase (decision 0026). The flag lives in the
# server half only; nothing sent to the browser differs from a real login's.
DURESS_SESSION_KEY = "_corridor_dr"
THROTTLE_FREE_FAILURES = 5
THROTTLE_MAX_DELAY = 15 * 60


class InvitationInvalid(Exception):
    """The invitation link is unknown, used or expired."""


class UsernameTaken(Exception):
    pass


class RecoveryRefused(Exception):
    """The username, recovery code or authenticator code of a recovery did not match."""


def staff_create(
    *, username: str, role: str, passphrase: str, actor_id: int | None
) -> tuple[User, bytes]:
    """A staff user with a key pair wrapped under the passphrase; returns the private key."""
    with transaction.atomic():
        if User.objects.filter(username__iexact=username).exists():
            raise UsernameTaken(username)
        try:
            user = User.objects.create_user(username=username, password=passphrase, role=role)
        except IntegrityError as exc:
            raise UsernameTaken(username) from exc
        private_key = user_keys_create(user_id=user.pk, passphrase=passphrase)
        audit_record(
            actor_id=actor_id, action="user.create", object_type="user", object_id=str(user.pk)
        )
    return user, private_key


def staff_passphrase_set(*, user: User, private_key: bytes, passphrase: str, action: str) -> None:
    """New passphrase: the login hash and the wrap of the same private key change together."""
    with transaction.atomic():
        user_keys_rewrap(user_id=user.pk, private_key=private_key, passphrase=passphrase)
        user.set_password(passphrase)
        user.save(update_fields=["password"])
        audit_record(actor_id=user.pk, action=action, object_type="user", object_id=str(user.pk))


def _token_hash(token: str) -> bytes:
    return crypto.digest(token.encode("ascii", "replace"))


def invitation_create(*, actor_id: int, role: str) -> tuple[Invitation, str]:
    """A one-time invitation; the token is returned once and only its hash is stored."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            token_hash=_token_hash(token),
            role=role,
            created_by_id=actor_id,
            expires_at=timezone.now() + INVITATION_LIFETIME,
        )
        audit_record(
            actor_id=actor_id,
            action="invitation.create",
            object_type="invitation",
            object_id=str(invitation.pk),
        )
    return invitation, token


def invitation_find(token: str) -> Invitation:
    invitation = Invitation.objects.filter(token_hash=_token_hash(token)).first()
    if invitation is None or not invitation.is_open():
        raise InvitationInvalid
    return invitation


def invitation_accept(*, token: str, username: str, passphrase: str) -> tuple[User, bytes]:
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update(no_key=True).get(
            pk=invitation_find(token).pk
        )
        if not invitation.is_open():
            raise InvitationInvalid
        user, private_key = staff_create(
            username=username, role=invitation.role, passphrase=passphrase, actor_id=None
        )
        invitation.used_by = user
        invitation.save(update_fields=["used_by"])
        audit_record(
            actor_id=user.pk,
            action="invitation.accept",
            object_type="invitation",
            object_id=str(invitation.pk),
        )
    return user, private_key


def session_start(
    request: HttpRequest, *, user: User, private_key: bytes, duress: bool = False
) -> None:
    """First factor done: log in (unverified) and hold the private key for this session."""
    auth.login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    vault_session_open(request, user_id=user.pk, private_key=private_key)
    if duress:
        request.session[DURESS_SESSION_KEY] = True
    request.session.save()
    StaffSession.objects.get_or_create(
        session_key=request.session.session_key, defaults={"user": user}
    )


def session_start_duress(request: HttpRequest, *, user: User) -> None:
    """First factor done with the duress passphrase: a session like any other, holding a
    throwaway private key that no wrap was sealed to, so it opens nothing (decision 0026)."""
    session_start(request, user=user, private_key=user_keys_throwaway(), duress=True)


def session_is_duress(request: HttpRequest) -> bool:
    return bool(request.session.get(DURESS_SESSION_KEY))


def session_verify(request: HttpRequest, *, device: TOTPDevice) -> None:
    """Second factor done: the session may now see data.

    For a duress session this is the moment of the silent response, in the same
    transaction as the login's entry: the `duress_login` receivers (the emergency app)
    destroy the user's keys and other sessions and alert the administrators and the
    coordinator on duty. No receiver, no login: a duress login must never just log in.
    """
    duress = session_is_duress(request)
    if duress and not duress_login.has_listeners():
        raise ImproperlyConfigured("no receiver for accounts.signals.duress_login")
    with transaction.atomic():
        if duress:
            user = User.objects.get(pk=device.user_id)
            duress_login.send(sender=User, user=user, session_key=request.session.session_key or "")
        audit_record(
            actor_id=device.user_id,
            action="session.login",
            object_type="user",
            object_id=str(device.user_id),
        )
    otp_login(request, device)


def duress_passphrase_set(*, user: User, passphrase: str) -> bool:
    """Set (or replace) the user's duress passphrase; False, changing nothing, if it is their
    real passphrase. Nothing else about the account changes (decision 0026)."""
    if user.check_password(passphrase):
        return False
    with transaction.atomic():
        user_duress_set(user_id=user.pk, passphrase=passphrase)
        audit_record(
            actor_id=user.pk, action="user.duress_set", object_type="user", object_id=str(user.pk)
        )
    return True


def age_recipient_set(*, user: User, recipient: str) -> None:
    """Register (or, with "", remove) the user's own age recipient; audited
    `user.age_recipient` (decision 0037). The caller has validated `recipient`."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(age_recipient=recipient)
        user.age_recipient = recipient
        audit_record(
            actor_id=user.pk,
            action="user.age_recipient",
            object_type="user",
            object_id=str(user.pk),
        )


def duress_passphrase_matches(*, user_id: int | None, passphrase: str) -> bool:
    """Whether this is the user's duress passphrase; always one Argon2id (a decoy if none)."""
    return user_duress_matches(user_id=user_id, passphrase=passphrase)


def session_end(request: HttpRequest) -> None:
    """Log out this session and destroy its server-side half of the key."""
    if request.session.session_key:
        StaffSession.objects.filter(session_key=request.session.session_key).delete()
    vault_session_close(request)
    auth.logout(request)


def sessions_end_all(*, user: User) -> int:
    """Destroy every session of `user`, everywhere (lost laptop, suspected compromise)."""
    with transaction.atomic():
        keys = list(StaffSession.objects.filter(user=user).values_list("session_key", flat=True))
        Session.objects.filter(session_key__in=keys).delete()
        StaffSession.objects.filter(user=user).delete()
        audit_record(
            actor_id=user.pk,
            action="session.logout_all",
            object_type="user",
            object_id=str(user.pk),
        )
    return len(keys)


def totp_device_for(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def totp_device_pending(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).first()


def totp_device_start(user: User) -> TOTPDevice:
    """An unconfirmed device with a fresh secret; replaces any earlier unconfirmed one."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def totp_verify(device: TOTPDevice, token: str) -> bool:
    """Check a code with django-otp's throttling and replay protection (a used code fails)."""
    token = "".join(token.split())
    if not token.isdigit():
        return False
    allowed, _details = device.verify_is_allowed()
    return bool(allowed) and bool(device.verify_token(token))


def _totp_consume_unthrottled(device: TOTPDevice, token: str) -> bool:
    """Check a code without django-otp's per-device failure counter, and use it up if right.

    A failure here counts nowhere on the device: the caller throttles per browser bucket. A
    right code moves `last_t` (by a conditional update, so two requests cannot both spend
    it) and clears the device's throttle, as django-otp's own success does.
    """
    token = "".join(token.split())
    if not token.isdigit() or len(token) != device.digits:
        return False
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if not totp.verify(int(token), device.tolerance, device.last_t + 1):
        return False
    spent = TOTPDevice.objects.filter(pk=device.pk, last_t__lt=totp.t()).update(
        last_t=totp.t(), throttling_failure_count=0, throttling_failure_timestamp=None
    )
    return spent == 1


def _recovery_kdf_decoy(recovery_code: str) -> None:
    """Spend the recovery KDF's time on a username that cannot recover, so the answer's
    timing does not tell which usernames exist."""
    from corridor.vault import actions as vault_actions

    crypto.passphrase_key(
        recovery_code,
        bytes(crypto.SALT_BYTES),
        vault_actions.RECOVERY_KDF_OPSLIMIT,
        vault_actions.RECOVERY_KDF_MEMLIMIT,
    )


def recovery_unlock(*, username: str, recovery_code: str, token: str) -> tuple[User, bytes]:
    """Prove a forgotten-passphrase request: the recovery kit first, then the authenticator.

    The form is open to anyone who knows a username, so nothing it does may count against
    the owner's device (T3): django-otp doubles a device's wait with every failure, and
    anonymous failures would refuse the owner's own codes for hours. The kit is checked
    first; the code only once the kit opened the private key, and then without the device's
    failure counter. The caller throttles failures per browser bucket. A recovery that
    succeeds clears the device's throttle, so an owner whose leaked passphrase was used to
    throttle the code step gets back in (decision 0012). Returns the user and private key.
    """
    user = User.objects.filter(username__iexact=username, is_active=True).first()
    device = totp_device_for(user) if user is not None else None
    if user is None or device is None:
        _recovery_kdf_decoy(recovery_code)
        raise RecoveryRefused
    try:
        private_key = user_keys_unlock_with_recovery_code(
            user_id=user.pk, recovery_code=recovery_code
        )
    except WrongPassphrase as exc:
        raise RecoveryRefused from exc
    if not _totp_consume_unthrottled(device, token):
        raise RecoveryRefused
    return user, private_key


def totp_device_confirm(*, device: TOTPDevice, token: str) -> bool:
    if not totp_verify(device, token):
        return False
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(
            actor_id=device.user_id,
            action="totp.enrol",
            object_type="user",
            object_id=str(device.user_id),
        )
    return True


# --- login throttling -------------------------------------------------------------------


def throttle_bucket(username: str, device_token: str | None, purpose: str = "login") -> bytes:
    """Failures of one form (`purpose`) for one username from one browser (its device cookie)
    or from every browser without one."""
    return crypto.digest(f"{purpose}|{username.casefold()}|{device_token or '-'}".encode())


def throttle_wait(bucket: bytes) -> int:
    """Seconds this bucket must still wait before another attempt is even checked."""
    row = LoginThrottle.objects.filter(bucket=bucket).first()
    if row is None or row.failures < THROTTLE_FREE_FAILURES or row.last_failure_at is None:
        return 0
    delay = min(2 ** (row.failures - THROTTLE_FREE_FAILURES), THROTTLE_MAX_DELAY)
    remaining = (row.last_failure_at + timedelta(seconds=delay) - timezone.now()).total_seconds()
    return max(0, int(remaining + 0.999))


def throttle_fail(bucket: bytes) -> None:
    with transaction.atomic():
        row, _created = LoginThrottle.objects.select_for_update(no_key=True).get_or_create(
            bucket=bucket
        )
        row.failures += 1
        row.last_failure_at = timezone.now()
        row.save(update_fields=["failures", "last_failure_at"])


def throttle_clear(bucket: bytes) -> None:
    LoginThrottle.objects.filter(bucket=bucket).delete()


def organisation_init(
    *, name: str, admin_username: str, admin_passphrase: str, threshold: int, shares: int
) -> tuple[User, list[str]]:
    """Set up a new server: organisation keys, recovery shares, and the first administrator.

    The recovery key is rebuilt from its own fresh shares, proving they work; it then leaves
    memory with this function. The audit signing key's public half is pinned first (decision
    0013): a pin naming another key stops the set-up before anything is created.
    """
    from corridor.accounts.roles import Role
    from corridor.audit.checkpoints import audit_key_pin
    from corridor.vault.actions import organisation_create, recovery_keyring

    audit_key_pin()
    with transaction.atomic():
        keys = organisation_create(name=name, threshold=threshold, shares=shares)
        admin, _private_key = staff_create(
            username=admin_username, role=Role.ADMIN, passphrase=admin_passphrase, actor_id=None
        )
        recovery_keyring(keys.recovery_shares[:threshold])
    return admin, keys.recovery_shares


def staff_role_change(*, actor_id: int, user: User, role: str) -> None:
    with transaction.atomic():
        user.role = role
        user.save(update_fields=["role"])
        audit_record(
            actor_id=actor_id, action="user.role", object_type="user", object_id=str(user.pk)
        )


def staff_deactivate(*, keyring: Keyring, actor_id: int, user: User) -> list[str]:
    """Shut a staff member out at once (arrest, coercion, departure) (T3).

    Ends every session, destroys all their key wraps, and re-keys each compartment they were
    in whose key the acting administrator holds. Returns the names of compartments that still
    need a re-key by one of their members (the wraps are gone either way).
    """
    from corridor.vault.actions import membership_revoke
    from corridor.vault.models import KeyWrap, Membership

    pending = []
    with transaction.atomic():
        user.is_active = False
        user.save(update_fields=["is_active"])
        sessions_end_all(user=user)
        for membership in Membership.objects.filter(user=user).select_related("compartment"):
            compartment = membership.compartment
            if keyring.may_open(compartment.pk, compartment.key_version):
                membership_revoke(
                    keyring=keyring, actor_id=actor_id, compartment=compartment, user_id=user.pk
                )
            else:
                pending.append(compartment.name)
                membership.delete()
        KeyWrap.objects.filter(user=user).delete()
        audit_record(
            actor_id=actor_id, action="user.deactivate", object_type="user", object_id=str(user.pk)
        )
    return pending
