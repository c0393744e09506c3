"""Shelter screens. Thin: access through shelters.access, writes through shelters.actions.

The case-side forms (request a place, place, end a stay) live on the case page
(`panels.case_panel`); their POST views redirect back to it with a message.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from corridor.accounts.decorators import require_permission, staff_user
from corridor.audit.log import audit_record_many
from corridor.cases.access import case_for_user, request_compartment_ids
from corridor.cases.case_page import case_page_render
from corridor.cases.models import Case
from corridor.core.posted import posted_form_write, posted_write
from corridor.shelters import actions
from corridor.shelters.access import (
    placement_for_user,
    placement_request_for_user,
    shelter_for_user,
    shelters_visible,
)
from corridor.shelters.board import board_build
from corridor.shelters.forms import (
    DecideForm,
    EndForm,
    PlaceForm,
    PlaceRequestForm,
    RangeForm,
    ShelterCreateForm,
    ShelterForm,
    WithdrawForm,
)
from corridor.shelters.models import (
    APPROVAL_LAPSE_DAYS,
    DECISION_WITHIN_DAYS,
    Decision,
    PlacementRequest,
)
from corridor.shelters.occupancy import shelter_occupancy, shelters_occupied_on
from corridor.shelters.panels import move_offered
from corridor.vault.models import Compartment

GET = require_http_methods(["GET"])
POST = require_http_methods(["POST"])
GET_POST = require_http_methods(["GET", "POST"])
HISTORY_DAYS = 60
HISTORY_MAX_DAYS = 366


def _audit_list(request: HttpRequest, action: str, object_type: str, ids: list[str]) -> None:
    with transaction.atomic():
        audit_record_many(
            actor_id=staff_user(request).pk, action=action, object_type=object_type, object_ids=ids
        )


# --- shelters -------------------------------------------------------------------------------


@GET
@require_permission("shelter.view")
def shelter_list(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    today, now = timezone.localdate(), timezone.now()
    shelters = list(shelters_visible(user.pk).select_related("compartment").order_by("created_at"))
    occupied = shelters_occupied_on([s.pk for s in shelters], today, today=today)
    waiting: dict[uuid.UUID, list[datetime]] = {s.pk: [] for s in shelters}
    pending = PlacementRequest.objects.filter(shelter__in=shelters, decision=Decision.PENDING)
    for shelter_id, requested_at in pending.values_list("shelter_id", "requested_at"):
        waiting[shelter_id].append(requested_at)
    late_after = timedelta(days=DECISION_WITHIN_DAYS)
    rows = [
        {
            "shelter": shelter,
            "occupied": occupied[shelter.pk],
            "pending": len(waiting[shelter.pk]),
            "late": sum(now - at > late_after for at in waiting[shelter.pk]),
        }
        for shelter in shelters
    ]
    _audit_list(request, "shelter.list", "shelter", [str(s.pk) for s in shelters])
    return render(
        request,
        "shelters/list.html",
        {
            "rows": rows,
            "may_manage": user.may("shelter.manage"),
            "may_board": user.may("shelter.board"),
        },
    )


@GET
@require_permission("shelter.board")
def board(request: HttpRequest, shelter_id: uuid.UUID) -> HttpResponse:
    """Occupancy today, who is placed and for how long, and the requests waiting for the board."""
    shelter = shelter_for_user(request, shelter_id, permission="shelter.board")
    user = staff_user(request)
    today, now = timezone.localdate(), timezone.now()
    built = board_build(shelter, member_of=request_compartment_ids(request), today=today, now=now)
    taken, waiting = actions.shelter_beds_claimed(shelter, today)
    _audit_list(request, "case.list", "case", built.case_ids())
    _audit_list(request, "placement_request.list", "placement_request", built.request_ids())
    return render(
        request,
        "shelters/board.html",
        {
            "shelter": shelter,
            "board": built,
            "today": today,
            "decide_form": DecideForm() if user.may("shelter.decide") else None,
            "full": taken + waiting >= shelter.capacity,
            "next_free": actions.shelter_next_free_bed(shelter, today, claimed=waiting),
            "lapse_days": APPROVAL_LAPSE_DAYS,
            "may_manage": user.may("shelter.manage"),
        },
    )


@GET
@require_permission("shelter.view")
def occupancy(request: HttpRequest, shelter_id: uuid.UUID) -> HttpResponse:
    """Beds taken per day over a chosen range (default: the last 60 days), as a table."""
    shelter = shelter_for_user(request, shelter_id, permission="shelter.view")
    today = timezone.localdate()
    start, end = today - timedelta(days=HISTORY_DAYS - 1), today
    form = RangeForm(request.GET or None, initial={"start": start, "end": end})
    if request.GET:
        if form.is_valid() and form.cleaned_data["start"] <= form.cleaned_data["end"]:
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
            if (end - start).days >= HISTORY_MAX_DAYS:
                start = end - timedelta(days=HISTORY_MAX_DAYS - 1)
                messages.info(request, _("At most one year is shown at a time."))
        else:
            messages.error(request, _("Choose a start and an end date, the start first."))
    days = shelter_occupancy(shelter, start, end, today=today)
    return render(
        request,
        "shelters/occupancy.html",
        {
            "shelter": shelter,
            "may_board": staff_user(request).may("shelter.board"),
            "form": form,
            "days": days,
            "start": start,
            "end": end,
            "peak": max((count for _day, count in days), default=0),
        },
    )


@GET_POST
@require_permission("shelter.manage")
def shelter_new(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    compartments = Compartment.objects.filter(pk__in=request_compartment_ids(request)).order_by(
        "name"
    )
    if not compartments.exists():
        raise PermissionDenied("no compartment")
    form = ShelterCreateForm(request.POST or None, compartments=compartments)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            shelter = actions.shelter_create(
                actor_id=user.pk,
                compartment=data["compartment"],
                name=data["name"],
                address=data["address"],
                capacity=data["capacity"],
                stay_cap_days=data["stay_cap_days"],
                warn_days_before=data["warn_days_before"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Shelter created."))
            return redirect("shelters:board", shelter_id=shelter.pk)
    return render(request, "shelters/form.html", {"form": form, "title": _("New shelter")})


@GET_POST
@require_permission("shelter.manage")
def shelter_edit(request: HttpRequest, shelter_id: uuid.UUID) -> HttpResponse:
    shelter = shelter_for_user(request, shelter_id, permission="shelter.manage")
    initial = {
        "name": shelter.name,
        "address": shelter.address,
        "capacity": shelter.capacity,
        "stay_cap_days": shelter.stay_cap_days,
        "warn_days_before": shelter.warn_days_before,
    }
    form = ShelterForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.shelter_update(
                actor_id=staff_user(request).pk, shelter=shelter, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Shelter saved."))
            return redirect("shelters:board", shelter_id=shelter.pk)
    return render(
        request,
        "shelters/form.html",
        {"form": form, "title": _("Edit shelter"), "shelter": shelter},
    )


@POST
@require_permission("shelter.decide")
def decide(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    placement_request = placement_request_for_user(
        request, request_id, permission="shelter.decide", case_member=False
    )
    actor_id = staff_user(request).pk
    posted_write(
        request,
        DecideForm(request.POST),
        lambda data: actions.placement_request_decide(
            actor_id=actor_id,
            request=placement_request,
            approve=data["decision"] == "approve",
            reason=data["reason"],
            full_confirmed=data["full_confirmed"],
        ),
        _("Decision recorded."),
    )
    return redirect("shelters:board", shelter_id=placement_request.shelter_id)


@POST
@require_permission("shelter.decide")
def withdraw(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    """Withdraw a request waiting for the board, or an approval nobody placed."""
    placement_request = placement_request_for_user(
        request, request_id, permission="shelter.decide", case_member=False
    )
    actor_id = staff_user(request).pk
    posted_write(
        request,
        WithdrawForm(request.POST),
        lambda data: actions.placement_request_withdraw(
            actor_id=actor_id, request=placement_request, reason=data["reason"]
        ),
        _("Withdrawn: it no longer holds a claim on a bed."),
    )
    return redirect("shelters:board", shelter_id=placement_request.shelter_id)


# --- from a case's page ---------------------------------------------------------------------


@POST
@require_permission("shelter.request")
def request_place(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case = case_for_user(request, case_id, permission="shelter.request")
    actor_id = staff_user(request).pk
    form = PlaceRequestForm(request.POST, shelters=shelters_visible(actor_id))
    written = posted_form_write(
        request,
        form,
        lambda data: actions.placement_request_create(
            actor_id=actor_id, case=case, shelter=data["shelter"], need=data["need"]
        ),
        _("The request is with the shelter's board."),
    )
    if written:
        return redirect("cases:detail", case_id=case.pk)
    return case_page_render(request, case, panel_forms={"place_request": form})


@POST
@require_permission("shelter.request")
def place(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    placement_request = placement_request_for_user(
        request, request_id, permission="shelter.request", case_member=True
    )
    user = staff_user(request)
    case = Case.objects.get(pk=placement_request.case_id)
    posted_write(
        request,
        PlaceForm(request.POST, offer_move=move_offered(user, case)),
        lambda data: actions.placement_create(actor_id=user.pk, request=placement_request, **data),
        _("Placed."),
    )
    return redirect("cases:detail", case_id=placement_request.case_id)


@POST
@require_permission("shelter.request")
def end(request: HttpRequest, placement_id: uuid.UUID) -> HttpResponse:
    placement = placement_for_user(request, placement_id, permission="shelter.request")
    actor_id = staff_user(request).pk
    posted_write(
        request,
        EndForm(request.POST),
        lambda data: actions.placement_end(actor_id=actor_id, placement=placement, **data),
        _("Stay ended."),
    )
    return redirect("cases:detail", case_id=placement.case_id)
