"""Task, check-in and alert screens. Thin: access through tasks.access, writes through actions.

The forms of a case's tasks and check-ins live on the case page (`panels.case_panel`); their
POST views answer with a redirect back to it and a message, never a 500; a form that failed is
shown again on the case page with what was typed (decision 0027).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from corridor.accounts.decorators import require_permission, staff_user
from corridor.audit.log import audit_record_many
from corridor.cases.access import case_for_user, member_compartment_ids
from corridor.cases.case_page import case_page_render
from corridor.core.posted import posted_form_write, posted_write
from corridor.tasks import actions
from corridor.tasks.access import (
    alert_for_user,
    alerts_visible,
    compartment_for_member,
    compartment_members,
    schedule_for_user,
    task_for_user,
)
from corridor.tasks.duty import duty_candidates
from corridor.tasks.forms import AlertResolveForm, CheckInForm, DutyForm, ScheduleForm, TaskForm
from corridor.tasks.models import Duty, Task
from corridor.vault.models import Compartment

POST = require_http_methods(["POST"])
GET = require_http_methods(["GET"])


def _back_to_case(case_id: uuid.UUID) -> HttpResponse:
    return redirect("cases:detail", case_id=case_id)


def _error(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


# --- pages ----------------------------------------------------------------------------------


@GET
@require_permission("case.view")
def mine(request: HttpRequest) -> HttpResponse:
    """The open tasks the logged-in user owns, in the compartments they are a member of."""
    user = staff_user(request)
    tasks = list(
        Task.objects.filter(
            owner=user,
            done_at__isnull=True,
            compartment_id__in=member_compartment_ids(user.pk),
        )
        .select_related("case")
        .order_by("due_on", "created_at")
    )
    with transaction.atomic():
        audit_record_many(
            actor_id=user.pk,
            action="task.list",
            object_type="task",
            object_ids=[str(t.pk) for t in tasks],
        )
        audit_record_many(
            actor_id=user.pk,
            action="case.list",
            object_type="case",
            object_ids=sorted({str(t.case_id) for t in tasks}),
        )
    # The open alerts of the cases this user holds (the assignee is the first to know).
    case_alerts = list(
        alerts_visible(user.pk)
        .filter(resolved_at__isnull=True, case__assignee=user)
        .select_related("case", "taken_by")
        .order_by("-raised_at")
    )
    with transaction.atomic():
        audit_record_many(
            actor_id=user.pk,
            action="case.list",
            object_type="case",
            object_ids=sorted({str(a.case_id) for a in case_alerts}),
        )
    context = {
        "tasks": tasks,
        "today": timezone.localdate(),
        "may_edit": user.may("task.edit"),
        "case_alerts": case_alerts,
        "may_act": user.may("alert.act"),
    }
    return render(request, "tasks/mine.html", context)


@GET
@require_permission("alert.resolve")
def alerts(request: HttpRequest) -> HttpResponse:
    """Open alerts of the user's compartments (theirs first), recent resolutions, and duty."""
    user = staff_user(request)
    visible = alerts_visible(user.pk).select_related("case", "schedule", "for_user", "resolved_by")
    open_alerts = list(visible.filter(resolved_at__isnull=True).order_by("-raised_at"))
    mine_first = sorted(open_alerts, key=lambda a: a.for_user_id not in (None, user.pk))
    since = timezone.now() - timedelta(days=7)
    resolved = list(
        visible.filter(resolved_at__gte=since)
        .select_related("resolution")
        .order_by("-resolved_at")[:50]
    )
    with transaction.atomic():
        audit_record_many(
            actor_id=user.pk,
            action="case.list",
            object_type="case",
            object_ids=sorted({str(a.case_id) for a in open_alerts + resolved}),
        )
        audit_record_many(  # the resolution notes shown
            actor_id=user.pk,
            action="alert.list",
            object_type="alert",
            object_ids=[str(a.pk) for a in resolved],
        )
    duties = {d.compartment_id: d for d in Duty.objects.select_related("user")}
    compartments = Compartment.objects.filter(pk__in=member_compartment_ids(user.pk)).order_by(
        "name"
    )
    duty_rows = [
        (
            compartment,
            duties.get(compartment.pk),
            DutyForm(
                auto_id=False,
                candidates=duty_candidates(compartment.pk),
                initial={"user": getattr(duties.get(compartment.pk), "user_id", None)},
            ),
        )
        for compartment in compartments
    ]
    return render(
        request,
        "tasks/alerts.html",
        {"open_alerts": mine_first, "resolved": resolved, "duty_rows": duty_rows, "me": user},
    )


