"""The one door to the intake desk: role, desk-compartment membership, and the read's audit entry.

Requests open only with the intake private key, a vault field of the desk compartment, so
membership is the cryptographic gate as well as the permission one. A staff member whose
role may triage but who is not a desk member gets 404, not 403: nothing confirms that a
request exists (T3, T4).
"""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest

from corridor.accounts.decorators import staff_user
from corridor.audit.log import audit_record
from corridor.intake.models import IntakeDesk, Submission, intake_desk
from corridor.vault.models import Membership


def desk_for_user(request: HttpRequest, permission: str) -> IntakeDesk:
    """The intake desk, if this user's role allows `permission` and they are a desk member."""
    user = staff_user(request)
    if not user.may(permission):
        raise PermissionDenied(permission)
    desk = intake_desk()
    if (
        desk is None
        or not Membership.objects.filter(
            user_id=user.pk, compartment_id=desk.compartment_id
        ).exists()
    ):
        raise Http404
    return desk


def thread_for_user(
    request: HttpRequest,
    submission_id: uuid.UUID,
    *,
    permission: str = "intake.triage",
    read: bool = False,
) -> Submission:
    """The first submission of a request's thread, for a desk member.

    A follow-up's id gives its thread's first submission. `read=True` records the read in the
    audit log (pages that show the request; writes record their own entry).
    """
    desk_for_user(request, permission)
    submission = Submission.objects.filter(pk=submission_id).first()
    if submission is None:
        raise Http404
    if submission.thread_id is not None:
        submission = Submission.objects.get(pk=submission.thread_id)
    if read:
        with transaction.atomic():
            audit_record(
                actor_id=staff_user(request).pk,
                action="triage.read",
                object_type="intake.Submission",
                object_id=str(submission.pk),
            )
    return submission
