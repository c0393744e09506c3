"""Preparing and publishing releases, and the ledger that limits them (decision 0030)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from corridor.audit.log import audit_record
from corridor.figures.models import LedgerEntry, PrivacyBudget, Release, ReleaseStatus, ReleaseValue
from corridor.figures.privacy import TableCost, table_cost, table_release
from corridor.figures.tables import TABLES, table_categories
from corridor.reports.period import Period

EPSILON_PER_YEAR_DEFAULT = 1.0
EPSILON_MIN, EPSILON_MAX = 0.01, 10.0


class ReleaseRefused(ValidationError):
    """A release that cannot be published, with the reason (over budget, already published)."""


def budget_for_year(year: int) -> PrivacyBudget:
    """The year's budget, created at the organisation's setting the first time it is needed
    (stored, so a later change of the setting never rewrites a year already spent from)."""
    epsilon = float(
        getattr(settings, "CORRIDOR_FIGURES_EPSILON_PER_YEAR", EPSILON_PER_YEAR_DEFAULT)
    )
    budget, _created = PrivacyBudget.objects.get_or_create(year=year, defaults={"epsilon": epsilon})
    return budget


def budget_spent(budget: PrivacyBudget) -> float:
    return float(budget.entries.aggregate(total=Sum("epsilon"))["total"] or 0.0)


def release_period(release: Release) -> Period:
    return Period(release.first_month, release.last_month)


@dataclass(frozen=True)
class ReleasePlan:
    """What publishing would cost and how accurate each table would be."""

    tables: list[tuple[str, TableCost, int]]  # (key, cost, number of categories)
    epsilon: float
    budget: float
    spent: float

    @property
    def left(self) -> float:
        return max(self.budget - self.spent, 0.0)

    @property
    def fits(self) -> bool:
        return self.epsilon <= self.left + 1e-12


def release_plan(release: Release) -> ReleasePlan:
    period = release_period(release)
    share = release.epsilon / len(release.tables)
    costs = []
    for key in release.tables:
        categories = table_categories(key, period)
        costs.append(
            (key, table_cost(categories, share, TABLES[key].contributions), len(categories))
        )
    budget = budget_for_year(release.year)
    return ReleasePlan(costs, release.epsilon, budget.epsilon, budget_spent(budget))


def release_prepare(
    *, actor_id: int, first_month: date, last_month: date, tables: list[str], epsilon: float
) -> Release:
    """A draft: what would be published and at what cost. No number is drawn yet."""
    if first_month.year != last_month.year or last_month < first_month:
        raise ValidationError(_("A release covers months of one year, the first before the last."))
    if not tables or any(key not in TABLES for key in tables):
        raise ValidationError(_("Choose at least one table."))
    if not EPSILON_MIN <= epsilon <= EPSILON_MAX:
        raise ValidationError(
            _("Epsilon must be between %(low)s and %(high)s.")
            % {"low": EPSILON_MIN, "high": EPSILON_MAX}
        )
    if last_month > timezone.localdate().replace(day=1):
        raise ValidationError(_("A release cannot cover months that have not begun."))
    with transaction.atomic():
        release = Release.objects.create(
            year=first_month.year,
            first_month=first_month,
            last_month=last_month,
            tables=[key for key in TABLES if key in tables],
            epsilon=epsilon,
            prepared_by_id=actor_id,
        )
        audit_record(
            actor_id=actor_id,
            action="figures.prepare",
            object_type="figures_release",
            object_id=str(release.pk),
        )
    return release


def release_publish(*, actor_id: int, release_id: uuid.UUID) -> Release:
    """Draw the noise, store the numbers, charge the ledger and freeze the release, in one
    transaction under the year's budget row lock; refused, changing nothing, if the release
    is already published or would spend more than the year has left."""
    with transaction.atomic():
        release = Release.objects.select_for_update(no_key=True).get(pk=release_id)
        if release.status == ReleaseStatus.PUBLISHED:
            raise ReleaseRefused(_("This release is already published; its numbers do not change."))
        budget_for_year(release.year)
        budget = PrivacyBudget.objects.select_for_update(no_key=True).get(year=release.year)
        spent = budget_spent(budget)
        if release.epsilon > budget.epsilon - spent + 1e-12:
            raise ReleaseRefused(
                _(
                    "Refused: this release would spend ε = %(cost)s of the %(year)s budget, "
                    "but only %(left)s of %(total)s is left. Publish fewer tables or a "
                    "smaller ε, or wait for the next year's budget."
                )
                % {
                    "cost": f"{release.epsilon:g}",
                    "year": release.year,
                    "left": f"{max(budget.epsilon - spent, 0):g}",
                    "total": f"{budget.epsilon:g}",
                }
            )
        period = release_period(release)
        share = release.epsilon / len(release.tables)
        values: list[ReleaseValue] = []
        for key in release.tables:
            categories = table_categories(key, period)
            table = TABLES[key]
            noisy, cost = table_release(table.rows(period), categories, share, table.contributions)
            values += [
                ReleaseValue(
                    release=release,
                    table=key,
                    category=category,
                    position=len(values) + index,
                    value=value,
                    accuracy=cost.accuracy,
                )
                for index, (category, value) in enumerate(zip(categories, noisy, strict=True))
            ]
        ReleaseValue.objects.bulk_create(values)
        LedgerEntry.objects.create(
            budget=budget, release=release, epsilon=release.epsilon, actor_id=actor_id
        )
        release.status = ReleaseStatus.PUBLISHED
        release.published_by_id = actor_id
        release.published_at = timezone.now()
        release.save()
        audit_record(
            actor_id=actor_id,
            action="figures.publish",
            object_type="figures_release",
            object_id=str(release.pk),
        )
    return release
