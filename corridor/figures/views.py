"""Published statistics: the coordinator's release desk and the public `/figures/` pages.

The public pages are like `/help/`: no login, no cookie (no session, no CSRF token, the
language in the path), no script, nothing from another origin; they show published
releases only.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.views.decorators.http import require_http_methods

from corridor.accounts.decorators import public, require_permission, staff_user
from corridor.audit.log import audit_record
from corridor.figures import actions
from corridor.figures.forms import ReleaseForm
from corridor.figures.models import PrivacyBudget, Release, ReleaseStatus
from corridor.figures.privacy import ALPHA
from corridor.figures.tables import TABLES

GET = require_http_methods(["GET"])


def _ledger() -> list[tuple[PrivacyBudget, float, list[Any]]]:
    budgets = PrivacyBudget.objects.order_by("-year").prefetch_related("entries__release")
    return [(b, sum(e.epsilon for e in b.entries.all()), list(b.entries.all())) for b in budgets]


@require_http_methods(["GET", "POST"])
@require_permission("figures.publish")
def manage(request: HttpRequest) -> HttpResponse:
    """Releases prepared and published, the ledger per year, and a form for a new release."""
    user = staff_user(request)
    form = ReleaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            release = actions.release_prepare(actor_id=user.pk, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("figures:release", release_id=release.pk)
    releases = Release.objects.order_by("-prepared_at")[:50]
    with transaction.atomic():
        audit_record(actor_id=user.pk, action="figures.ledger_view", object_type="figures_ledger")
    return render(
        request,
        "figures/manage.html",
        {"form": form, "releases": releases, "ledger": _ledger()},
    )


def _grouped(release: Release) -> list[tuple[Any, list[Any]]]:
    """Each table with its values; a value's `label` is its category as shown (an act type's
    name in the page's language, else the month or country code itself)."""
    by_table: dict[str, list[Any]] = defaultdict(list)
    for value in release.values.all():
        by_table[value.table].append(value)
    for key, values in by_table.items():
        labels = TABLES[key].category_labels
        names = labels() if labels is not None else {}
        for value in values:
            value.label = names.get(value.category, value.category)
    return [(TABLES[key], by_table[key]) for key in release.tables]


@GET
@require_permission("figures.publish")
def release(request: HttpRequest, release_id: uuid.UUID) -> HttpResponse:
    """A release's cost and expected accuracy before publishing, or its numbers after."""
    found = get_object_or_404(Release, pk=release_id)
    plan = actions.release_plan(found)
    context = {
        "release": found,
        "plan": plan,
        "labels": {key: TABLES[key].label for key in found.tables},
        "tables": _grouped(found),
        "confidence": round((1 - ALPHA) * 100),
    }
    return render(request, "figures/release.html", context)


@require_http_methods(["POST"])
@require_permission("figures.publish")
def publish(request: HttpRequest, release_id: uuid.UUID) -> HttpResponse:
    found = get_object_or_404(Release, pk=release_id)
    try:
        actions.release_publish(actor_id=staff_user(request).pk, release_id=found.pk)
    except actions.ReleaseRefused as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, translation.gettext("Published. The numbers are now public."))
    return redirect("figures:release", release_id=found.pk)


# --- public -----------------------------------------------------------------------------------


def _published() -> list[Release]:
    return list(
        Release.objects.filter(status=ReleaseStatus.PUBLISHED)
        .prefetch_related("values")
        .order_by("-first_month", "-published_at")
    )


@public
@GET
def public_page(request: HttpRequest, language: str) -> HttpResponse:
    with translation.override(language):
        releases = [(r, _grouped(r)) for r in _published()]
        response = render(
            request,
            "figures/public.html",
            {
                "releases": releases,
                "language": language,
                "other_language": "en" if language == "ru" else "ru",
                "confidence": round((1 - ALPHA) * 100),
            },
        )
    response["Content-Language"] = language
    return response


def _public_release(release_id: uuid.UUID) -> Release:
    found = Release.objects.filter(pk=release_id, status=ReleaseStatus.PUBLISHED).first()
    if found is None:
        raise Http404
    return found


def _rows(release: Release) -> list[dict[str, Any]]:
    return [
        {
            "table": v.table,
            "category": v.category,
            "value": v.value,
            "accuracy_95": v.accuracy,
        }
        for v in release.values.all()
    ]


@public
@GET
def release_csv(request: HttpRequest, release_id: uuid.UUID) -> HttpResponse:
    found = _public_release(release_id)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["table", "category", "value", "accuracy_95"])
    writer.writeheader()
    writer.writerows(_rows(found))
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="figures-{found.pk}.csv"'
    return response


@public
@GET
def release_json(request: HttpRequest, release_id: uuid.UUID) -> HttpResponse:
    found = _public_release(release_id)
    body = {
        "release": str(found.pk),
        "first_month": f"{found.first_month:%Y-%m}",
        "last_month": f"{found.last_month:%Y-%m}",
        "published_at": found.published_at.isoformat() if found.published_at else None,
        "epsilon": found.epsilon,
        "confidence": 1 - ALPHA,
        "mechanism": "discrete Laplace (OpenDP), one case counted at most once per table",
        "values": _rows(found),
    }
    return HttpResponse(
        json.dumps(body, ensure_ascii=False, indent=1), content_type="application/json"
    )
