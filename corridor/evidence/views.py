"""The lawyer's evidence screens that read: items with their custody trail and packages with
their redacted preview (the writes are in `screens`, decision 0035). Lawyers only (`evidence.view`), members of the record's
compartment only (404 otherwise); every read is audited in the request (decision 0020)."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from corridor.accounts.decorators import require_permission, staff_user
from corridor.audit.log import audit_record_many
from corridor.cases.access import request_compartment_ids
from corridor.evidence.actions import custody_check, custody_trail
from corridor.evidence.models import EvidenceItem, Package
from corridor.vault import signing


def _audited(request: HttpRequest, object_type: str, ids: list[str], verb: str) -> None:
    if ids:
        with transaction.atomic():
            audit_record_many(
                actor_id=staff_user(request).pk,
                action=f"{object_type}.{verb}",
                object_type=object_type,
                object_ids=ids,
            )


@require_GET
@require_permission("evidence.view")
def home(request: HttpRequest) -> HttpResponse:
    member_of = request_compartment_ids(request)
    items = list(EvidenceItem.objects.filter(compartment_id__in=member_of))
    packages = list(Package.objects.filter(compartment_id__in=member_of))
    _audited(request, "evidence_item", [str(i.pk) for i in items], "list")
    _audited(request, "evidence_package", [str(p.pk) for p in packages], "list")
    public_key = signing.public_key_minisign(signing.evidence_public_key())
    return render(
        request,
        "evidence/home.html",
        {"items": items, "packages": packages, "public_key": public_key},
    )


@require_GET
@require_permission("evidence.view")
def item_detail(request: HttpRequest, item_id: uuid.UUID) -> HttpResponse:
    item = EvidenceItem.objects.filter(
        pk=item_id, compartment_id__in=request_compartment_ids(request)
    ).first()
    if item is None:
        raise Http404
    _audited(request, "evidence_item", [str(item.pk)], "read")
    trail = custody_trail(item)
    return render(
        request,
        "evidence/item.html",
        {"item": item, "trail": trail, "trail_wrong": custody_check(trail)},
    )


@require_GET
@require_permission("evidence.view")
def package_detail(request: HttpRequest, package_id: uuid.UUID) -> HttpResponse:
    package = Package.objects.filter(
        pk=package_id, compartment_id__in=request_compartment_ids(request)
    ).first()
    if package is None:
        raise Http404
    from corridor.evidence.screens import package_page  # the export forms live there

    return package_page(request, package)
