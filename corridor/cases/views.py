"""Case screens. Thin: access through corridor.cases.access, writes through actions."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from corridor.accounts.decorators import duress_allowed, require_permission, staff_user
from corridor.accounts.models import User
from corridor.audit.log import audit_record_many
from corridor.cases import actions
from corridor.cases.access import case_for_user, cases_visible, member_compartment_ids
from corridor.cases.case_page import case_page_render
from corridor.cases.filters import CaseListForm, case_list_filter
from corridor.cases.forms import (
    CaseAssignForm,
    CaseCreateForm,
    CaseEditForm,
    ExpenseCorrectForm,
    ExpenseForm,
    ExpenseVoidForm,
    StageMoveForm,
)
from corridor.cases.models import Case, CaseAttachment
from corridor.cases.pipeline import TransitionRefused, move_require, stage_expect
from corridor.core.inline import EXTENSIONS, file_response
from corridor.vault.models import Compartment

PAGE_SIZE = 50


@require_http_methods(["GET", "POST"])
@require_permission("case.view")
@duress_allowed  # search is a POST that writes nothing but its audited reads
def case_list(request: HttpRequest) -> HttpResponse:
    """The case list; search is a POST so a name or phone never lands in a URL or a log."""
    user = staff_user(request)
    may_person = user.may("case.person")
    searching = request.method == "POST" and may_person  # a viewer searches no name or phone
    data = request.POST.copy() if request.method == "POST" else request.GET.copy()
    if not searching:
        data.pop("q", None)  # a name in a URL is never a search, nor echoed back
    compartment_ids = member_compartment_ids(user.pk)
    form = CaseListForm(data, compartment_ids=compartment_ids)
    cases = (
        cases_visible(request, compartment_ids)
        .select_related("assignee", "compartment")
        .only(*Case.LIST_FIELDS, "assignee__username", "compartment__name")
    )
    cases = case_list_filter(cases, form, search=searching)
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
        "may_person": may_person,
    }
    return render(request, "cases/list.html", context)


@require_http_methods(["GET"])
@require_permission("case.view")
def case_detail(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case = case_for_user(request, case_id)
    return case_page_render(request, case)


@require_http_methods(["GET", "POST"])
@require_permission("case.create")
def case_new(request: HttpRequest) -> HttpResponse:
    compartments = Compartment.objects.filter(
        pk__in=member_compartment_ids(staff_user(request).pk)
    ).order_by("name")
    if not compartments.exists():
        raise PermissionDenied("no compartment")
    form = CaseCreateForm(request.POST or None, compartments=compartments)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = actions.case_create(
                actor_id=staff_user(request).pk,
                compartment=data["compartment"],
                full_name=data["full_name"],
                phone=data["phone"],
                aliases=data["aliases"],
                location=data["location"],
                notes=data["notes"],
                risk_level=data["risk_level"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("cases:detail", case_id=case.pk)
    return render(request, "cases/new.html", {"form": form})


@require_http_methods(["GET", "POST"])
@require_permission("case.edit")
def case_edit(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case = case_for_user(request, case_id, permission="case.edit")
    form = CaseEditForm(request.POST or None, initial=CaseEditForm.initial_of(case))
    if request.method == "POST" and form.is_valid():
        try:
            actions.case_update(actor_id=staff_user(request).pk, case=case, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("cases:detail", case_id=case.pk)
    return render(request, "cases/edit.html", {"case": case, "form": form})


@require_http_methods(["GET", "POST"])
@require_permission("case.assign")
def case_assign(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case = case_for_user(request, case_id, permission="case.assign")
    candidates = (
        User.objects.filter(
            is_active=True,
            memberships__compartment_id=case.compartment_id,
            role__in=actions.ASSIGNABLE_ROLES,
        )
        .only("id", "username")
        .order_by("username")
    )
    form = CaseAssignForm(
        request.POST or None, candidates=candidates, initial={"assignee": case.assignee_id}
    )
    if request.method == "POST" and form.is_valid():
        assignee = form.cleaned_data["assignee"]
        try:
            actions.case_assign(
                actor_id=staff_user(request).pk,
                case=case,
                assignee_id=assignee.pk if assignee else None,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("cases:detail", case_id=case.pk)
    return render(request, "cases/assign.html", {"case": case, "form": form})


@require_http_methods(["POST"])
@require_permission("case.move")
def case_move(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """Apply one move; a decision (accept, decline, close) also needs `case.decide`.

    The move is checked for the stage the page showed (its form's `from_stage`) and the
    stage read here, and applied only if the case is still there when its row is locked.
    """
    case = case_for_user(request, case_id, permission="case.move")
    user = staff_user(request)
    try:
        stage_expect(case.stage, request.POST.get("from_stage") or None)
        move = move_require(case.stage, request.POST.get("to_stage", ""))
    except TransitionRefused as error:
        return case_page_render(request, case, move_error=error)
    if not user.may(move.permission):
        raise PermissionDenied(move.permission)
    form = StageMoveForm(request.POST, move=move)
    if form.is_valid():
        data: dict[str, Any] = form.cleaned_data
        try:
            actions.case_move_to_stage(
                actor_id=user.pk,
                case=case,
                to_stage=move.target,
                reason=data.get("reason", ""),
                outcome=data.get("outcome", ""),
                at=data.get("at"),
                expected_stage=move.source,
            )
        except ValidationError as error:
            if getattr(error, "code", None) == "stale":  # moved meanwhile: show it as it is now
                case.refresh_from_db(fields=["stage", "stage_entered_at", "outcome", "closed_at"])
                return case_page_render(request, case, move_error=error)
            form.add_error(None, error)
        else:
            return redirect("cases:detail", case_id=case.pk)
    return case_page_render(request, case, move_form=form)


@require_http_methods(["POST"])
@require_permission("expense.edit")
def expense_add(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case = case_for_user(request, case_id, permission="expense.edit")
    form = ExpenseForm(request.POST)
    if form.is_valid():
        try:
            data = dict(form.cleaned_data)
            source = data.pop("funding_source")
            actions.expense_add(
                actor_id=staff_user(request).pk,
                case=case,
                funding_source_id=source.pk if source else None,
                **data,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("cases:detail", case_id=case.pk)
    return case_page_render(request, case, expense_form=form)


@require_http_methods(["GET", "POST"])
@require_permission("expense.edit")
def expense_change(request: HttpRequest, case_id: uuid.UUID, expense_id: uuid.UUID) -> HttpResponse:
    """Correct or void one entry (decision 0041): never a delete, always a reason."""
    case = case_for_user(request, case_id, permission="expense.edit")
    expense = case.expenses.filter(pk=expense_id).first()
    if expense is None:
        raise Http404
    actor = staff_user(request)
    with transaction.atomic():
        audit_record_many(
            actor_id=actor.pk,
            action="expense.read",
            object_type="expense",
            object_ids=[str(expense.pk)],
        )
    initial = {
        "category": expense.category,
        "amount": expense.amount,
        "currency": expense.currency,
        "spent_on": expense.spent_on,
        "note": expense.note,
        "funding_source": expense.funding_source_id,
    }
    step = request.POST.get("step") if request.method == "POST" else None
    correct_form = ExpenseCorrectForm(request.POST if step == "correct" else None, initial=initial)
    void_form = ExpenseVoidForm(request.POST if step == "void" else None)
    form = correct_form if step == "correct" else void_form if step == "void" else None
    if form is not None and expense.voided_at is None and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            if step == "void":
                actions.expense_void(actor_id=actor.pk, expense=expense, reason=data["reason"])
                messages.success(request, _("The entry was voided; it counts in no total."))
            else:
                source = data.pop("funding_source")
                actions.expense_correct(
                    actor_id=actor.pk,
                    expense=expense,
                    funding_source_id=source.pk if source else None,
                    **data,
                )
                messages.success(request, _("The entry was corrected."))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("cases:detail", case_id=case.pk)
    return render(
        request,
        "cases/expense_change.html",
        {
            "case": case,
            "expense": expense,
            "correct_form": correct_form,
            "void_form": void_form,
            "failed_forms": [form] if form is not None else [],
        },
    )


# --- the request's files, carried into the case (decision 0040) -----------------------------


def _attachment_read(
    request: HttpRequest, case_id: uuid.UUID, attachment_id: uuid.UUID, verb: str
) -> CaseAttachment:
    """The file, if this user may see the person and holds the case's compartment key; the
    read audited (`case_attachment.view` or `.download`) before its content is opened."""
    case = case_for_user(request, case_id, permission="case.person")
    attachment = CaseAttachment.objects.filter(pk=attachment_id, case=case).first()
    if attachment is None:
        raise Http404
    with transaction.atomic():
        audit_record_many(
            actor_id=staff_user(request).pk,
            action=f"case_attachment.{verb}",
            object_type="case_attachment",
            object_ids=[str(attachment.pk)],
        )
    return attachment


@require_http_methods(["GET"])
@require_permission("case.person")
def case_attachment(
    request: HttpRequest, case_id: uuid.UUID, attachment_id: uuid.UUID
) -> HttpResponse:
    """The file shown by the browser itself: an image for the case page's <img>, a PDF in
    the browser's viewer. Same origin, never cached, each view audited."""
    attachment = _attachment_read(request, case_id, attachment_id, "view")
    if attachment.media_type not in EXTENSIONS:
        raise Http404
    return file_response(bytes(attachment.content), attachment.media_type, inline=True)


@require_http_methods(["GET"])
@require_permission("case.person")
def case_attachment_download(
    request: HttpRequest, case_id: uuid.UUID, attachment_id: uuid.UUID
) -> HttpResponse:
    """The same file as a download."""
    attachment = _attachment_read(request, case_id, attachment_id, "download")
    return file_response(bytes(attachment.content), attachment.media_type, inline=False)
