"""The one door to a case: role, compartment membership and the audit entry of the read."""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from corridor.accounts.decorators import staff_user
from corridor.audit.log import audit_record
from corridor.cases.models import Case
from corridor.vault.models import Membership


def member_compartment_ids(user_id: int | None) -> list[int]:
    if user_id is None:
        return []
    return list(Membership.objects.filter(user_id=user_id).values_list("compartment_id", flat=True))


def request_compartment_ids(request: HttpRequest) -> list[int]:
    """`member_compartment_ids` of the logged-in user, read once per request: the case page,
    its panels and the doors they go through all ask for them."""
    user_id = request.user.pk
    cached: tuple[int | None, list[int]] | None = getattr(request, "_compartment_ids", None)
    if cached is None or cached[0] != user_id:
        cached = (user_id, member_compartment_ids(user_id))
        request._compartment_ids = cached  # type: ignore[attr-defined]
    return list(cached[1])


def cases_visible(request: HttpRequest, compartment_ids: list[int] | None = None) -> QuerySet[Case]:
    """Cases in the compartments this user is a member of (ciphertext not yet opened).

    `compartment_ids`: this user's `member_compartment_ids`, if the caller already has them.
    """
    user = staff_user(request)
    if not user.may("case.view"):
        raise PermissionDenied("case.view")
    if compartment_ids is None:
        compartment_ids = request_compartment_ids(request)
    return Case.objects.filter(compartment_id__in=compartment_ids)


def case_for_user(
    request: HttpRequest, case_id: uuid.UUID, *, permission: str = "case.view"
) -> Case:
    """One case, if this user's role allows `permission` and they hold its compartment key.

    The read is audited in the same transaction that fetched it. A non-member gets 404, not
    403, so the existence of a case in another compartment is not confirmed (T3, T4).
    """
    if not request.user.may(permission):  # type: ignore[union-attr]
        raise PermissionDenied(permission)
    case = Case.objects.filter(
        pk=case_id, compartment_id__in=request_compartment_ids(request)
    ).first()
    if case is None:
        raise Http404
    with transaction.atomic():
        audit_record(
            actor_id=request.user.pk, action="case.read", object_type="case", object_id=str(case.pk)
        )
    return case
