"""What a release may publish: tables of counts over public category lists (decision 0030).

Each table gives one category per case (or none): the case's first move into a stage within
the period, by month; or, for the people who left in the period, their destination by the
country board's attribution. The table of documented acts gives up to `ACT_TYPES_PER_VICTIM`
rows per victim, one per type of act they suffered in the period, and says so to OpenDP
(`contributions`), which scales the noise to it. Categories are months of the period, the
country registry's codes and the act-type vocabulary, fixed before any data is read.
Operational columns only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db.models import Min
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from corridor.cases.models import CaseTransition, Stage
from corridor.reports.period import Period

#: How many types of act one victim may add to the acts table (one row per type). A victim
#: with more counts under the first types of the vocabulary's order (detention before
#: threats): the noise grows with this bound, so it stays small (decision 0044).
ACT_TYPES_PER_VICTIM = 3


@dataclass(frozen=True)
class Table:
    key: str
    label: object  # lazy text
    by_month: bool
    rows: Callable[[Period], list[str]]
    heading: object = None  # lazy text: the category column's heading (month or country)
    contributions: int = 1  # rows one person may add: the noise is scaled to it
    categories: Callable[[], list[str]] | None = None  # a public list other than months
    category_labels: Callable[[], dict[str, str]] | None = None  # shown for the keys


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


def _act_types() -> list[str]:
    from corridor.documentation.models import Term, Vocabulary

    terms = Term.objects.filter(vocabulary=Vocabulary.ACT_TYPE, active=True)
    return list(terms.order_by("position", "label_en").values_list("key", flat=True))


def _act_type_labels() -> dict[str, str]:
    from corridor.documentation.models import Term, Vocabulary

    column = "label_ru" if translation.get_language() == "ru" else "label_en"
    terms = Term.objects.filter(vocabulary=Vocabulary.ACT_TYPE)
    return dict(terms.values_list("key", column))


def _act_rows(period: Period) -> list[str]:
    """One row per (victim, type of act) among the acts that began in the period's months,
    at most ACT_TYPES_PER_VICTIM per victim, in the vocabulary's order (one query)."""
    from corridor.documentation.models import Act

    pairs = (
        Act.objects.filter(start_month__in=period.months())
        .values_list("victim_id", "act_type__key")
        .order_by("victim_id", "act_type__position", "act_type__key")
        .distinct()
    )
    rows: list[str] = []
    taken: dict[object, int] = {}
    for victim, key in pairs:
        if taken.get(victim, 0) < ACT_TYPES_PER_VICTIM:
            taken[victim] = taken.get(victim, 0) + 1
            rows.append(key)
    return rows


TABLES: dict[str, Table] = {
    t.key: t
    for t in (
        Table("requests", _("Requests, by month"), True, _stage_rows(Stage.REQUEST)),
        Table("evacuated", _("People evacuated, by month"), True, _stage_rows(Stage.EVACUATION)),
        Table("abroad", _("People who left the country, by month"), True, _stage_rows(Stage.DEPARTURE)),
        Table("destinations", _("People who left, by destination"), False, _destination_rows),
        Table(
            "acts", _("Documented acts, by type (each victim counted once per type)"), False,
            _act_rows, heading=_("Type of act"), contributions=ACT_TYPES_PER_VICTIM,
            categories=_act_types, category_labels=_act_type_labels,
        ),
    )
}  # fmt: skip


def table_categories(key: str, period: Period) -> list[str]:
    """The public categories of a table: the period's months, its own public list (the act
    types), or every registry country."""
    from corridor.relocation.models import Country

    if TABLES[key].categories is not None:
        return TABLES[key].categories()  # type: ignore[misc]
    if TABLES[key].by_month:
        return [_month(m) for m in period.months()]
    return list(Country.objects.order_by("code").values_list("code", flat=True))
