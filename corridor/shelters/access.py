"""The doors to shelters, requests for a place and placements.

A shelter, and the requests and placements made for it, live in the shelter's compartment:
only its members reach them (404 for anyone else, so a shelter's existence is not confirmed
to a non-member: T3, T4). Acting from a case's page also needs the case's compartment.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from corridor.accounts.decorators import staff_user
from corridor.audit.log import audit_record
from corridor.cases.access import member_compartment_ids, request_compartment_ids
from corridor.shelters.models import Placement, PlacementRequest, Shelter


def shelters_visible(user_id: int, compartment_ids: list[int] | None = None) -> QuerySet[Shelter]:
    """Shelters in this user's compartments (`compartment_ids`: theirs, if already read)."""
    if compartment_ids is None:
        compartment_ids = member_compartment_ids(user_id)
    return Shelter.objects.filter(compartment_id__in=compartment_ids)


def _permitted(request: HttpRequest, permission: str) -> list[int]:
    user = staff_user(request)
    if not user.may(permission):
        raise PermissionDenied(permission)
    return request_compartment_ids(request)


def _audit_read(request: HttpRequest, action: str, object_type: str, object_id: object) -> None:
    with transaction.atomic():
        audit_record(
            actor_id=staff_user(request).pk,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
        )


def shelter_for_user(request: HttpRequest, shelter_id: uuid.UUID, *, permission: str) -> Shelter:
    member_of = _permitted(request, permission)
    shelter = Shelter.objects.filter(pk=shelter_id, compartment_id__in=member_of).first()
    if shelter is None:
        raise Http404
    _audit_read(request, "shelter.read", "shelter", shelter.pk)
    return shelter


def placement_request_for_user(
    request: HttpRequest, request_id: uuid.UUID, *, permission: str, case_member: bool
) -> PlacementRequest:
    """A request for a place, to a member of the shelter's compartment (and of the case's,
    with `case_member`: the actions taken from a case's page)."""
    member_of = _permitted(request, permission)
    found = PlacementRequest.objects.filter(pk=request_id, compartment_id__in=member_of)
    if case_member:
        found = found.filter(case__compartment_id__in=member_of)
    placement_request = found.select_related("shelter").first()
    if placement_request is None:
        raise Http404
    _audit_read(request, "placement_request.read", "placement_request", placement_request.pk)
    return placement_request


def placement_for_user(
    request: HttpRequest, placement_id: uuid.UUID, *, permission: str
) -> Placement:
    """A placement, to a member of both the shelter's and the case's compartment."""
    member_of = _permitted(request, permission)
    placement = Placement.objects.filter(
        pk=placement_id, compartment_id__in=member_of, case__compartment_id__in=member_of
    ).first()
    if placement is None:
        raise Http404
    _audit_read(request, "placement.read", "placement", placement.pk)
    return placement
