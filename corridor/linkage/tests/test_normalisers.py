"""Property and example tests for the name, phone and date normalisers."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.linkage.dates import BirthDate, date_parse
from corridor.linkage.names import name_parse
from corridor.linkage.phones import phone_display, phone_normalise
from corridor.linkage.script import keyboard_layout_repair, mixed_script_repair
from corridor.linkage.translit import SUPPORTED_SCHEMES, latin_key

NAMES = [
    "Магомед",
    "Хусейн",
    "Щукин",
    "Юрий",
    "Жанна",
    "Ёлкина",
    "Айшат",
    "Цой",
    "Эльдар",
    "Подъячев",
    "Ильяс",
    "Джамбулат",
    "Вьюгин",
    "Зелимхан",
    "Ахмед",
    "Хеда",
    "Юлия",
    "Наталья",
    "Гаджиев",
    "Алексей",
    "Магомадов",
    "Рамзан",
    "Шамиль",
    "Масхадов",
    "Асхаб",
    "Ямадаев",
    "Фёдор",
    "Евгений",
    "Ксения",
    "Ульяна",
    "Хьава",
    "Ахъяд",
    "Воробьёв",
    "Кудрявцев",
    "Хусейнович",
    "Магомедовна",
]

cyrillic_names = st.lists(st.sampled_from(NAMES), min_size=1, max_size=3).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(name=cyrillic_names, scheme=st.sampled_from(sorted(SUPPORTED_SCHEMES)))
def test_it_gives_every_supported_transliteration_the_cyrillic_key(name: str, scheme: str) -> None:
    latin = str(SUPPORTED_SCHEMES[scheme].translate(name))
    assert [latin_key(word) for word in latin.split()] == [latin_key(word) for word in name.split()]


@settings(max_examples=150, deadline=None)
@given(name=cyrillic_names, scheme=st.sampled_from(sorted(SUPPORTED_SCHEMES)), data=st.data())
def test_it_parses_a_name_the_same_in_any_order_and_scheme(
    name: str, scheme: str, data: st.DataObject
) -> None:
    words = data.draw(st.permutations(name.split()))
    latin = str(SUPPORTED_SCHEMES[scheme].translate(" ".join(words)))
    assert name_parse(latin).tokens == name_parse(name).tokens


def test_it_folds_the_spellings_named_in_the_issue() -> None:
    assert (
        len({name_parse(n).key for n in ("Магомед", "Magomed", "Mahomed", "Muhammad", "Mohammed")})
        == 1
    )
    assert (
        len({name_parse(n).key for n in ("Хусейн", "Khuseyn", "Husein", "Hussein", "Chussein")})
        == 1
    )


def test_it_separates_the_patronymic_and_ignores_order() -> None:
    parsed = name_parse("Магомед Хусейнович Магомадов")
    assert parsed.patronymic
    assert parsed.tokens == name_parse("MAGOMADOV Mahomed").tokens


def test_it_joins_compound_names_written_apart_hyphenated_or_glued() -> None:
    keys = {
        name_parse(n).key for n in ("Сайд-Магомед", "Said Magomed", "Saidmagomed", "Said-Mahomed")
    }
    assert len(keys) == 1


def test_it_repairs_a_name_typed_on_the_wrong_keyboard_layout() -> None:
    assert keyboard_layout_repair(["Vfujvtl", "Vfujvfljd"]) == ["магомед", "магомадов"]
    assert name_parse("Vfujvtl Vfujvfljd").tokens == name_parse("Магомед Магомадов").tokens
    assert keyboard_layout_repair(["Ruslan", "Tsoy"]) == ["Ruslan", "Tsoy"]


def test_it_moves_lookalike_letters_into_the_majority_script() -> None:
    assert mixed_script_repair("Мурaт") == "Мурат"  # Latin a
    assert mixed_script_repair("Pуслан") == "Руслан"  # Latin P


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=40))
def test_it_never_fails_on_any_unicode_input(text: str) -> None:
    name_parse(text)
    phone_normalise(text)
    date_parse(text)


NATIONAL = st.from_regex(r"9[0-9]{9}", fullmatch=True)


@settings(max_examples=150, deadline=None)
@given(national=NATIONAL)
def test_it_gives_every_format_of_a_russian_number_one_form(national: str) -> None:
    n = national
    spellings = (
        f"+7 {n[:3]} {n[3:6]}-{n[6:8]}-{n[8:]}",
        f"8 ({n[:3]}) {n[3:6]}-{n[6:8]}-{n[8:]}",
        f"{n[:3]}-{n[3:6]}-{n[6:8]}-{n[8:]}",
        f"+7{n}",
        f"8{n}",
        f"007 {n}",
    )
    assert {phone_normalise(s) for s in spellings} == {f"+7{n}"}


def test_it_normalises_foreign_numbers_with_their_country_code() -> None:
    assert phone_normalise("+49 30 1234567") == phone_normalise("0049 30 1234567") == "+49301234567"
    assert phone_normalise("12") == ""


def test_it_shows_a_stored_number_as_people_write_it() -> None:
    assert phone_display(phone_normalise("8 (928) 555-01-42")) == "+7 928 555-01-42"
    assert phone_display("+49301234567") == "+49 30 1234567"
    assert phone_display("позвонить Лейле") == "позвонить Лейле"  # not a number: as typed


def test_it_reads_dates_in_the_formats_of_the_issue() -> None:
    expected = (1991, 4, 3)
    for text in (
        "03.04.1991",
        "1991-04-03",
        "4/3/91",
        "3 апреля 1991",
        "April 3, 1991",
        "19910403",
    ):
        parsed = date_parse(text)
        assert (parsed.year, parsed.month, parsed.day) == expected, text


def test_it_keeps_a_year_alone_as_a_year() -> None:
    assert date_parse("1991") == BirthDate(1991)
    assert not date_parse("1991").is_full


def test_it_marks_day_month_ambiguity_only_when_both_readings_are_dates() -> None:
    assert date_parse("03.04.1991").ambiguous
    assert not date_parse("13.04.1991").ambiguous
    assert date_parse("04/13/1991") == BirthDate(1991, 4, 13)


def test_it_expands_two_digit_years_into_the_past() -> None:
    assert date_parse("05.06.91").year == 1991
    assert date_parse("05.06.05").year == 2005


def test_it_rejects_impossible_dates_but_keeps_their_year() -> None:
    assert date_parse("31.02.1990") == BirthDate(1990)
    assert date_parse("nonsense") == BirthDate()
