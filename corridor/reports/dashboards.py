"""The coordinator's charts: each one's numbers, as a `Chart` the page draws and tabulates.

Operational columns only, through `corridor.reports.figures` and the apps' own read-only
helpers (the country board, shelter occupancy); nothing is decrypted, so no chart opens a
record. Texts are translated in the language of the request that asks.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from corridor.cases.models import Expense, ExpenseCategory, Stage
from corridor.reports import figures
from corridor.reports.charts import Chart
from corridor.reports.period import Period

CHART_KINDS = ("funnel", "stages", "occupancy", "stage_time", "spending")


def _month(day: date) -> str:
    return f"{day:%Y-%m}"


def step_labels() -> dict[str, str]:
    return {
        "requests": _("Requests"),
        "vetted": _("Vetted"),
        "accepted": _("Accepted"),
        "evacuated": _("Evacuated"),
        "sheltered": _("Sheltered"),
        "abroad": _("Left the country"),
        "arrived": _("Arrived at the destination"),
        "closed": _("Closed"),
    }


def funnel_chart(funnel: figures.Funnel, period: Period) -> Chart:
    labels = step_labels()
    steps = [("requests", funnel.requests), *((k, n) for k, _s, n in funnel.steps)]
    steps.append(("closed", funnel.closed_total))
    return Chart(
        title=_("The funnel, %(a)s to %(b)s")
        % {"a": _month(period.first), "b": _month(period.last)},
        x_title=_("Step"),
        y_title=_("Cases"),
        labels=[labels[key] for key, _n in steps],
        series=[(_("Cases"), [n for _k, n in steps])],
    )


def stages_chart(*, compartment_ids: list[int], period: Period) -> Chart:
    table = figures.stage_months(compartment_ids=compartment_ids, period=period)
    months = period.months()
    return Chart(
        title=_("Cases entering each stage, by month"),
        x_title=_("Month"),
        y_title=_("Cases"),
        labels=[_month(m) for m in months],
        series=[
            (str(stage.label), [table[stage].get(m, 0) for m in months])
            for stage in Stage
            if stage in table
        ],
        kind="stacked",
    )


def occupancy_chart(*, compartment_ids: list[int], period: Period) -> Chart:
    """Beds taken and beds there are, on the first day of each week of the period (one query
    per shelter: shelters are few)."""
    from corridor.shelters.models import Shelter
    from corridor.shelters.occupancy import shelter_occupancy

    today = timezone.localdate()
    last = min(period.end.date() - timedelta(days=1), today)
    days = []
    day = period.first
    while day <= last:
        days.append(day)
        day += timedelta(days=7)
    taken: dict[date, int] = dict.fromkeys(days, 0)
    beds = 0
    shelters = Shelter.objects.filter(compartment_id__in=compartment_ids).only(
        "id", "capacity", "compartment_id"
    )
    for shelter in shelters:
        beds += shelter.capacity
        if days:
            for on, n in shelter_occupancy(shelter, days[0], days[-1], today=today):
                if on in taken:
                    taken[on] += n
    return Chart(
        title=_("Shelter beds taken, week by week"),
        x_title=_("Week beginning"),
        y_title=_("Beds"),
        labels=[f"{d:%Y-%m-%d}" for d in days],
        series=[(_("Beds taken"), [taken[d] for d in days]), (_("Beds"), [beds] * len(days))],
        kind="line",
    )


def stage_time_chart(*, compartment_ids: list[int]) -> Chart:
    """Median days a case spends at each stage, per destination (the country board's rule)."""
    from corridor.relocation.board import TIMED_STAGES, board_compute

    rows = [
        r for r in board_compute(compartment_ids=compartment_ids, now=timezone.now()) if r.cases
    ]
    stages = [s for s in TIMED_STAGES if any(r.stage(s).timed for r in rows)]
    return Chart(
        title=_("Median days at each stage, per destination"),
        x_title=_("Destination"),
        y_title=_("Days"),
        labels=[r.country.name for r in rows],
        series=[
            (
                str(stage.label),
                [
                    None
                    if r.stage(stage).median_days is None
                    else round(r.stage(stage).median_days or 0, 1)
                    for r in rows
                ],
            )
            for stage in stages
        ],
    )


def spending_by_currency(
    *, compartment_ids: list[int], period: Period
) -> dict[str, dict[str, dict[date, Decimal]]]:
    """currency -> category -> month -> total (one query); each currency on its own."""
    rows = (
        Expense.objects.filter(
            voided_at__isnull=True,
            compartment_id__in=compartment_ids,
            spent_on__gte=period.first,
            spent_on__lt=period.end.date(),
        )
        .annotate(month=TruncMonth("spent_on"))
        .values("currency", "category", "month")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    found: dict[str, dict[str, dict[date, Decimal]]] = defaultdict(lambda: defaultdict(dict))
    for row in rows:
        found[row["currency"]][row["category"]][row["month"]] = row["total"]
    return found


def spending_chart(*, compartment_ids: list[int], period: Period, currency: str) -> Chart:
    table = spending_by_currency(compartment_ids=compartment_ids, period=period).get(currency, {})
    months = period.months()
    return Chart(
        title=_("Spending by category and month, in %(currency)s") % {"currency": currency},
        x_title=_("Month"),
        y_title=currency,
        labels=[_month(m) for m in months],
        series=[
            (str(category.label), [float(table[category].get(m, 0)) for m in months])
            for category in ExpenseCategory
            if category in table
        ],
        kind="stacked",
    )