# --- actions --------------------------------------------------------------------------------


@POST
@require_permission("alert.act")
def alert_resolve(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = alert_for_user(request, alert_id, permission="alert.act")
    actor_id = staff_user(request).pk
    posted_write(
        request,
        AlertResolveForm(request.POST),
        lambda data: actions.alert_resolve(actor_id=actor_id, alert=alert, note=data["note"]),
        _("Alert resolved."),
    )
    return _alert_back(request)


@POST
@require_permission("alert.act")
def alert_take(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = alert_for_user(request, alert_id, permission="alert.act")
    try:
        actions.alert_take(actor_id=staff_user(request).pk, alert=alert)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("You have taken the alert: the others see it is yours."))
    return _alert_back(request)


def _alert_back(request: HttpRequest) -> HttpResponse:
    """Back to the alerts page for those who handle it, else to the user's own tasks page."""
    if staff_user(request).may("alert.resolve"):
        return redirect("tasks:alerts")
    return redirect("tasks:mine")


@POST
@require_permission("alert.resolve")
def duty(request: HttpRequest, compartment_id: int) -> HttpResponse:
    compartment = compartment_for_member(request, compartment_id, permission="alert.resolve")
    actor_id = staff_user(request).pk
    posted_write(
        request,
        DutyForm(request.POST, candidates=duty_candidates(compartment.pk)),
        lambda data: actions.duty_set(
            actor_id=actor_id,
            compartment=compartment,
            user_id=data["user"].pk if data["user"] is not None else None,
        ),
        _("Duty updated."),
    )
    return redirect("tasks:alerts")


@POST
@require_permission("task.edit")
def task_add(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case = case_for_user(request, case_id, permission="task.edit")
    actor_id = staff_user(request).pk
    form = TaskForm(request.POST, owners=compartment_members(case.compartment_id))
    written = posted_form_write(
        request,
        form,
        lambda data: actions.task_create(
            actor_id=actor_id,
            case=case,
            title=data["title"],
            owner_id=data["owner"].pk,
            due_on=data["due_on"],
        ),
        _("Task added."),
    )
    if written:
        return _back_to_case(case.pk)
    return case_page_render(request, case, panel_forms={"task": form})


@POST
@require_permission("task.edit")
def task_done(request: HttpRequest, task_id: uuid.UUID) -> HttpResponse:
    task = task_for_user(request, task_id, permission="task.edit")
    try:
        actions.task_done(actor_id=staff_user(request).pk, task=task)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Task done."))
    if request.POST.get("back") == "mine":
        return redirect("tasks:mine")
    return _back_to_case(task.case_id)


@POST
@require_permission("checkin.record")
def schedule_add(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case = case_for_user(request, case_id, permission="checkin.record")
    actor_id, now = staff_user(request).pk, timezone.now()
    form = ScheduleForm(request.POST)
    written = posted_form_write(
        request,
        form,
        lambda data: actions.checkin_schedule_create(
            actor_id=actor_id,
            case=case,
            every_hours=data["every_hours"],
            first_due_at=(
                now + timedelta(hours=data["first_in_hours"])
                if data["first_in_hours"] is not None
                else None
            ),
            grace_minutes=data["grace_minutes"],
            channel=data["channel"],
            notes=data["notes"],
            at=now,
        ),
        _("Check-in schedule added."),
    )
    if written:
        return _back_to_case(case.pk)
    return case_page_render(request, case, panel_forms={"schedule": form})


@POST
@require_permission("checkin.record")
def checkin(request: HttpRequest, schedule_id: uuid.UUID) -> HttpResponse:
    schedule = schedule_for_user(request, schedule_id, permission="checkin.record")
    actor_id = staff_user(request).pk
    posted_write(
        request,
        CheckInForm(request.POST),
        lambda data: actions.checkin_record(
            actor_id=actor_id, schedule=schedule, note=data["note"]
        ),
        _("Check-in recorded."),
    )
    return _back_to_case(schedule.case_id)


@POST
@require_permission("checkin.record")
def schedule_stop(request: HttpRequest, schedule_id: uuid.UUID) -> HttpResponse:
    schedule = schedule_for_user(request, schedule_id, permission="checkin.record")
    try:
        actions.checkin_schedule_stop(actor_id=staff_user(request).pk, schedule=schedule)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Check-in schedule stopped."))
    return _back_to_case(schedule.case_id)
