"""The tasks and check-ins part of a case page (`corridor.cases.panels.CASE_PANELS`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from django import forms
from django.db import transaction
from django.db.models import Count, F, Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from corridor.accounts.decorators import staff_user
from corridor.audit.log import audit_record_many
from corridor.cases.access import request_compartment_ids
from corridor.cases.models import Case
from corridor.tasks.access import compartment_members
from corridor.tasks.forms import CheckInForm, ScheduleForm, TaskForm
from corridor.tasks.models import CheckIn

# Its id on the case page and its name in the page's list of sections
SECTION = ("tasks", gettext_lazy("Tasks and check-ins"))

DONE_SHOWN = 10
CHECKINS_SHOWN = 5  # the latest check-ins of each schedule, with their notes


def case_panel(
    request: HttpRequest, case: Case, bound: Mapping[str, forms.Form] | None = None
) -> str:
    """Tasks and check-in schedules of `case`, with the forms this user's role allows.

    The case page has already checked access to the case; the compartment is checked again
    so the panel can never show another compartment's titles even if called carelessly.
    """
    user = staff_user(request)
    if case.compartment_id not in request_compartment_ids(request):
        return ""
    tasks = case.tasks.select_related("owner")
    open_tasks = list(tasks.filter(done_at__isnull=True).order_by("due_on", "created_at"))
    done_tasks = list(
        tasks.filter(done_at__isnull=False).order_by(F("done_at").desc())[:DONE_SHOWN]
    )
    schedules = list(case.checkin_schedules.order_by("-active", "next_due_at"))
    recent: dict[object, list[CheckIn]] = {schedule.pk: [] for schedule in schedules}
    for checkin in (
        CheckIn.objects.filter(schedule__in=schedules).select_related("recorded_by").order_by("-at")
    ):
        if len(recent[checkin.schedule_id]) < CHECKINS_SHOWN:
            recent[checkin.schedule_id].append(checkin)
    for schedule in schedules:
        schedule.recent_checkins = recent[schedule.pk]  # type: ignore[attr-defined]
    shown_checkins = [checkin for checkins in recent.values() for checkin in checkins]
    with transaction.atomic():
        audit_record_many(
            actor_id=user.pk,
            action="task.list",
            object_type="task",
            object_ids=[str(t.pk) for t in open_tasks + done_tasks],
        )
        audit_record_many(
            actor_id=user.pk,
            action="checkin_schedule.list",
            object_type="checkin_schedule",
            object_ids=[str(s.pk) for s in schedules],
        )
        audit_record_many(
            actor_id=user.pk,
            action="checkin.list",
            object_type="checkin",
            object_ids=[str(c.pk) for c in shown_checkins],
        )
    today = timezone.localdate()
    bound = bound or {}
    task_form = bound.get("task")
    if task_form is None and user.may("task.edit"):
        task_form = TaskForm(
            owners=compartment_members(case.compartment_id),
            initial={"owner": user.pk, "due_on": today + timedelta(days=7)},
        )
    context = {
        "case": case,
        "open_tasks": open_tasks,
        "done_tasks": done_tasks,
        "schedules": schedules,
        "now": timezone.now(),
        "today": today,
        "task_form": task_form,
        "schedule_form": bound.get("schedule")
        or (ScheduleForm() if user.may("checkin.record") else None),
        "checkin_form": CheckInForm(auto_id=False) if user.may("checkin.record") else None,
        "may_edit_tasks": user.may("task.edit"),
        "open_alerts": case.alerts.filter(resolved_at__isnull=True).count(),
    }
    return render_to_string("tasks/panel.html", context, request=request)


def case_summary(request: HttpRequest, case: Case) -> list[tuple[str, str]]:
    """Open tasks (how many overdue) and the next check-in, for the case page's summary: two
    queries on operational columns, nothing decrypted."""
    if case.compartment_id not in request_compartment_ids(request):
        return []
    today = timezone.localdate()
    counts = case.tasks.filter(done_at__isnull=True).aggregate(
        n=Count("id"), late=Count("id", filter=Q(due_on__lt=today))
    )
    facts = [
        (
            str(_("Open tasks")),
            ngettext("%(n)d, %(late)d overdue", "%(n)d, %(late)d overdue", counts["n"]) % counts
            if counts["late"]
            else str(counts["n"]),
        )
    ]
    schedule = case.checkin_schedules.filter(active=True).order_by("next_due_at").first()
    if schedule is None:
        facts.append((str(_("Next check-in")), str(_("none agreed"))))
    else:
        due = f"{timezone.localtime(schedule.next_due_at):%Y-%m-%d %H:%M}"
        if schedule.missed:
            due = _("%(due)s, missed") % {"due": due}
        facts.append((str(_("Next check-in")), due))
    return facts
