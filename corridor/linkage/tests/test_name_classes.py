"""The name, patronymic and date classes that used to be lost (issue 15), one test each."""

from __future__ import annotations

import pytest

from corridor.linkage.compare import (
    NAME_CLOSE,
    NAME_COMPATIBLE,
    NAME_EXACT,
    date_level,
    name_level,
    patronymic_level,
)
from corridor.linkage.dates import date_parse
from corridor.linkage.names import name_parse
from corridor.linkage.phones import phone_normalise


def _level(left: str, right: str) -> int:
    return name_level(name_parse(left), name_parse(right), NAME_EXACT)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Хамзат Тагаев Русланович", "Хамзат Тагев Руслнович"),  # typos in two words
        ("Хамза тТагаев", "Хамзат Тагаев"),  # the space moved
        ("ХамзатТагаев", "Тагаев Хамзат"),  # two words run together, order swapped
        ("Зелимхан Межидoв", "Зелимхан Межидов"),  # a stray Latin letter
        ("Shamaldajew Selimchan", "Жамалдаев Зелимхан"),  # German spelling
        ("Мусаева ХедаИслановна", "Мусаева Хеда"),  # a word glued to another
        ("Зелимхан Ризванович", "Висаитов Зелимхан Ризванович"),  # the surname dropped
    ],
)
def test_it_finds_names_of_one_person_close(left: str, right: str) -> None:
    assert _level(left, right) >= NAME_COMPATIBLE
    assert _level(right, left) >= NAME_COMPATIBLE


def test_it_calls_a_lone_name_word_with_patronymic_close_not_words_missing() -> None:
    assert _level("Зелимхан Ризванович", "Зелимхан Висаитов") == NAME_CLOSE


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Иса Дудаев", "Малика Хатуева"),  # nothing shared
        ("Ислам Дудаев", "Ильяс Дудаев"),  # brothers: the surname alone agrees
        ("Хасан Алиев", "Хасанов Али"),  # a name inside a surname is not a glued word
    ],
)
def test_it_keeps_different_names_apart(left: str, right: str) -> None:
    assert _level(left, right) < NAME_COMPATIBLE


def test_it_reads_a_german_or_glued_patronymic_as_similar() -> None:
    german = name_parse("Selimchan Dshabrailowitsch Shamaldajew")
    russian = name_parse("Зелимхан Джабраилович Жамалдаев")
    assert patronymic_level(german.patronymic, russian.patronymic) == 1
    assert patronymic_level("zaremaartemovna", "artemovna") == 1
    assert patronymic_level("ruslanoviH", "isaoviH") == 0


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("11.12.1976", "12/11/1976", 4),  # American order, four-digit year
        ("06.10.1984", "6/10/1984", 3),  # European slashes: either reading
        ("5/1/1975", "04.01.75", 2),  # a day typo in one reading
        ("3/11/1973", "11/3/72", 5),  # one reading agrees, the year mistyped
        ("08.04.2004", "1994-04-08", 5),  # a decade off
    ],
)
def test_it_compares_dates_in_every_reading(left: str, right: str, level: int) -> None:
    assert date_level(date_parse(left), date_parse(right)) == level


@pytest.mark.parametrize(
    "written", ["988-484-15-11", "8 988 484 15 11", "+7-988-4841511", "79884841511"]
)
def test_it_reads_every_phone_format_as_one_number(written: str) -> None:
    assert phone_normalise(written) == "+79884841511"
