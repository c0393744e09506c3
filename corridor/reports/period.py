"""A period of whole months, chosen on a page by `?start=YYYY-MM&end=YYYY-MM` (both included).

Bad or missing input falls back to the current year so far, and says so: a page of figures
is never a 400.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.utils import timezone
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Period:
    first: date  # first day of the first month
    last: date  # first day of the last month

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.first, time.min))

    @property
    def end(self) -> datetime:
        """The first instant after the period (exclusive)."""
        return timezone.make_aware(datetime.combine(month_after(self.last), time.min))

    def months(self) -> list[date]:
        months, month = [], self.first
        while month <= self.last:
            months.append(month)
            month = month_after(month)
        return months

    def query(self) -> str:
        return f"start={self.first:%Y-%m}&end={self.last:%Y-%m}"


MAX_MONTHS = 60


def month_after(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _month(text: str) -> date | None:
    try:
        parsed = datetime.strptime(text.strip(), "%Y-%m")
    except ValueError:
        return None
    return date(parsed.year, parsed.month, 1)


def period_default(today: date | None = None) -> Period:
    today = today or timezone.localdate()
    return Period(date(today.year, 1, 1), date(today.year, today.month, 1))


def period_parse(start: str | None, end: str | None) -> tuple[Period, str]:
    """(the period asked for, or the default; an error message or "")."""
    if not start and not end:
        return period_default(), ""
    first, last = _month(start or ""), _month(end or "")
    if first is None or last is None:
        return period_default(), _("Write the months as YYYY-MM, for example 2017-05.")
    if last < first:
        return period_default(), _("The period ends before it starts.")
    period = Period(first, last)
    if len(period.months()) > MAX_MONTHS:
        return period_default(), _("Choose at most five years.")
    return period, ""
