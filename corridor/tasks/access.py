"""The doors to tasks, check-in schedules and alerts: role, then compartment, then the audit.

Same pattern as `corridor.cases.access.case_for_user`: the role must allow the action, the
object must live in a compartment the user is a member of (404 otherwise, so an object in
another compartment is not confirmed: T3, T4), and the read is audited.
"""

from __future__ import annotations

import uuid
from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from corridor.accounts.decorators import staff_user
from corridor.accounts.models import User
from corridor.audit.log import audit_record
from corridor.cases.access import member_compartment_ids, request_compartment_ids
from corridor.tasks.models import Alert, CheckInSchedule, Task
from corridor.vault.models import Compartment, Membership

M = TypeVar("M", bound=models.Model)


def _member_object(
    request: HttpRequest,
    objects: QuerySet[M],
    pk: object,
    *,
    permission: str,
    compartment_field: str,
    audit_action: str,
    object_type: str,
) -> M:
    user = staff_user(request)
    if not user.may(permission):
        raise PermissionDenied(permission)
    lookup = {"pk": pk, f"{compartment_field}__in": request_compartment_ids(request)}
    found = objects.filter(**lookup).first()
    if found is None:
        raise Http404
    with transaction.atomic():
        audit_record(
            actor_id=user.pk, action=audit_action, object_type=object_type, object_id=str(found.pk)
        )
    return found


def task_for_user(request: HttpRequest, task_id: uuid.UUID, *, permission: str) -> Task:
    return _member_object(
        request,
        Task.objects.select_related("case"),
        task_id,
        permission=permission,
        compartment_field="compartment_id",
        audit_action="task.read",
        object_type="task",
    )


def schedule_for_user(
    request: HttpRequest, schedule_id: uuid.UUID, *, permission: str
) -> CheckInSchedule:
    return _member_object(
        request,
        CheckInSchedule.objects.select_related("case"),
        schedule_id,
        permission=permission,
        compartment_field="compartment_id",
        audit_action="checkin_schedule.read",
        object_type="checkin_schedule",
    )


def alert_for_user(request: HttpRequest, alert_id: int, *, permission: str) -> Alert:
    return _member_object(
        request,
        Alert.objects.all(),
        alert_id,
        permission=permission,
        compartment_field="case__compartment_id",
        audit_action="alert.read",
        object_type="alert",
    )


def compartment_for_member(
    request: HttpRequest, compartment_id: int, *, permission: str
) -> Compartment:
    user = staff_user(request)
    if not user.may(permission):
        raise PermissionDenied(permission)
    if compartment_id not in request_compartment_ids(request):
        raise Http404
    return Compartment.objects.get(pk=compartment_id)


def alerts_visible(user_id: int) -> QuerySet[Alert]:
    """Alerts about cases in this user's compartments: nobody else ever sees one."""
    return Alert.objects.filter(case__compartment_id__in=member_compartment_ids(user_id))


def compartment_members(compartment_id: int) -> QuerySet[User]:
    """Active staff who are members of the compartment: who may own a task there."""
    members = Membership.objects.filter(compartment_id=compartment_id).values("user_id")
    return User.objects.filter(is_active=True, pk__in=members).order_by("username")
