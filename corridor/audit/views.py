"""The audit log screen for administrators: read the chain, sign and export checkpoints."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from corridor.accounts.decorators import require_permission
from corridor.accounts.models import User
from corridor.audit.checkpoints import checkpoint_create, checkpoints_export
from corridor.audit.models import AuditCheckpoint, AuditEntry


@require_http_methods(["GET"])
@require_permission("audit.view")
def audit_log(request: HttpRequest) -> HttpResponse:
    page = Paginator(AuditEntry.objects.order_by("-seq"), 100).get_page(request.GET.get("page"))
    actor_ids = {entry.actor_id for entry in page if entry.actor_id is not None}
    names = dict(User.objects.filter(pk__in=actor_ids).values_list("pk", "username"))
    rows = [(entry, names.get(entry.actor_id or 0, "—")) for entry in page]
    checkpoints = AuditCheckpoint.objects.order_by("-seq")[:5]
    return render(
        request, "audit/log.html", {"page": page, "rows": rows, "checkpoints": checkpoints}
    )


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
