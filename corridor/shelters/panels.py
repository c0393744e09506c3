"""The shelter part of a case page (`corridor.cases.panels.CASE_PANELS`): requests for a
place, the board's decisions, stays, and the forms to request, place and end a stay."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from corridor.accounts.decorators import staff_user
from corridor.audit.log import audit_record_many
from corridor.cases.access import request_compartment_ids
from corridor.cases.models import Case, Stage
from corridor.cases.pipeline import move_find
from corridor.shelters.access import shelters_visible
from corridor.shelters.forms import EndForm, PlaceForm, PlaceRequestForm
from corridor.shelters.models import Decision, Placement, PlacementRequest
from corridor.shelters.occupancy import StayStatus, stay_status

# Its id on the case page and its name in the page's list of sections
SECTION = ("shelter", gettext_lazy("Shelter"))


@dataclass(frozen=True)
class RequestLine:
    request: PlacementRequest
    readable: bool  # the viewer holds the shelter's compartment: name, account, reason
    placed: bool
    waited_days: int
    late: bool
    may_place: bool


@dataclass(frozen=True)
class StayLine:
    placement: Placement
    readable: bool
    status: StayStatus
    may_end: bool


def move_offered(user: Any, case: Case) -> bool:
    """Whether placing the person may also move the case to "sheltered", in the same step."""
    move = move_find(case.stage, Stage.SHELTERED)
    return move is not None and user.may(move.permission)


def case_panel(
    request: HttpRequest, case: Case, bound: Mapping[str, forms.Form] | None = None
) -> str:
    user = staff_user(request)
    member_of = request_compartment_ids(request)
    if case.compartment_id not in member_of:
        return ""
    may_request = user.may("shelter.request")
    if not (may_request or user.may("shelter.view")):
        return ""
    today, now = timezone.localdate(), timezone.now()
    requests = list(
        PlacementRequest.objects.filter(case=case)
        .select_related("shelter")
        .order_by("-requested_at")
    )
    placed = set(
        Placement.objects.filter(request__in=requests).values_list("request_id", flat=True)
    )
    request_lines = [
        RequestLine(
            r,
            r.compartment_id in member_of,
            r.pk in placed,
            r.waited(now).days,
            r.waited_too_long(now),
            may_request
            and r.compartment_id in member_of
            and r.decision == Decision.APPROVED
            and r.pk not in placed,
        )
        for r in requests
    ]
    stays = Placement.objects.filter(case=case).select_related("shelter").order_by("-starts_on")
    stay_lines = [
        StayLine(
            p,
            p.compartment_id in member_of,
            stay_status(p, p.shelter, today),
            may_request and p.compartment_id in member_of and p.ends_on is None,
        )
        for p in stays
    ]
    shelters = shelters_visible(user.pk, member_of).order_by("created_at") if may_request else None
    listed = [str(pk) for pk in shelters.values_list("pk", flat=True)] if shelters else []
    _audit_reads(user.pk, request_lines, stay_lines, listed)
    context: dict[str, Any] = {
        "case": case,
        "requests": request_lines,
        "stays": stay_lines,
        "today": today,
        "request_form": (bound or {}).get("place_request")
        or (PlaceRequestForm(shelters=shelters) if shelters is not None and listed else None),
        "place_form": PlaceForm(
            auto_id=False, initial={"starts_on": today}, offer_move=move_offered(user, case)
        ),
        "end_form": EndForm(auto_id=False, initial={"ends_on": today}),
    }
    return render_to_string("shelters/panel.html", context, request=request)


def _audit_reads(
    user_id: int, requests: list[RequestLine], stays: list[StayLine], listed: list[str]
) -> None:
    """The reads the panel makes: requests' accounts and reasons, stays' notes, shelters' names."""
    shown = [line.request for line in requests if line.readable]
    shelter_ids = {str(r.shelter_id) for r in shown} | set(listed)
    shelter_ids |= {str(line.placement.shelter_id) for line in stays if line.readable}
    with transaction.atomic():
        audit_record_many(
            actor_id=user_id,
            action="placement_request.list",
            object_type="placement_request",
            object_ids=[str(r.pk) for r in shown],
        )
        audit_record_many(
            actor_id=user_id,
            action="placement.list",
            object_type="placement",
            object_ids=[str(line.placement.pk) for line in stays if line.readable],
        )
        audit_record_many(
            actor_id=user_id,
            action="shelter.list",
            object_type="shelter",
            object_ids=sorted(shelter_ids),
        )


def case_summary(request: HttpRequest, case: Case) -> list[tuple[str, str]]:
    """The open stay's dates and days left before the cap (operational columns only)."""
    if case.compartment_id not in request_compartment_ids(request):
        return []
    stay = case.placements.filter(ends_on__isnull=True).order_by("-starts_on").first()
    if stay is None:
        return []
    left = (stay.cap_on - timezone.localdate()).days
    text = _("since %(start)s, planned until %(end)s") % {
        "start": f"{stay.starts_on:%Y-%m-%d}",
        "end": f"{stay.planned_end:%Y-%m-%d}",
    }
    if left < 0:
        text += " · " + ngettext("%(n)d day over the cap", "%(n)d days over the cap", -left) % {
            "n": -left
        }
    else:
        text += " · " + ngettext("%(n)d day left", "%(n)d days left", left) % {"n": left}
    return [(str(_("In a shelter")), text)]
