"""Case screens. Thin: access through corridor.cases.access, writes through actions."""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from corridor.accounts.decorators import require_permission, staff_user
from corridor.audit.log import audit_record_many
from corridor.cases.access import case_for_user, cases_visible, member_compartment_ids
from corridor.cases.actions import case_create
from corridor.cases.forms import CaseCreateForm
from corridor.cases.models import Case
from corridor.vault.fields import index_lookup
from corridor.vault.models import Compartment

PAGE_SIZE = 50


def _search_filter(query: str) -> Q:
    """Cases whose keyed-hash name or phone equals the query's (never matches on empty)."""
    match = Q(pk__in=[])
    for field_name in ("name_index", "phone_index"):
        digest = index_lookup(Case, field_name, query)
        if digest is not None:
            match |= Q(**{field_name: digest})
    return match


@require_http_methods(["GET", "POST"])
@require_permission("case.view")
def case_list(request: HttpRequest) -> HttpResponse:
    """The case list; search is a POST so a name or phone never lands in a URL or a log."""
    cases = (
        cases_visible(request)
        .select_related("assignee")
        .only(*Case.LIST_FIELDS, "assignee__username")
    )
    cases = cases.order_by("-created_at")
    query = request.POST.get("q", "").strip()[:300] if request.method == "POST" else ""
    if query:
        cases = cases.filter(_search_filter(query))
    page = list(cases[:PAGE_SIZE])
    with transaction.atomic():
        audit_record_many(
            actor_id=staff_user(request).pk,
            action="case.list",
            object_type="case",
            object_ids=[str(c.pk) for c in page],
        )
    may_create = staff_user(request).may("case.create")
    return render(
        request, "cases/list.html", {"cases": page, "query": query, "may_create": may_create}
    )


@require_http_methods(["GET"])
@require_permission("case.view")
def case_detail(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case = case_for_user(request, case_id)
    return render(request, "cases/detail.html", {"case": case})


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
        case = case_create(
            actor_id=staff_user(request).pk,
            compartment=data["compartment"],
            full_name=data["full_name"],
            phone=data["phone"],
            aliases=data["aliases"],
            location=data["location"],
            notes=data["notes"],
            risk_level=data["risk_level"],
        )
        return redirect("cases:detail", case_id=case.pk)
    return render(request, "cases/new.html", {"form": form})
