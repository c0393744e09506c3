"""Role home pages: what each person needs to see of their work, in counts (decision 0029).

Thin: the figures come from `corridor.reports.figures` (operational columns, a fixed number
of queries); the only records opened are the shelters' names, audited as the shelter list.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from corridor.accounts.decorators import require_permission, staff_user
from corridor.accounts.roles import Role
from corridor.audit.log import audit_record, audit_record_many
from corridor.cases.access import request_compartment_ids
from corridor.cases.models import Stage
from corridor.reports import figures
from corridor.reports.period import period_parse
from corridor.vault.models import Membership, compartments_hashes_outdated


def _desk_member(compartment_ids: list[int]) -> bool:
    from corridor.intake.models import intake_desk

    desk = intake_desk()
    return desk is not None and desk.compartment_id in compartment_ids


def _caseworker(user_id: int, compartment_ids: list[int], role: str) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "my_cases": figures.my_cases(user_id=user_id, compartment_ids=compartment_ids),
        "my_tasks": figures.my_tasks(user_id=user_id, compartment_ids=compartment_ids, today=today),
        "my_alerts": figures.open_alerts(
            user_id=user_id, coordinator=role == Role.COORDINATOR, compartment_ids=compartment_ids
        ),
    }


def _shelters(request: HttpRequest, compartment_ids: list[int]) -> list[figures.ShelterFigures]:
    from corridor.shelters.access import shelters_visible

    user = staff_user(request)
    shelters = list(shelters_visible(user.pk, compartment_ids).order_by("created_at"))
    if shelters:
        with transaction.atomic():
            audit_record_many(
                actor_id=user.pk,
                action="shelter.list",
                object_type="shelter",
                object_ids=[str(s.pk) for s in shelters],
            )
    return figures.shelters_figures(shelters=shelters, today=timezone.localdate())


def coordinator_context(request: HttpRequest, compartment_ids: list[int]) -> dict[str, Any]:
    """Everything the coordinator's page shows, for the period asked in the query string: a
    fixed number of count queries over kept counts and indexed operational columns, and the
    waits per destination in two (the current stay at the application stage; the country
    board sums every visit, decision 0037)."""
    from corridor.relocation.board import destination_waits

    user = staff_user(request)
    period, period_error = period_parse(request.GET.get("start"), request.GET.get("end"))
    desk = _desk_member(compartment_ids)
    stage_months = figures.stage_months(compartment_ids=compartment_ids, period=period)
    months = period.months()
    return {
        "period": period,
        "period_error": period_error,
        "funnel": figures.funnel_compute(compartment_ids=compartment_ids, period=period, desk=desk),
        "months": months,
        "stage_rows": [
            (stage, [stage_months.get(stage, {}).get(m, 0) for m in months])
            for stage in Stage
            if stage in stage_months
        ],
        "alerts_open": figures.open_alerts(
            user_id=user.pk, coordinator=True, compartment_ids=compartment_ids
        ),
        "tasks_overdue": figures.overdue_tasks(compartment_ids=compartment_ids),
        "shelters": _shelters(request, compartment_ids),
        "destinations": destination_waits(compartment_ids=compartment_ids, now=timezone.now()),
    }


def home(request: HttpRequest) -> HttpResponse:
    """The start page of a logged-in member of staff, by role (called by `core:home`)."""
    user = staff_user(request)
    compartment_ids = request_compartment_ids(request)
    role = user.role
    context: dict[str, Any] = {
        "role": role,
        "memberships": Membership.objects.filter(user_id=user.pk).select_related("compartment"),
        "hashes_outdated": compartments_hashes_outdated(
            getattr(request, "keyring", None), compartment_ids
        ),
    }
    if role in (Role.CASEWORKER, Role.COORDINATOR, Role.LAWYER):
        context.update(_caseworker(user.pk, compartment_ids, role))
    if role == Role.COORDINATOR:
        context.update(coordinator_context(request, compartment_ids))
    if role in (Role.TRIAGE, Role.COORDINATOR) and _desk_member(compartment_ids):
        context["desk"] = figures.desk_figures()
    if role == Role.LAWYER:
        context["documentation"] = figures.documentation_figures(
            user_id=user.pk, compartment_ids=compartment_ids
        )
    return render(request, "reports/home.html", context)


# --- charts ---------------------------------------------------------------------------------

# An SVG image runs no script; its own policy lets only its inline stylesheet apply.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"


def _chart(request: HttpRequest, kind: str, period: Any, compartment_ids: list[int]) -> Any:
    from corridor.reports import dashboards

    if kind == "funnel":
        funnel = figures.funnel_compute(
            compartment_ids=compartment_ids, period=period, desk=_desk_member(compartment_ids)
        )
        return dashboards.funnel_chart(funnel, period)
    if kind == "stages":
        return dashboards.stages_chart(compartment_ids=compartment_ids, period=period)
    if kind == "occupancy":
        return dashboards.occupancy_chart(compartment_ids=compartment_ids, period=period)
    if kind == "stage_time":
        return dashboards.stage_time_chart(compartment_ids=compartment_ids)
    currency = (request.GET.get("currency") or "").upper()[:3]
    return dashboards.spending_chart(
        compartment_ids=compartment_ids, period=period, currency=currency
    )


@require_http_methods(["GET"])
@require_permission("reports.view")
def charts(request: HttpRequest) -> HttpResponse:
    """Every chart of the coordinator's compartments for a period, each with its table."""
    from corridor.reports import dashboards

    compartment_ids = request_compartment_ids(request)
    period, period_error = period_parse(request.GET.get("start"), request.GET.get("end"))
    shown = [
        (kind, "", _chart(request, kind, period, compartment_ids))
        for kind in dashboards.CHART_KINDS
        if kind != "spending"
    ]
    spending = dashboards.spending_by_currency(compartment_ids=compartment_ids, period=period)
    for currency in sorted(spending):
        chart = dashboards.spending_chart(
            compartment_ids=compartment_ids, period=period, currency=currency
        )
        shown.append(("spending", currency, chart))
    return render(
        request,
        "reports/charts.html",
        {"charts": shown, "period": period, "period_error": period_error},
    )


