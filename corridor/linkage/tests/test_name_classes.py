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
        ("AZREMA Pavlova", "Zgarema Pavlova"),  # two letters swapped, another added
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


def test_it_reads_a_typo_beside_a_german_patronymic_as_similar_not_a_contradiction() -> None:
    german = name_parse("ACHMADOW Achmedowitsch")  # German spelling
    typo = name_parse("HusseinAkhmeovich")  # a letter dropped, glued to the given name
    level = patronymic_level(
        german.patronymic, typo.patronymic, german.typed_patronymic, typo.typed_patronymic
    )
    assert level == 1
    other = name_parse("Хусейн Махмудович")  # another father
    assert (
        patronymic_level(
            german.patronymic, other.patronymic, german.typed_patronymic, other.typed_patronymic
        )
        == 0
    )


def _patronymics(left: str, right: str) -> int:
    a, b = name_parse(left), name_parse(right)
    return patronymic_level(a.patronymic, b.patronymic, a.typed_patronymic, b.typed_patronymic)


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("Алиев Рашид Мамед оглы", "Aliyev Rashid Məmməd oğlu", 2),  # Azerbaijani Latin
        ("Алиев Рашид Мамед оглы", "Əliyev Rəşid Məmməd oğlu", 2),
        ("Алиева Айгюль Мамед кызы", "Əliyeva Aygül Məmməd qızı", 2),
        ("Алиева Айгюль Мамед кызы", "Алиева Айгюль Мамед қызы", 2),  # Kazakh letter
        ("Алиев Рашид Мамед оглы", "Алиев Рашид Мамедович", 1),  # one father, Russian form
        ("Алиева Айгюль Мамед кызы", "Алиева Айгюль Мамедовна", 1),
        ("Алиев Рашид Мамед оглы", "Алиев Рашид Гусейн оглы", 0),  # two fathers
        ("Алиев Рашид Мамед оглы", "Алиев Рашид Ахмед оглы", 0),
        ("Алиев Рашид Гусейн оглы", "Алиев Рашид Мамедович", 0),
        ("Алиев Рашид Мамед оглы", "Алиев Рашид Мамедовна", 0),  # a son and a daughter
    ],
)
def test_it_compares_turkic_patronymics_by_the_father(left: str, right: str, level: int) -> None:
    # A Turkic patronymic is the father's name and a marker (оглы, oğlu, кызы, қызы): the
    # marker alone made every two of them alike
    assert _patronymics(left, right) == level


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


# --- two mistakes at once, beside one phone (issue 15, second pass) ---------------------------


def _compare(left: str, right: str, phone_left: str, phone_right: str) -> tuple[int, ...]:
    from corridor.linkage.compare import compare

    return compare(
        name_parse(left),
        name_parse(right),
        NAME_EXACT,
        date_parse(""),
        date_parse(""),
        phone_normalise(phone_left),
        phone_normalise(phone_right),
    )


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Юнзсова Луиза", "Luisa Aslanowna Junussowa"),  # a typo beside a German spelling
        ("Жамалдаева Маликпа", "Malika Ruslanowna Schamaldajewa"),  # the same, a woman's name
    ],
)
def test_it_finds_names_with_two_mistakes_close_only_beside_the_same_phone(
    left: str, right: str
) -> None:
    same = _compare(left, right, "+7 928 111-22-33", "8 928 111 22 33")
    other = _compare(left, right, "+7 928 111-22-33", "8 928 444 55 66")
    assert same[0] == NAME_CLOSE
    assert other[0] < NAME_COMPATIBLE  # without the phone, no word agrees: not tested


def test_it_keeps_different_people_on_one_phone_apart() -> None:
    # a family shares a phone: the names differ in more than typos
    pattern = _compare("Хеда Дудаева", "Ислам Дудаев", "89281112233", "+79281112233")
    assert pattern[0] < NAME_COMPATIBLE


@pytest.mark.parametrize(
    ("glued", "other", "words"),
    [
        ("ДудаевИслам", "Ислам Рустамович", ["Дудаев", "Ислам"]),  # glued by its capitals
        ("MusaevaKheda", "Kheda Musaeva", ["Musaeva", "Kheda"]),
    ],
)
def test_it_splits_two_words_typed_without_a_space(
    glued: str, other: str, words: list[str]
) -> None:
    from corridor.linkage.names import name_words

    assert name_words(glued) == words
    assert _level(glued, other) >= NAME_COMPATIBLE


def test_it_leaves_a_stray_capital_or_a_short_part_whole() -> None:
    from corridor.linkage.names import name_words

    assert name_words("АлиеВ") == ["АлиеВ"]
    assert name_words("McLean") == ["McLean"]
    assert name_words("Ivan McLean") == ["Ivan", "McLean"]


@pytest.mark.parametrize(
    ("moved", "typed"),
    [
        ("Тагае вХамзат", "Тагаев Хамзат"),
        ("Luiz aKhasanovna Dudaeva", "Luiza Khasanovna Dudaeva"),  # into the patronymic
        ("Висаито вРизванович", "Висаитов Ризванович"),  # a surname and a patronymic
    ],
)
def test_it_puts_back_a_space_typed_one_letter_early(moved: str, typed: str) -> None:
    """Read as the name typed right, so the pair is exact and, where the moved space
    crossed the patronymic, the patronymic agrees: before, Висаито вРизванович was a
    name disagreeing with Висаитов Ризванович and kept the two apart through a cluster."""
    from corridor.linkage.names import name_words

    assert name_words(moved) == typed.split()
    left, right = name_parse(moved), name_parse(typed)
    assert (left.tokens, left.patronymic) == (right.tokens, right.patronymic)


def test_it_reads_two_first_letters_swapped_as_a_typo_not_a_moved_space() -> None:
    from corridor.linkage.names import name_words

    assert name_words("Khasanov aMgomed") == ["Khasanov", "aMgomed"]
    assert name_words("Дудаева еХда") == ["Дудаева", "еХда"]


@pytest.mark.parametrize(
    ("name", "patronymic"),
    [("Висаитов Мурадвич", "muradviH"), ("Хасанова Луиза Иванвна", "ivanvna")],
)
def test_it_reads_a_patronymic_with_its_vowel_dropped(name: str, patronymic: str) -> None:
    assert name_parse(name).patronymic == patronymic


def test_a_year_a_digit_apart_beside_a_full_date_is_no_contradiction() -> None:
    from corridor.linkage.compare import MISSING

    assert date_level(date_parse("14.02.1987"), date_parse("1977")) == MISSING
    assert date_level(date_parse("14.02.1987"), date_parse("1964")) == 0  # still disagrees


@pytest.mark.parametrize(
    ("left", "right", "halves"),
    [
        ("ALIEV Husejnovič", "Apti Khuseynovich", True),  # a surname, a given name
        ("Зелимхан Ризванович", "Висаитов Ризванович", True),
        ("Амина Дудаева", "Дудаева", True),  # one holds the other
        ("Иван Петров", "Пётр Петров", False),  # two given names: brothers
        ("Амин Дудаев", "Ислам Дудаев", False),  # brothers again
        ("Мадина Алиева", "Зарема Алиева", False),  # sisters: Madina ends like Ilyina
        ("Алиев Апти", "Руслан Цой", False),  # two full names
    ],
)
def test_it_tells_two_halves_of_a_name_from_two_names(left: str, right: str, halves: bool) -> None:
    from corridor.linkage.compare import names_complementary

    assert names_complementary(name_parse(left), name_parse(right)) is halves
    assert names_complementary(name_parse(right), name_parse(left)) is halves
