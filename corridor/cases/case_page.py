"""The case page: the person, the timeline, the moves this user may make, expenses, panels.

Rendered by the detail view and again, with the errors of a refused move or expense, by
the views that post to it. The caller has fetched the case through `case_for_user`; the
transitions and expenses opened here are audited as reads too.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from corridor.accounts.decorators import staff_user
from corridor.audit.log import audit_record_many
from corridor.cases.forms import ExpenseForm, StageMoveForm
from corridor.cases.models import Case, CaseAttachment, CaseRequest
from corridor.cases.panels import case_panels_render, case_summary_facts
from corridor.cases.pipeline import moves_from
from corridor.cases.timeline import case_timeline


def _move_forms(request: HttpRequest, case: Case, bound: StageMoveForm | None) -> list[Any]:
    """A form for each move out of the current stage that this user's role may make."""
    user = staff_user(request)
    forms = []
    for move in moves_from(case.stage):
        if not user.may(move.permission):
            continue
        if bound is not None and bound.move == move:
            forms.append(bound)
        else:
            forms.append(StageMoveForm(move=move))
    return forms


def _expense_totals(expenses: list[Any]) -> list[tuple[str, Decimal]]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for expense in expenses:
        if expense.voided_at is None:
            totals[expense.currency] += expense.amount
    return sorted(totals.items())


def _overview_render(request: HttpRequest, case: Case) -> HttpResponse:
    """What a viewer sees of a case: its reference, stage, dates and moves, nothing of the
    person and no reason (decision 0032). Nothing on this page is decrypted."""
    transitions = list(
        case.transitions.only(
            "pk", "case_id", "seq", "from_stage", "to_stage", "backward", "at", "outcome"
        ).order_by("seq")
    )
    context = {"case": case, "timeline": case_timeline(transitions, timezone.now())}
    return render(request, "cases/overview.html", context)


def case_page_render(
    request: HttpRequest,
    case: Case,
    *,
    move_form: StageMoveForm | None = None,
    move_error: ValidationError | None = None,
    expense_form: ExpenseForm | None = None,
    panel_forms: dict[str, forms.Form] | None = None,
) -> HttpResponse:
    """The case page; a form that failed (`move_form`, `expense_form`, or a panel's by name in
    `panel_forms`) is shown again with what was typed, its errors and its details open."""
    user = staff_user(request)
    if not user.may("case.person"):
        return _overview_render(request, case)
    transitions = list(case.transitions.select_related("actor").order_by("seq"))
    expenses = list(case.expenses.order_by("spent_on", "recorded_at"))
    origin = CaseRequest.objects.filter(case=case).select_related("checked_by").first()
    attachments = list(
        CaseAttachment.objects.filter(case=case)
        .only(*CaseAttachment.LIST_FIELDS)
        .order_by("position")
    )
    with transaction.atomic():
        for object_type, records in (
            ("case_transition", transitions),
            ("expense", expenses),
            ("case_request", [origin] if origin else []),
            ("case_attachment", attachments),
        ):
            audit_record_many(
                actor_id=user.pk,
                action=f"{object_type}.list",
                object_type=object_type,
                object_ids=[str(record.pk) for record in records],
            )
    may_expense = user.may("expense.edit")
    context = {
        "case": case,
        "timeline": case_timeline(transitions, timezone.now()),
        "move_forms": _move_forms(request, case, move_form),
        "move_errors": move_error.messages if move_error is not None else [],
        "move_failed": move_form is not None or move_error is not None,
        "expenses": expenses,
        "expense_totals": _expense_totals(expenses),
        "origin": origin,
        "attachments": attachments,
        "expense_form": expense_form or (ExpenseForm() if may_expense else None),
        "may_edit": user.may("case.edit"),
        "may_assign": user.may("case.assign"),
        "panels": case_panels_render(request, case, panel_forms),
        "summary_facts": case_summary_facts(request, case),
        "days_in_stage": (timezone.now() - case.stage_entered_at).days,
        "failed_forms": list((panel_forms or {}).values()),  # for the error summary
    }
    return render(request, "cases/detail.html", context)
