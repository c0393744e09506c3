"""What a release may publish: tables of counts over public category lists (decision 0030).

Each table gives one category per case (or none): the case's first move into a stage within
the period, by month; or, for the people who left in the period, their destination by the
country board's attribution. Categories are months of the period and the country registry's
codes, fixed before any data is read. Operational columns only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from corridor.cases.models import CaseTransition, Stage
from corridor.reports.period import Period


@dataclass(frozen=True)
class Table:
    key: str
    label: object  # lazy text
    by_month: bool
    rows: Callable[[Period], list[str]]


def _month(day: date) -> str:
    return f"{day:%Y-%m}"


def _first_moves(period: Period, stage: str) -> dict[object, str]:
    """case id -> month of its first move into `stage` in the period (one query)."""
    moves = (
        CaseTransition.objects.filter(to_stage=stage, at__gte=period.start, at__lt=period.end)
        .values("case_id")
        .annotate(first=Min("at"))
        .order_by()
    )
    return {m["case_id"]: _month(timezone.localtime(m["first"]).date()) for m in moves}


def _stage_rows(stage: str) -> Callable[[Period], list[str]]:
    return lambda period: list(_first_moves(period, stage).values())


def _destination_rows(period: Period) -> list[str]:
    from corridor.relocation.board import case_countries
    from corridor.relocation.models import Country
    from corridor.vault.models import Compartment

    left = _first_moves(period, Stage.DEPARTURE)
    attributed = case_countries(list(Compartment.objects.values_list("pk", flat=True)))
    codes = dict(Country.objects.values_list("pk", "code"))
    by_case = {str(case_id).replace("-", ""): country for case_id, country in attributed.items()}
    rows = []
    for case_id in left:
        country = by_case.get(str(case_id).replace("-", ""))
        if country is not None:
            rows.append(codes[country])
    return rows


TABLES: dict[str, Table] = {
    t.key: t
    for t in (
        Table("requests", _("Requests, by month"), True, _stage_rows(Stage.REQUEST)),
        Table("evacuated", _("People evacuated, by month"), True, _stage_rows(Stage.EVACUATION)),
        Table("abroad", _("People who left the country, by month"), True, _stage_rows(Stage.DEPARTURE)),
        Table("destinations", _("People who left, by destination"), False, _destination_rows),
    )
}  # fmt: skip


def table_categories(key: str, period: Period) -> list[str]:
    """The public categories of a table: the period's months, or every registry country."""
    from corridor.relocation.models import Country

    if TABLES[key].by_month:
        return [_month(m) for m in period.months()]
    return list(Country.objects.order_by("code").values_list("code", flat=True))
