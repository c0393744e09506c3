"""The lawyer's evidence screens that read: items with their custody trail and packages with
their redacted preview (the writes are in `screens`, decision 0035). Lawyers only (`evidence.view`), members of the record's
compartment only (404 otherwise); every read is audited in the request (decision 0020)."""

from __future__ import annotations

import hashlib
import itertools
import uuid
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from corridor.accounts.decorators import require_permission, staff_user
from corridor.audit.log import audit_record_many
from corridor.cases.access import request_compartment_ids
from corridor.evidence.actions import custody_check, custody_trail, item_read
from corridor.evidence.models import EvidenceItem, Package, PackageExport
from corridor.evidence.packages import _suffix
from corridor.evidence.timestamps import (
    MAX_RESPONSE_BYTES,
    QUERY_HINT,
    TimestampInvalid,
    package_timestamp_import,
)
from corridor.evidence.working import (
    item_working_copy_make,
    working_copy_read,
    working_note_text,
)
from corridor.vault import signing

# An image document needs nothing at all: no script, no style, no frame, no form; sandboxed.
IMAGE_POLICY = "default-src 'none'; frame-ancestors 'self'; sandbox"


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


def _item_for(request: HttpRequest, item_id: uuid.UUID) -> EvidenceItem:
    item = EvidenceItem.objects.filter(
        pk=item_id, compartment_id__in=request_compartment_ids(request)
    ).first()
    if item is None:
        raise Http404
    return item


@require_GET
@require_permission("evidence.view")
def item_detail(request: HttpRequest, item_id: uuid.UUID) -> HttpResponse:
    item = _item_for(request, item_id)
    _audited(request, "evidence_item", [str(item.pk)], "read")
    trail = custody_trail(item)
    return render(
        request,
        "evidence/item.html",
        {
            "item": item,
            "trail": trail,
            "trail_wrong": custody_check(trail),
            "working_note": working_note_text(item),
            "may_edit": staff_user(request).may("evidence.edit"),
        },
    )


@require_GET
@require_permission("evidence.view")
def item_working_image(request: HttpRequest, item_id: uuid.UUID) -> HttpResponse:
    """The working copy (re-encoded without metadata) for the item page's <img>; each view
    is a custody link. Served under a policy that allows nothing (decision 0036)."""
    item = _item_for(request, item_id)
    if not item.working_media_type:
        raise Http404
    data = working_copy_read(actor_id=staff_user(request).pk, item=item)
    response = HttpResponse(data, content_type=item.working_media_type)
    response.headers["Content-Security-Policy"] = IMAGE_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    response.headers["Cache-Control"] = "no-store"
    return cast(HttpResponse, response)  # the decorators type views as HttpResponse


@require_POST
@require_permission("evidence.edit")
def item_working_make(request: HttpRequest, item_id: uuid.UUID) -> HttpResponse:
    """Make the working copy of an item received before there were working copies."""
    item = _item_for(request, item_id)
    try:
        item_working_copy_make(actor_id=staff_user(request).pk, item=item)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if item.working_media_type:
            messages.success(request, _("The working copy was made."))
        else:
            messages.warning(request, working_note_text(item))
    return redirect("evidence:item", item_id=item.pk)


@require_GET
@require_permission("evidence.view")
def item_download(request: HttpRequest, item_id: uuid.UUID) -> HttpResponse:
    """The evidentiary copy, byte for byte as received, as a download (a custody link)."""
    item = _item_for(request, item_id)
    chunks = item_read(actor_id=staff_user(request).pk, item=item, action="downloaded")
    # The first chunk is opened now, while the request's keyring and read ledger are active;
    # the rest streams under the data key it left cached on the item.
    first = next(chunks, b"")
    response = StreamingHttpResponse(
        itertools.chain([first], chunks), content_type="application/octet-stream"
    )
    response.headers["Content-Length"] = str(item.size)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{item.pk}{_suffix(item.original_name or "") or ".bin"}"'
    )
    response.headers["Content-Security-Policy"] = IMAGE_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return cast(HttpResponse, response)  # the decorators type views as HttpResponse


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


def _timestamp_panel(request: HttpRequest, package: Package) -> dict[str, Any]:
    """What the package page's trusted-time block shows (decision 0036)."""
    latest = PackageExport.objects.filter(package=package).exclude(signature="").order_by("-at")
    export = latest.first()
    return {
        "time": package.timestamp_time,
        "over": package.timestamp_export,
        "latest": export,
        "latest_sha256": hashlib.sha256(export.signature.encode()).hexdigest() if export else "",
        "query": QUERY_HINT,
        "may_edit": staff_user(request).may("evidence.edit"),
    }


@require_POST
@require_permission("evidence.edit")
def package_timestamp(request: HttpRequest, package_id: uuid.UUID) -> HttpResponse:
    """Import the TSA's response (.tsr) for the signature of one of the package's exports."""
    package = Package.objects.filter(
        pk=package_id, compartment_id__in=request_compartment_ids(request)
    ).first()
    if package is None:
        raise Http404
    length = request.META.get("CONTENT_LENGTH") or "0"
    upload = None
    if length.isdigit() and int(length) <= MAX_RESPONSE_BYTES + 4096:
        upload = request.FILES.get("response")
    if upload is None or upload.size is None or upload.size > MAX_RESPONSE_BYTES:
        messages.error(request, _("Choose the timestamp response file (.tsr) to upload."))
        return redirect("evidence:package", package_id=package.pk)
    try:
        package_timestamp_import(
            actor_id=staff_user(request).pk, package=package, response=upload.read()
        )
    except TimestampInvalid as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The timestamp was verified and kept."))
    return redirect("evidence:package", package_id=package.pk)
