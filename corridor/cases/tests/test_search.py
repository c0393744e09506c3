"""Search by name or phone across scripts and spellings, through keyed hashes only."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import login
from corridor.cases.actions import case_create, case_update
from corridor.cases.models import Case, CaseSearchTerm
from corridor.cases.search import search_filter
from corridor.cases.tests.conftest import Desk
from corridor.linkage.names import name_parse
from corridor.vault.keyring import keyring_activated

pytestmark = pytest.mark.django_db


def _found(desk: Desk, query: str) -> set[str]:
    with keyring_activated(desk.worker.keyring):
        return {str(case.full_name) for case in Case.objects.filter(search_filter(query))}


@pytest.fixture
def people(desk: Desk) -> Desk:
    desk.case("Магомед Дадаев", phone="+7 928 123-45-67")
    desk.case("Khusein Israilov", aliases=["Хусик"])
    desk.case("Дадаев Ибрагим Ахмедович")
    desk.case("Ivan Petrov", phone="+49 30 1234567")
    return desk


@pytest.mark.parametrize(
    "query",
    ["Magomed Dadaev", "Mahomed Dadaev", "Magomet Dadaev", "Магомед Дадаев", "Dadaev Magomed"],
)
def test_it_finds_a_cyrillic_name_from_any_spelling_and_order(people: Desk, query: str) -> None:
    assert _found(people, query) == {"Магомед Дадаев"}


@pytest.mark.parametrize("query", ["Хусейн Исраилов", "Israilov Khusein", "khusein", "ХУСЕЙН"])
def test_it_finds_a_latin_name_from_cyrillic_and_back(people: Desk, query: str) -> None:
    assert _found(people, query) == {"Khusein Israilov"}


def test_it_needs_every_word_of_the_query(people: Desk) -> None:
    assert _found(people, "Dadaev") == {"Магомед Дадаев", "Дадаев Ибрагим Ахмедович"}
    assert _found(people, "Ibragim Dadaev") == {"Дадаев Ибрагим Ахмедович"}
    assert _found(people, "Ivan Dadaev") == set()
    assert _found(people, "Ахмедович") == {"Дадаев Ибрагим Ахмедович"}


def test_it_finds_a_case_by_an_alias(people: Desk) -> None:
    assert _found(people, "Хусик") == {"Khusein Israilov"}


@pytest.mark.parametrize(
    "query", ["+79281234567", "89281234567", "8 (928) 123-45-67", "928 123 45 67", "+7-928-1234567"]
)
def test_it_finds_a_phone_written_any_way(people: Desk, query: str) -> None:
    assert _found(people, query) == {"Магомед Дадаев"}


def test_it_finds_nothing_for_noise(people: Desk) -> None:
    for query in ("", "   ", "12", "---", "Zzyzx"):
        assert _found(people, query) == set()


def test_it_stores_no_plaintext_in_the_search_terms(people: Desk) -> None:
    # Given the canonical keys and spellings of every name and phone typed in
    typed = ["Магомед", "Дадаев", "Khusein", "Israilov", "Хусик", "Ибрагим", "Ivan", "Petrov"]
    keys = {key for name in typed for key in name_parse(name).tokens}
    needles = {word.encode() for word in typed} | {k.encode() for k in keys}
    needles |= {key.lower().encode() for key in keys} | {b"79281234567", b"301234567"}
    # When the stored terms are read as the database holds them
    terms = [bytes(term) for term in CaseSearchTerm.objects.values_list("term", flat=True)]
    # Then they are 16-byte keyed hashes holding none of it
    assert terms and all(len(term) == 16 for term in terms)
    for needle in needles:
        assert not any(needle in term for term in terms), needle


def test_it_rebuilds_the_terms_when_the_names_change(people: Desk) -> None:
    # Given a case found by its name
    with keyring_activated(people.worker.keyring):
        case = Case.objects.get(search_filter("Ivan Petrov"))
        before = set(CaseSearchTerm.objects.filter(case=case).values_list("term", flat=True))
        # When its name and phone are changed
        case_update(actor_id=people.worker.user.pk, case=case, full_name="Ruslan Petrov", phone="")
    # Then the old name and phone find nothing, the new name finds it
    assert _found(people, "Ivan Petrov") == set()
    assert _found(people, "+49 30 1234567") == set()
    assert _found(people, "Руслан Петров") == {"Ruslan Petrov"}
    after = set(CaseSearchTerm.objects.filter(case=case).values_list("term", flat=True))
    assert after != before


def test_it_never_shows_an_outsider_a_case_of_another_compartment(people: Desk) -> None:
    # Given a caseworker of South and a case in North, and one of their own in South
    with keyring_activated(people.outsider.keyring):
        case_create(
            actor_id=people.outsider.user.pk, compartment=people.south, full_name="Магомед Юсупов"
        )
    client = login(Client(), people.outsider)
    # When they search by a name both hold, and by the North case's phone
    page = client.post("/cases/", {"q": "Magomed"}).content.decode()
    by_phone = client.post("/cases/", {"q": "89281234567"}).content.decode()
    # Then only the South case appears
    assert "Магомед Юсупов" in page
    assert "Дадаев" not in page and "Дадаев" not in by_phone


def test_it_searches_only_by_post(people: Desk) -> None:
    # Given a member
    client = login(Client(), people.worker)
    # When a name is put in the URL of the list
    page = client.get("/cases/", {"q": "Ivan Petrov"}).content.decode()
    # Then it is not a search: every case is listed, and the URL's text is not echoed back
    assert "Khusein Israilov" in page and "Магомед Дадаев" in page
    assert 'value="Ivan Petrov"' not in page
    posted = client.post("/cases/", {"q": "Ivan Petrov"}).content.decode()
    assert "Ivan Petrov" in posted and "Khusein Israilov" not in posted
