"""The case list and the case page over the plaintext twins (bench/cases_bench.py only).

Each view follows its real counterpart in corridor.cases (and the relocation panel) step by
step, with the same decorators, forms, audit entries and templates, and only the vault taken
out: rows come from the Twin* tables in clear, and the name search is an equality lookup on
TwinCase.name_key (a B-tree) instead of the keyed-hash terms. The tasks and shelters panels
are the real ones: they read nothing from the case but its id and compartment, so they get
an unsaved stand-in Case carrying just those two values (no query, nothing decrypted).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from corridor.accounts.decorators import require_permission, staff_user
from corridor.audit.log import audit_record, audit_record_many
from corridor.cases.access import member_compartment_ids
from corridor.cases.filters import CaseListForm
from corridor.cases.forms import ExpenseForm, StageMoveForm
from corridor.cases.models import Case
from corridor.cases.pipeline import moves_from
from corridor.cases.timeline import case_timeline
from corridor.linkage.names import name_parse
from corridor.relocation.forms import ApplicationForm, DocumentForm, TravelLegForm
from corridor.relocation.panels import Risk
from corridor.shelters import panels as shelter_panels
from corridor.tasks import panels as task_panels

from .models import TwinCase

PAGE_SIZE = 50  # corridor.cases.views.PAGE_SIZE


@require_http_methods(["GET", "POST"])
@require_permission("case.view")
def plain_case_list(request: HttpRequest) -> HttpResponse:
    """corridor.cases.views.case_list over TwinCase; search by the plaintext name key."""
    user = staff_user(request)
    searching = request.method == "POST"
    data = request.POST if searching else request.GET.copy()
    if not searching:
        data.pop("q", None)
    compartment_ids = member_compartment_ids(user.pk)
    form = CaseListForm(data, compartment_ids=compartment_ids)
    cases = (
        TwinCase.objects.filter(compartment_id__in=compartment_ids)
        .select_related("assignee", "compartment")
        .only(*TwinCase.LIST_FIELDS, "assignee__username", "compartment__name")
    )
    form.is_valid()
    for name in ("stage", "compartment", "assignee"):
        if form.value(name):
            cases = cases.filter(**{name: form.value(name)})
    query = (form.value("q") or "").strip() if searching else ""
    if query:
        cases = cases.filter(name_key=name_parse(query).key)
    cases = cases.order_by("-created_at", "pk")
    page = form.value("page") or 1
    start = (page - 1) * PAGE_SIZE
    rows = list(cases[start : start + PAGE_SIZE + 1])
    has_next, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE]
    with transaction.atomic():
        audit_record_many(
            actor_id=user.pk,
            action="case.list",
            object_type="case",
            object_ids=[str(c.pk) for c in rows],
        )
    context = {
        "cases": rows,
        "form": form,
        "page": page,
        "has_next": has_next,
        "may_create": user.may("case.create"),
    }
    return render(request, "cases/list.html", context)


def _relocation_panel(request: HttpRequest, case: TwinCase) -> str:
    """corridor.relocation.panels.case_panel over the twin records."""
    user = staff_user(request)
    documents = list(case.documents.order_by("created_at"))
    applications = list(case.applications.select_related("country").order_by("created_at"))
    legs = list(case.travel_legs.select_related("country").order_by("created_at"))
    with transaction.atomic():
        for object_type, records in (
            ("document", documents),
            ("application", applications),
            ("travel_leg", legs),
        ):
            audit_record_many(
                actor_id=user.pk,
                action=f"{object_type}.list",
                object_type=object_type,
                object_ids=[str(record.pk) for record in records],
            )
    today = timezone.localdate()
    may_documents = user.may("document.edit")
    may_applications = user.may("application.edit")
    may_travel = user.may("travel.edit")
    return render_to_string(
        "relocation/panel.html",
        {
            "case": case,
            "documents": documents,
            "risks": [
                Risk(document, document.risk_flag_labels())  # type: ignore[arg-type]
                for document in documents
                if document.risk_flags
            ],
            "applications": [(a, a.wait_days(today)) for a in applications],
            "legs": legs,
            "may_documents": may_documents,
            "may_applications": may_applications,
            "may_travel": may_travel,
            "document_form": DocumentForm() if may_documents else None,
            "application_form": ApplicationForm() if may_applications else None,
            "travel_form": TravelLegForm() if may_travel else None,
        },
        request=request,
    )


@require_http_methods(["GET"])
@require_permission("case.view")
def plain_case_detail(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """corridor.cases.views.case_detail (case_for_user, then case_page_render) over TwinCase."""
    user = staff_user(request)
    case = TwinCase.objects.filter(
        pk=case_id, compartment_id__in=member_compartment_ids(user.pk)
    ).first()
    if case is None:
        raise Http404
    with transaction.atomic():
        audit_record(
            actor_id=user.pk, action="case.read", object_type="case", object_id=str(case.pk)
        )
    transitions = list(case.transitions.select_related("actor").order_by("seq"))
    expenses = list(case.expenses.order_by("spent_on", "recorded_at"))
    with transaction.atomic():
        for object_type, records in (("case_transition", transitions), ("expense", expenses)):
            audit_record_many(
                actor_id=user.pk,
                action=f"{object_type}.list",
                object_type=object_type,
                object_ids=[str(record.pk) for record in records],
            )
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for expense in expenses:
        totals[expense.currency] += expense.amount
    may_expense = user.may("expense.edit")
    stand_in = Case(id=case.pk, compartment_id=case.compartment_id)  # id and compartment only
    panels = [
        task_panels.case_panel(request, stand_in),
        shelter_panels.case_panel(request, stand_in),
        _relocation_panel(request, case),
    ]
    context: dict[str, Any] = {
        "case": case,
        "timeline": case_timeline(transitions, timezone.now()),  # type: ignore[arg-type]
        "move_forms": [
            StageMoveForm(move=move) for move in moves_from(case.stage) if user.may(move.permission)
        ],
        "move_errors": [],
        "expenses": expenses,
        "expense_totals": sorted(totals.items()),
        "expense_form": ExpenseForm() if may_expense else None,
        "may_edit": user.may("case.edit"),
        "may_assign": user.may("case.assign"),
        "panels": panels,
    }
    return render(request, "cases/detail.html", context)
