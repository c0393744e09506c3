"""The audit log screen for administrators: read the chain, sign and export checkpoints."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from corridor.accounts.decorators import require_permission
from corridor.accounts.models import User
from corridor.audit.checkpoints import checkpoint_create, checkpoints_export
from corridor.audit.models import AuditCheckpoint, AuditEntry
from corridor.audit.names import action_name


@require_http_methods(["GET"])
@require_permission("audit.view")
def audit_log(request: HttpRequest) -> HttpResponse:
    """The chain newest first, filtered by person, action, record and dates (all optional)."""
    entries, filters, error = _filtered(request)
    page = Paginator(entries.order_by("-seq"), 100).get_page(request.GET.get("page"))
    actor_ids = {entry.actor_id for entry in page if entry.actor_id is not None}
    names = dict(User.objects.filter(pk__in=actor_ids).values_list("pk", "username"))
    rows = [
        (entry, names.get(entry.actor_id or 0, "—"), action_name(entry.action)) for entry in page
    ]
    checkpoints = AuditCheckpoint.objects.order_by("-seq")[:5]
    query = urlencode({k: v for k, v in filters.items() if v})
    return render(
        request,
        "audit/log.html",
        {
            "page": page,
            "rows": rows,
            "checkpoints": checkpoints,
            "filters": filters,
            "query": query,
            "error": error,
        },
    )


def _filtered(request: HttpRequest) -> tuple[QuerySet[AuditEntry], dict[str, str], str]:
    filters = {
        key: request.GET.get(key, "").strip()[:64]
        for key in ("person", "action", "record", "since", "until")
    }
    entries = AuditEntry.objects.all()
    error = ""
    if filters["person"]:
        user = User.objects.filter(username=filters["person"]).first()
        entries = entries.filter(actor_id=user.pk if user else -1)
    if filters["action"]:
        entries = entries.filter(action__startswith=filters["action"])
    if filters["record"]:
        entries = entries.filter(object_id=filters["record"])
    # Days are the organisation's; a range of `time` (indexed), not `time::date` row by row.
    for key, lookup, days in (("since", "time__gte", 0), ("until", "time__lt", 1)):
        if filters[key]:
            try:
                day = date.fromisoformat(filters[key]) + timedelta(days=days)
            except (ValueError, OverflowError):
                error = _("Write dates as YYYY-MM-DD.")
                continue
            entries = entries.filter(
                **{lookup: timezone.make_aware(datetime.combine(day, datetime.min.time()))}
            )
    return entries, filters, error


@require_POST
@require_permission("audit.checkpoint")
def audit_checkpoint(request: HttpRequest) -> HttpResponse:
    with transaction.atomic():
        checkpoint = checkpoint_create()
    messages.success(request, _("Checkpoint signed at entry %(seq)d.") % {"seq": checkpoint.seq})
    return redirect("audit:log")


@require_http_methods(["GET"])
@require_permission("audit.checkpoint")
def audit_export(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(checkpoints_export(), content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="corridor-audit-checkpoints.json"'
    return response
