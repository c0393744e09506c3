"""Writes of the notices app: one transaction each, with its audit entry (never the address)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from corridor.accounts.models import User
from corridor.audit.log import audit_record
from corridor.notices.models import NoticeAddress
from corridor.notices.sending import address_seal


def notice_address_set(*, user: User, address: str, language: str) -> NoticeAddress:
    """Give (or change) the address notices go to; what waits now counts as new for it."""
    with transaction.atomic():
        notice, _created = NoticeAddress.objects.update_or_create(
            user=user,
            defaults={
                "address_sealed": address_seal(user.pk, address),
                "language": language,
                "set_at": timezone.now(),
                "last_sent_at": None,
                "told_about": [],
                "failures": 0,
            },
        )
        audit_record(
            actor=user, action="notice.address_set", object_type="user", object_id=str(user.pk)
        )
    return notice


def notice_address_clear(*, user: User) -> bool:
    """Stop notices: the sealed address is deleted. False if there was none."""
    with transaction.atomic():
        deleted, _ = NoticeAddress.objects.filter(user=user).delete()
        if deleted:
            audit_record(
                actor=user,
                action="notice.address_cleared",
                object_type="user",
                object_id=str(user.pk),
            )
    return bool(deleted)


def notice_test_record(*, user: User) -> None:
    with transaction.atomic():
        audit_record(
            actor=user, action="notice.test_sent", object_type="user", object_id=str(user.pk)
        )
