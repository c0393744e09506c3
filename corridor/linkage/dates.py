"""Birth dates as people write them: 03.04.1991, 1991-04-03, 4/3/91, "3 апреля 1991", 1991.

Only what was written is kept: a year alone stays a year, and a date whose day and month could
be read either way (4/3/91) is marked ambiguous so that the comparison can accept the swap
without pretending to know which reading is right.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

_MONTH_NAMES = {
    "янв": 1, "фев": 2, "мар": 3, "апр": 4, "мая": 5, "май": 5, "июн": 6, "июл": 7, "авг": 8,
    "сен": 9, "окт": 10, "ноя": 11, "дек": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_NUMBERS = re.compile(r"\d+")
_WORDS = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True, slots=True)
class BirthDate:
    """A possibly partial birth date. Zero means "not written"."""

    year: int = 0
    month: int = 0
    day: int = 0
    ambiguous: bool = False

    def __bool__(self) -> bool:
        return self.year != 0

    @property
    def is_full(self) -> bool:
        return bool(self.year and self.month and self.day)

    def readings(self) -> tuple[tuple[int, int], ...]:
        """The (month, day) pairs this date may mean."""
        if self.ambiguous:
            return ((self.month, self.day), (self.day, self.month))
        return ((self.month, self.day),)


NO_DATE = BirthDate()


def _full_year(year: int, digits: int) -> int:
    """Expand a two-digit year to the most recent past century that fits a birth date."""
    if digits > 2:
        return year
    this_year = datetime.date.today().year
    century = this_year - this_year % 100
    return century + year if century + year <= this_year else century - 100 + year


def _valid(year: int, month: int, day: int) -> bool:
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return 1900 <= year <= datetime.date.today().year


def _day_month(first: int, second: int, year: int, day_first: bool) -> BirthDate:
    """Choose a reading of two numbers as day and month; flag it when both readings are valid."""
    as_day_first = _valid(year, second, first)
    as_month_first = _valid(year, first, second)
    if as_day_first and as_month_first:
        day, month = (first, second) if day_first else (second, first)
        return BirthDate(year, month, day, ambiguous=first != second)
    if as_day_first:
        return BirthDate(year, second, first)
    if as_month_first:
        return BirthDate(year, first, second)
    return BirthDate(year) if year >= 1900 else NO_DATE


def _from_month_name(text: str, numbers: list[str]) -> BirthDate | None:
    for word in _WORDS.findall(text):
        month = _MONTH_NAMES.get(word[:3])
        if month is None or not numbers:
            continue
        year_text = max(numbers, key=len)
        year = _full_year(int(year_text), len(year_text))
        days = [int(n) for n in numbers if n is not year_text]
        day = days[0] if days else 0
        if day and _valid(year, month, day):
            return BirthDate(year, month, day)
        return BirthDate(year, month) if year >= 1900 else NO_DATE
    return None


def _from_compact(digits: str) -> BirthDate:
    """Eight digits without separators: 19910403 or 03041991."""
    if digits[:2] in ("19", "20"):
        year, month, day = int(digits[:4]), int(digits[4:6]), int(digits[6:])
    else:
        day, month, year = int(digits[:2]), int(digits[2:4]), int(digits[4:])
    return BirthDate(year, month, day) if _valid(year, month, day) else NO_DATE


def date_parse(raw: str) -> BirthDate:
    """Parse a birth date in any common written form; NO_DATE if nothing usable is there."""
    text = raw.strip().casefold()
    numbers = _NUMBERS.findall(text)
    named = _from_month_name(text, numbers)
    if named is not None:
        return named
    if len(numbers) == 1:
        only = numbers[0]
        if len(only) == 8:
            return _from_compact(only)
        year = int(only) if len(only) == 4 else 0
        return BirthDate(year) if 1900 <= year <= datetime.date.today().year else NO_DATE
    if len(numbers) != 3:
        return NO_DATE
    if len(numbers[0]) == 4:
        year, month, day = (int(n) for n in numbers)
        return BirthDate(year, month, day) if _valid(year, month, day) else BirthDate(year)
    year = _full_year(int(numbers[2]), len(numbers[2]))
    day_first = "/" not in text
    return _day_month(int(numbers[0]), int(numbers[1]), year, day_first)