@require_http_methods(["GET"])
@require_permission("reports.view")
def chart_svg(request: HttpRequest, kind: str) -> HttpResponse:
    """One chart as an SVG image, for an <img> on this origin."""
    from corridor.reports import dashboards
    from corridor.reports.charts import chart_svg as draw

    if kind not in dashboards.CHART_KINDS:
        raise Http404
    period, _error = period_parse(request.GET.get("start"), request.GET.get("end"))
    chart = _chart(request, kind, period, request_compartment_ids(request))
    response = HttpResponse(draw(chart), content_type="image/svg+xml")
    response.headers["Content-Security-Policy"] = SVG_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# --- money ----------------------------------------------------------------------------------


def _donor_page(request: HttpRequest, error: str = "", status: int = 200) -> HttpResponse:
    from corridor.cases.models import FundingKind, FundingSource
    from corridor.reports.models import DonorReport

    return render(
        request,
        "reports/donor.html",
        {
            "sources": FundingSource.objects.order_by("code"),
            "kinds": FundingKind.choices,
            "reports": DonorReport.objects.select_related("source").order_by("-created_at")[:30],
            "error": error,
            "posted": request.POST,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@require_permission("reports.money")
def donor(request: HttpRequest) -> HttpResponse:
    """Funding sources, past donor reports, and the form for a new one."""
    from django.core.exceptions import ValidationError

    from corridor.cases.models import FundingSource
    from corridor.reports import money

    if request.method == "GET":
        return _donor_page(request)
    source = FundingSource.objects.filter(pk=request.POST.get("source") or 0).first()
    period, error = period_parse(request.POST.get("start"), request.POST.get("end"))
    if source is None or error:
        return _donor_page(request, error or _("Choose a funding source."))
    try:
        report = money.donor_report_create(
            actor_id=staff_user(request).pk,
            source=source,
            period=period,
            target_currency=request.POST.get("target_currency", ""),
            rates=money.rates_parse(request.POST.get("rates", "")),
        )
    except ValidationError as exc:
        return _donor_page(request, " ".join(exc.messages))
    return redirect("reports:donor_report", report_id=report.pk)


@require_http_methods(["POST"])
@require_permission("reports.money")
def funding_add(request: HttpRequest) -> HttpResponse:
    from django.core.exceptions import ValidationError

    from corridor.reports import money

    try:
        money.funding_source_create(
            actor_id=staff_user(request).pk,
            code=request.POST.get("code", ""),
            kind=request.POST.get("kind", ""),
        )
    except ValidationError as exc:
        return _donor_page(request, " ".join(exc.messages))
    return redirect("reports:donor")


def _donor_report(request: HttpRequest, report_id: int) -> Any:
    from corridor.reports.models import DonorReport
    from corridor.reports.money import donor_compute

    report = DonorReport.objects.select_related("source").filter(pk=report_id).first()
    if report is None:
        raise Http404
    return donor_compute(report, request_compartment_ids(request))


@require_http_methods(["GET"])
@require_permission("reports.money")
def donor_report(request: HttpRequest, report_id: int) -> HttpResponse:
    """The report as a printable page."""
    figures_ = _donor_report(request, report_id)
    with transaction.atomic():
        audit_record(
            actor_id=staff_user(request).pk,
            action="donor_report.read",
            object_type="donor_report",
            object_id=str(report_id),
        )
    return render(request, "reports/donor_report.html", {"figures": figures_})


@require_http_methods(["POST"])
@require_permission("reports.money")
def donor_export(request: HttpRequest, report_id: int) -> HttpResponse:
    """The report as CSV, encrypted with age to the requesting user's registered key (or a
    key they typed) unless they deliberately ask for it plain (ticked and typed "plain");
    every export is audited, each kind by its own name (decision 0037)."""
    from django.core.exceptions import ValidationError

    from corridor.accounts.forms import age_recipient_clean
    from corridor.reports.money import donor_csv, export_encrypt

    user = staff_user(request)
    back = redirect("reports:donor_report", report_id=report_id)
    figures_ = _donor_report(request, report_id)
    if request.POST.get("plain") == "yes":
        if request.POST.get("confirm", "").strip().lower() != "plain":
            messages.error(request, _("To export without encryption, type the word plain."))
            return back
        with transaction.atomic():
            audit_record(
                actor_id=user.pk,
                action="donor_report.export_plain",
                object_type="donor_report",
                object_id=str(report_id),
            )
        response = HttpResponse(donor_csv(figures_), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="donor-report-{report_id}.csv"'
        return response
    try:
        typed = age_recipient_clean(request.POST.get("recipient", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return back
    recipient = typed or user.age_recipient
    if not recipient:
        messages.error(
            request,
            _(
                "You have not registered an age key, so there is nothing to encrypt the file "
                "to. Register yours under My account, Age key for exports (%(url)s), or type "
                "a recipient below."
            )
            % {"url": reverse("accounts:age_key")},
        )
        return back
    own = recipient == user.age_recipient
    with transaction.atomic():
        audit_record(
            actor_id=user.pk,
            action="donor_report.export_age" if own else "donor_report.export_age_typed",
            object_type="donor_report",
            object_id=str(report_id),
        )
    response = HttpResponse(
        export_encrypt(donor_csv(figures_), recipient), content_type="application/octet-stream"
    )
    response["Content-Disposition"] = f'attachment; filename="donor-report-{report_id}.csv.age"'
    return response
