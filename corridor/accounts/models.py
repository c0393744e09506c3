"""Staff accounts: who may log in, with which role, and how they got here."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.utils import timezone

from corridor.accounts.roles import DURESS_READS, Role, role_may
from corridor.vault.classification import KEY_MATERIAL, OPERATIONAL


class UserManager(BaseUserManager["User"]):
    def create_user(self, username: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(username=username, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user


class User(AbstractBaseUser):
    """A staff member. No e-mail or real name is stored: the username is a chosen handle."""

    username = models.CharField(max_length=64, unique=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # The user's own age X25519 recipient (`age1...`, a public key they registered at
    # /accounts/me/age-key/): sensitive exports are encrypted to it (decision 0037).
    age_recipient = models.CharField(max_length=100, blank=True, default="")

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: ClassVar[list[str]] = []
    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "username": OPERATIONAL,
        "role": OPERATIONAL,
        "is_active": OPERATIONAL,
        "date_joined": OPERATIONAL,
        "last_login": OPERATIONAL,
        "password": KEY_MATERIAL,
        "age_recipient": KEY_MATERIAL,  # a public key: no secret, but key material
    }

    def __str__(self) -> str:
        return self.username

    # Set by the staff gate for a request of a duress session (decision 0026); never stored.
    under_duress = False

    def may(self, permission: str) -> bool:
        if self.under_duress and permission not in DURESS_READS:
            return False
        return self.is_active and role_may(self.role, permission)


class Invitation(models.Model):
    """A one-time link an administrator gives a new staff member out of band.

    Only a hash of the token is stored, so a seized database holds no usable invitation.
    """

    token_hash = models.BinaryField(max_length=32, unique=True)
    role = models.CharField(max_length=16, choices=Role.choices)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "token_hash": KEY_MATERIAL,
        "role": OPERATIONAL,
        "created_by": OPERATIONAL,
        "created_at": OPERATIONAL,
        "expires_at": OPERATIONAL,
        "used_by": OPERATIONAL,
    }

    def is_open(self) -> bool:
        return self.used_by_id is None and self.expires_at > timezone.now()


class StaffSession(models.Model):
    """Which server-side sessions belong to whom, so "log out everywhere" can destroy them."""

    session_key = models.CharField(max_length=40, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="staff_sessions")
    created_at = models.DateTimeField(default=timezone.now)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "session_key": KEY_MATERIAL,
        "user": OPERATIONAL,
        "created_at": OPERATIONAL,
    }


class LoginThrottle(models.Model):
    """Failed-login counter per (username, browser): slows guessing without locking users out.

    A browser that has logged in to the account before carries a signed device cookie and
    counts in its own bucket, so an attacker hammering the account from elsewhere cannot
    lock its owner out (docs/decisions/0004-staff-authentication.md). No address is stored.
    """

    bucket = models.BinaryField(max_length=32, unique=True)
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(null=True)

    DATA_CLASSIFICATION: ClassVar[dict[str, str]] = {
        "id": OPERATIONAL,
        "bucket": KEY_MATERIAL,
        "failures": OPERATIONAL,
        "last_failure_at": OPERATIONAL,
    }
