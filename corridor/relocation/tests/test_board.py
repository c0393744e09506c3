"""The country board: exact counts and waits for a history with explicit times, only over
the compartments the user holds, in a fixed number of queries whatever the number of cases."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client

from conftest import Org, Staff, login
from corridor.accounts.roles import Role
from corridor.relocation.actions import application_create, application_decide, country_create
from corridor.relocation.board import CountryFigures, board_compute, destination_waits
from corridor.relocation.models import Country
from corridor.relocation.tests.conftest import at, case_with_history
from corridor.vault.keyring import keyring_activated

pytestmark = pytest.mark.django_db

NOW = at("2017-06-14")
DAY = timedelta(days=1)


def _country(code: str, en: str, ru: str) -> Country:
    return country_create(actor_id=None, code=code, name_en=en, name_ru=ru)


def _apply(staff: Staff, case: Any, country: Country, when: str, **extra: Any) -> Any:
    return application_create(
        actor_id=staff.user.pk,
        case=case,
        country=country,
        pathway="humanitarian_visa",
        submitted_on=date.fromisoformat(when),
        at=at(when, "12:00"),
        **extra,
    )


def _history(org: Org, staff: Staff, south: Staff) -> dict[str, Country]:
    """Seven cases, six in North: the figures below are worked out by hand from these times."""
    de, fr, lt = (
        _country("DE", "Germany", "Германия"),
        _country("FR", "France", "Франция"),
        _country("LT", "Lithuania", "Литва"),
    )
    _country("NO", "Norway", "Норвегия")
    start = [("request", at("2017-05-01")), ("vetting", at("2017-05-02"))]
    # A: sheltered 10 days, in application since 05-15 (30 days at NOW): Germany
    a = case_with_history(
        staff,
        org,
        [
            *start,
            ("accepted", at("2017-05-04")),
            ("sheltered", at("2017-05-05")),
            ("application", at("2017-05-15")),
        ],
    )
    _apply(staff, a, de, "2017-05-15")
    # B: sheltered 7 days, application 10 days, departure 10 days, refused by France on 05-30
    # and back in application (15 more days): applies to Germany on 06-01
    b = case_with_history(
        staff,
        org,
        [
            ("request", at("2017-05-01")),
            ("vetting", at("2017-05-01", "12:00:00.000250")),  # microseconds count
            ("accepted", at("2017-05-03")),
            ("sheltered", at("2017-05-03")),
            ("application", at("2017-05-10")),
        ],
    )
    refused = _apply(staff, b, fr, "2017-05-12")
    case_with_history_move(staff, b, "departure", at("2017-05-20"))
    application_decide(
        actor_id=staff.user.pk,
        application=refused,
        outcome="refused",
        decision_on=date(2017, 5, 30),
        refusal_reason="no reason given",
        at=at("2017-05-30"),
    )
    _apply(staff, b, de, "2017-06-01")
    # C: sheltered 1 day, in application since 05-06 (39 days at NOW): Germany
    c = case_with_history(
        staff,
        org,
        [
            *start,
            ("accepted", at("2017-05-03")),
            ("sheltered", at("2017-05-05")),
            ("application", at("2017-05-06")),
        ],
    )
    _apply(staff, c, de, "2017-05-06")
    # E: granted by Lithuania, in departure since 05-25: Lithuania
    e = case_with_history(
        staff,
        org,
        [*start, ("accepted", at("2017-05-03")), ("application", at("2017-05-04"))],
    )
    _apply(staff, e, lt, "2017-05-04", decision_on=date(2017, 5, 17), outcome="granted")
    case_with_history_move(staff, e, "departure", at("2017-05-25"))
    # G: applied to France, then to Lithuania, both pending: the later one, Lithuania, counts
    g = case_with_history(staff, org, [*start, ("accepted", at("2017-05-03"))])
    _apply(staff, g, fr, "2017-05-10")
    _apply(staff, g, lt, "2017-05-20")
    # F: only a withdrawn application: on no country's row
    f = case_with_history(staff, org, [*start, ("accepted", at("2017-05-03"))])
    _apply(staff, f, de, "2017-05-05", outcome="withdrawn")
    # D: in South, applying to Germany: invisible to North's members
    with keyring_activated(south.keyring):
        d = case_with_history(
            south, org, [*start, ("accepted", at("2017-05-03"))], compartment="South"
        )
        _apply(south, d, de, "2017-05-04")
        _apply(
            south,
            d,
            fr,
            "2017-05-05",
            decision_on=date(2017, 5, 6),
            outcome="refused",
            refusal_reason="x",
        )
    return {"DE": de, "FR": fr, "LT": lt}


def case_with_history_move(staff: Staff, case: Any, stage: str, when: Any) -> None:
    from corridor.cases.actions import case_move_to_stage

    case_move_to_stage(actor_id=staff.user.pk, case=case, to_stage=stage, at=when)


def _rows(org: Org, compartments: tuple[str, ...]) -> dict[str, CountryFigures]:
    ids = [org.compartment(name).pk for name in compartments]
    return {row.country.code: row for row in board_compute(compartment_ids=ids, now=NOW)}


def test_it_counts_and_times_each_country_exactly(org: Org, worker: Staff) -> None:
    # Given the hand-worked history above
    south = org.staff("south-worker", Role.CASEWORKER, ("South",))
    _history(org, worker, south)
    # When the board is computed for a member of North only
    rows = _rows(org, ("North",))
    # Then Germany has A, B and C waiting in application: 30, 25 (10 + 15) and 39 days
    de = rows["DE"]
    assert de.cases == 3
    application = de.stage("application")
    assert (application.waiting, application.timed) == (3, 3)
    assert application.median == 30 * DAY and application.worst == 39 * DAY
    # sheltered: A 10, B 7, C 1 days; departure: B's 10 days before the refusal
    sheltered = de.stage("sheltered")
    assert (sheltered.waiting, sheltered.timed) == (0, 3)
    assert sheltered.median == 7 * DAY and sheltered.worst == 10 * DAY
    departure = de.stage("departure")
    assert (departure.waiting, departure.timed, departure.median) == (0, 1, 10 * DAY)
    # vetting: A 2 days, B 1.5 days less 250 microseconds, C 1 -> exact to the microsecond
    vetting = de.stage("vetting")
    assert vetting.median == DAY * 1.5 - timedelta(microseconds=250)
    assert vetting.worst == 2 * DAY
    # Applications decided: Germany 3 pending and 1 withdrawn, France 1 refused, no case
    assert (de.pending, de.granted, de.refused, de.applications) == (3, 0, 0, 4)
    assert (rows["FR"].refused, rows["FR"].cases) == (1, 0)
    # Lithuania: E granted and waiting in departure for 20 days; G waiting in accepted
    lt = rows["LT"]
    assert (lt.cases, lt.granted, lt.pending) == (2, 1, 1)
    assert lt.stage("departure").waiting == 1 and lt.stage("departure").worst == 20 * DAY
    assert lt.stage("accepted").waiting == 1 and rows["FR"].pending == 1
    # Norway has nothing; the withdrawn-only case F is nowhere
    assert rows["NO"].cases == 0 and rows["NO"].applications == 0
    assert sum(row.cases for row in rows.values()) == 5


def test_it_gives_the_home_page_the_current_waits_per_destination(org: Org, worker: Staff) -> None:
    # Given the hand-worked history above
    south = org.staff("south-worker", Role.CASEWORKER, ("South",))
    _history(org, worker, south)
    # When the home page's waits are computed for North
    north = [org.compartment("North").pk]
    waits = {w.country.code: w for w in destination_waits(compartment_ids=north, now=NOW)}
    # Then Germany has A, B and C at application, each timed from the start of its current
    # stay there: A 30 days, B 15 (back after the refusal; the board sums 10 + 15), C 39
    de = waits["DE"]
    assert sorted(w / DAY for w in de.waiting) == [15, 30, 39]
    assert de.median_days == 30 and de.worst_days == 39
    # and nothing of South, nor a country nobody at application is attributed to
    assert "NO" not in waits
    assert all(w.country.code != "NO" for w in destination_waits(compartment_ids=north, now=NOW))
    assert destination_waits(compartment_ids=[], now=NOW) == []


def test_it_counts_only_the_compartments_of_the_user(org: Org, worker: Staff) -> None:
    south = org.staff("south-worker", Role.CASEWORKER, ("South",))
    _history(org, worker, south)
    # A member of South sees only D (Germany, waiting in accepted) and its French refusal
    rows = _rows(org, ("South",))
    assert rows["DE"].cases == 1 and rows["DE"].stage("accepted").waiting == 1
    assert rows["FR"].refused == 1 and rows["LT"].cases == 0
    # A member of both sees the sum
    both = _rows(org, ("North", "South"))
    assert both["DE"].cases == 4 and both["FR"].refused == 2
    # A member of neither sees nothing
    assert all(row.cases == 0 and row.applications == 0 for row in _rows(org, ()).values())


def test_it_needs_the_same_few_queries_however_many_cases(
    org: Org, worker: Staff, django_assert_max_num_queries: Any
) -> None:
    south = org.staff("south-worker", Role.CASEWORKER, ("South",))
    _history(org, worker, south)
    ids = [org.compartment("North").pk, org.compartment("South").pk]
    # Given six cases, then twelve more
    with django_assert_max_num_queries(5):
        board_compute(compartment_ids=ids, now=NOW)
    for _ in range(2):
        _history_more(org, worker)
    with django_assert_max_num_queries(5):
        rows = {row.country.code: row for row in board_compute(compartment_ids=ids, now=NOW)}
    assert rows["DE"].cases == 4 + 2 * 6


def _history_more(org: Org, worker: Staff) -> None:
    de = Country.objects.get(code="DE")
    for _ in range(6):
        case = case_with_history(worker, org, [("request", at("2017-05-01"))])
        _apply(worker, case, de, "2017-05-02")


def test_it_shows_the_board_in_russian_and_english_to_members_only(org: Org, worker: Staff) -> None:
    # Given the history, and a viewer who is a member of South only
    south = org.staff("south-worker", Role.CASEWORKER, ("South",))
    _history(org, worker, south)
    viewer = org.staff("south-viewer", Role.VIEWER, ("South",))
    # When the North caseworker opens the board (Russian is the default language)
    client = login(Client(), worker, language="ru")
    page = client.get("/relocation/").content.decode()
    # Then country names are in Russian, with Lithuania's granted case in departure
    assert "Германия" in page and "Литва" in page
    # and in English after switching
    client.post("/i18n/setlang/", {"language": "en", "next": "/relocation/"})
    english = client.get("/relocation/").content.decode()
    assert "Germany" in english and "Lithuania" in english and "Германия" not in english
    # The South viewer's board has no Lithuanian row: E is in North
    other = login(Client(), viewer, language="ru").get("/relocation/").content.decode()
    assert "Германия" in other and "<h2>Литва" not in other
    assert "Testperson" not in page + english + other  # counts only, never a name


def test_it_times_repeated_visits_exactly_as_the_case_page(org: Org, worker: Staff) -> None:
    # Given cases sent back to application twice, with odd microseconds in every move
    from corridor.cases.durations import time_in_stages
    from corridor.cases.models import CaseTransition

    lt = _country("LT", "Lithuania", "Литва")
    cases = []
    for number in range(4):
        # (.999999: a clock that rounds to milliseconds would make it the next second)
        moves = [("request", at("2017-05-01", f"0{number}:00:00.999999"))]
        for day, stage in enumerate(TO_APPLICATION_TWICE, start=2):
            moves.append((stage, at(f"2017-05-{day:02}", f"1{number}:17:{day:02}.{day * 7919:06}")))
        case = case_with_history(worker, org, moves)
        _apply(worker, case, lt, "2017-05-20")
        cases.append(case)
    # When the board is computed at a time with microseconds of its own
    now = NOW + timedelta(microseconds=123457)
    ids = [org.compartment("North").pk]
    row = {r.country.code: r for r in board_compute(compartment_ids=ids, now=now)}["LT"]
    # Then each stage's median and worst are those of the case page's own totals
    totals = [
        time_in_stages(CaseTransition.objects.filter(case=case).order_by("seq"), now)
        for case in cases
    ]
    for stage in ("application", "departure", "sheltered", "request"):
        seconds = sorted(t[stage] for t in totals)
        figures = row.stage(stage)
        assert figures.timed == 4
        assert figures.median == timedelta(seconds=(seconds[1] + seconds[2]) / 2)
        assert figures.worst == timedelta(seconds=seconds[-1])
    assert row.stage("application").waiting == 4


TO_APPLICATION_TWICE = [
    "vetting",
    "accepted",
    "sheltered",
    "documents",
    "application",
    "departure",
    "application",
    "departure",
    "application",
]
