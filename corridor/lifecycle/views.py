"""The purge preview (what will go, when), legal holds and retention periods (decision 0024).

Nothing here opens a record: the preview lists ids, rules and dates only, so it needs no
keys. A coordinator sees the compartments they are a member of; an administrator sees all.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from corridor.accounts.decorators import require_permission, staff_user
from corridor.accounts.roles import Role
from corridor.lifecycle.actions import legal_hold_place, legal_hold_release, retention_policy_set
from corridor.lifecycle.models import HoldBasis, LegalHold, Purge, PurgeRule, RetentionPolicy
from corridor.lifecycle.retention import retention_schedule
from corridor.vault.models import Compartment, Membership

HORIZON_DAYS = 30


def _compartment_ids(request: HttpRequest) -> list[int]:
    user = staff_user(request)
    if user.role == Role.ADMIN:
        return list(Compartment.objects.values_list("pk", flat=True))
    return list(Membership.objects.filter(user=user).values_list("compartment_id", flat=True))


@require_http_methods(["GET"])
@require_permission("retention.view")
def retention_preview(request: HttpRequest) -> HttpResponse:
    ids = _compartment_ids(request)
    compartments = Compartment.objects.filter(pk__in=ids).order_by("name")
    policies = {p.compartment_id: p for p in RetentionPolicy.objects.filter(compartment_id__in=ids)}
    due = retention_schedule(horizon_days=HORIZON_DAYS, compartment_ids=ids)
    holds = {
        (h.object_type, h.object_id): h for h in LegalHold.objects.filter(released_at__isnull=True)
    }
    names = {c.pk: c.name for c in compartments}
    rows = [
        (item, names.get(item.compartment_id, ""), PurgeRule(item.rule).label,
         holds.get((item.object_type, item.object_id)))
        for item in due
    ]  # fmt: skip
    return render(
        request,
        "lifecycle/preview.html",
        {
            "compartments": [(c, policies.get(c.pk)) for c in compartments],
            "rows": rows,
            "horizon": HORIZON_DAYS,
            "bases": HoldBasis.choices,
            "purges": Purge.objects.filter(compartment_id__in=ids).order_by("-purged_at")[:50],
            "may_set_policy": staff_user(request).may("retention.policy"),
        },
    )


def _period(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise ValidationError(
            _("A retention period must be a whole number from 1 to %(max)s.") % {"max": 36500}
        )
    return int(text)


@require_POST
@require_permission("retention.policy")
def retention_policy(request: HttpRequest, compartment_id: int) -> HttpResponse:
    compartment = get_object_or_404(Compartment, pk=compartment_id)
    try:
        retention_policy_set(
            actor_id=staff_user(request).pk,
            compartment=compartment,
            closed_case_months=_period(request.POST.get("closed_case_months", "")),
            declined_days=_period(request.POST.get("declined_days", "")),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Retention periods saved."))
    return redirect("lifecycle:preview")


def _may_hold(request: HttpRequest, object_type: str, object_id: uuid.UUID) -> bool:
    """A hold is a decision about one record: only a member of its compartment makes it,
    administrator or coordinator (an administrator sees every compartment's schedule)."""
    user = staff_user(request)
    ids = set(Membership.objects.filter(user=user).values_list("compartment_id", flat=True))
    return any(
        item.compartment_id in ids
        for item in retention_schedule(horizon_days=36500, compartment_ids=ids)
        if item.object_type == object_type and item.object_id == object_id
    )


@require_POST
@require_permission("retention.hold")
def hold_place(request: HttpRequest) -> HttpResponse:
    try:
        object_id = uuid.UUID(request.POST.get("object_id", ""))
    except ValueError:
        messages.error(request, _("There is no such case or request."))
        return redirect("lifecycle:preview")
    object_type = request.POST.get("object_type", "")
    if not _may_hold(request, object_type, object_id):
        raise PermissionDenied("retention.hold")
    try:
        legal_hold_place(
            actor_id=staff_user(request).pk,
            object_type=object_type,
            object_id=object_id,
            basis=request.POST.get("basis", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Legal hold placed: this record will not be purged."))
    return redirect("lifecycle:preview")


@require_POST
@require_permission("retention.hold")
def hold_release(request: HttpRequest, hold_id: int) -> HttpResponse:
    hold = get_object_or_404(LegalHold, pk=hold_id)
    if not _may_hold(request, hold.object_type, hold.object_id):
        raise PermissionDenied("retention.hold")
    try:
        legal_hold_release(actor_id=staff_user(request).pk, hold=hold)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Legal hold released."))
    return redirect("lifecycle:preview")
