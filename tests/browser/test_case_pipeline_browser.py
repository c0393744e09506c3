"""The case pipeline in a real browser: find a person by a Latin spelling of a Cyrillic name,
move the case from request to arrived with the case page's forms, and live through a refused
visa and a failed flight recorded in the relocation panel.

Each step checks what the user sees: the stage, and the timeline rows with their reasons.
Every test also proves that nothing was asked of another origin (T8).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from conftest import Org, Staff
from corridor.accounts.roles import Role
from corridor.cases.actions import case_create, case_move_to_stage
from corridor.cases.models import Case
from corridor.relocation.actions import country_create
from corridor.shelters.actions import (
    placement_request_create,
    placement_request_decide,
    shelter_create,
)
from corridor.vault.keyring import keyring_activated

from .conftest import Browsing

pytestmark = pytest.mark.browser

NAME = "Дадаев Магомед Русланович"
LATIN = "Magomed Dadaev"
REFUSAL = "Отказ: не доказана угроза преследования."
FAILURE = "Сняли с рейса на паспортном контроле."
PLACED = "Placed in a shelter."


# --- helpers ----------------------------------------------------------------------------------


def _log_in(browsing: Browsing, staff: Staff) -> None:
    page = browsing.page
    page.goto(browsing.url("/accounts/login/"))
    page.fill("input[name=username]", staff.user.username)
    page.fill("input[name=passphrase]", staff.passphrase)
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/login/code/**")
    page.fill("input[name=token]", staff.code())
    page.click("main button[type=submit]")
    page.wait_for_url(browsing.url("/"))


def _log_out(browsing: Browsing) -> None:
    browsing.page.click("header form[action='/accounts/logout/'] button")
    browsing.page.wait_for_url("**/accounts/login/**")


def _in_english(browsing: Browsing) -> None:
    """The labels asserted below are the English source strings."""
    browsing.page.context.add_cookies(
        [{"name": "corridor_lang", "value": "en", "url": browsing.base_url}]
    )


def _stage(page: Page) -> Locator:
    """The stage in the summary at the top of the case page."""
    return page.locator("main #summary div:has(> dt:text-is('Stage')) > dd")


def _timeline(page: Page) -> Locator:
    """The data rows of the case page's timeline, oldest first."""
    return page.locator("main #timeline .card tr:has(td)")


def _move_form(page: Page, stage: str) -> Locator:
    """The form of the move to `stage`, unfolded from behind its "Choose the next step"."""
    moves = page.locator("#moves details")
    if moves.count() and moves.get_attribute("open") is None:
        moves.locator("summary").click()
    return page.locator(f"form.move:has(input[name=to_stage][value={stage}])")


def _move(page: Page, stage: str, label: str, *, reason: str = "") -> None:
    """Submit the case page's form for the move to `stage`; the page then shows `label`."""
    moves = _timeline(page).count()
    form = _move_form(page, stage)
    if reason:
        form.locator("textarea[name=reason]").fill(reason)
    form.locator("button[type=submit]").click()
    expect(_stage(page)).to_contain_text(label)
    expect(_timeline(page)).to_have_count(moves + 1)


def _expect_last_move(page: Page, move: str, *, by: str, reason: str = "—") -> None:
    row = _timeline(page).last
    cells = row.locator("td")
    expect(cells.nth(1)).to_contain_text(move)
    expect(cells.nth(2)).to_have_text(by)
    expect(cells.nth(3)).to_have_text(reason)


def _open_panel_form(page: Page, summary: str) -> Locator:
    """Unfold one of the relocation panel's "Add ..." forms and return it."""
    details = page.locator("#relocation details", has=page.locator(f"summary:text-is('{summary}')"))
    details.locator("summary").click()
    return details.locator("form")


def _assert_same_origin(browsing: Browsing) -> None:
    assert browsing.requests, "no request was recorded"
    assert browsing.foreign_requests() == []


# --- tests ------------------------------------------------------------------------------------


def test_it_finds_a_person_by_latin_name_and_moves_the_case_to_arrived(
    org: Org, browsing: Browsing
) -> None:
    # Given a caseworker and a coordinator of North, a case stored in Cyrillic, and others
    worker = org.staff("worker", Role.CASEWORKER, ("North",))
    coordinator = org.staff("coordinator", Role.COORDINATOR, ("North",))
    with keyring_activated(worker.keyring):
        case = case_create(
            actor_id=worker.user.pk,
            compartment=org.compartment("North"),
            full_name=NAME,
            phone="+7 928 555 01 42",
            location="Грозный",
        )
        for other in ("Умаров Магомед Исламович", "Дадаев Руслан Ахмедович"):
            case_create(
                actor_id=worker.user.pk, compartment=org.compartment("North"), full_name=other
            )
    page = browsing.page
    _in_english(browsing)
    _log_in(browsing, worker)

    # When the caseworker searches the case list for the name written in Latin
    page.click("header nav a[href='/cases/']")
    page.fill("input[name=q]", LATIN)
    page.get_by_role("button", name="Search").click()
    # Then only that person is found, and the name never went into the address
    found = page.locator("main table tr:has(td a)")
    expect(found).to_have_count(1)
    expect(found.locator("a")).to_have_text(NAME)
    assert LATIN.split()[0] not in page.url and "q=" not in page.url
    browsing.screenshot("pipeline-search")

    # When they open the case and move it to vetting
    found.locator("a").click()
    page.wait_for_url(browsing.url(f"/cases/{case.pk}/"))
    expect(_stage(page)).to_contain_text("Request")
    expect(_timeline(page)).to_have_count(1)
    _move(page, "vetting", "Vetting")
    # Then the timeline shows the move by them, and accepting is not theirs to do
    _expect_last_move(page, "Request → Vetting", by="worker")
    expect(_move_form(page, "accepted")).to_have_count(0)
    _log_out(browsing)

    # When the coordinator accepts the case and takes it along the pipeline to arrived
    _log_in(browsing, coordinator)
    page.goto(browsing.url(f"/cases/{case.pk}/"))
    _move(page, "accepted", "Accepted")
    _expect_last_move(page, "Vetting → Accepted", by="coordinator")
    for stage, label, previous in (
        ("evacuation", "Evacuation", "Accepted"),
        ("sheltered", "Sheltered", "Evacuation"),
        ("documents", "Documents", "Sheltered"),
        ("application", "Application", "Documents"),
        ("departure", "Departure", "Application"),
        ("arrived", "Arrived", "Departure"),
    ):
        _move(page, stage, label)
        _expect_last_move(page, f"{previous} → {label}", by="coordinator")
    browsing.screenshot("pipeline-arrived")

    # Then the case is at arrived, with every move of the way in order and none backward
    rows = _timeline(page)
    expect(rows).to_have_count(9)
    moves = [text.split("\t")[1] for text in rows.evaluate_all(_ROW_TEXT)]
    assert moves[0] == "Request"
    assert moves[-1] == "Departure → Arrived"
    expect(page.locator("main #timeline .card .tag")).to_have_count(0)
    assert Case.objects.get(pk=case.pk).stage == "arrived"
    _assert_same_origin(browsing)


def _place_approved(org: Org, coordinator: Staff, case: Case) -> None:
    """A shelter of North whose board has approved a place for the case."""
    with keyring_activated(coordinator.keyring):
        shelter = shelter_create(
            actor_id=coordinator.user.pk,
            compartment=org.compartment("North"),
            name="Safe flat",
            address="Street 1",
            capacity=4,
        )
        request = placement_request_create(actor_id=coordinator.user.pk, case=case, shelter=shelter)
        placement_request_decide(actor_id=coordinator.user.pk, request=request, approve=True)


# The cells of each row, tab-separated (the second is the move).
_ROW_TEXT = "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()).join('\\t'))"


def _case_in_departure(org: Org, worker: Staff, coordinator: Staff) -> Case:
    """A case that reached departure over the last weeks (through the real actions)."""
    start = timezone.now() - timedelta(days=40)
    with keyring_activated(worker.keyring):
        case = case_create(
            actor_id=worker.user.pk,
            compartment=org.compartment("North"),
            full_name=NAME,
            at=start,
        )
        for day, stage, actor in (
            (2, "vetting", worker),
            (5, "accepted", coordinator),
            (7, "evacuation", worker),
            (8, "sheltered", worker),
            (12, "documents", worker),
            (20, "application", worker),
            (35, "departure", worker),
        ):
            case_move_to_stage(
                actor_id=actor.user.pk, case=case, to_stage=stage, at=start + timedelta(days=day)
            )
    return case


def test_it_sends_a_case_back_on_a_refused_visa_and_a_failed_flight(
    org: Org, browsing: Browsing
) -> None:
    # Given a case in departure, and Germany in the country registry
    worker = org.staff("worker", Role.CASEWORKER, ("North",))
    coordinator = org.staff("coordinator", Role.COORDINATOR, ("North",))
    country_create(actor_id=coordinator.user.pk, code="DE", name_en="Germany", name_ru="Германия")
    case = _case_in_departure(org, worker, coordinator)
    _place_approved(org, coordinator, case)
    today = timezone.localdate().isoformat()
    page = browsing.page
    _in_english(browsing)
    _log_in(browsing, worker)
    page.goto(browsing.url(f"/cases/{case.pk}/"))
    expect(_stage(page)).to_contain_text("Departure")
    expect(_timeline(page)).to_have_count(8)

    # When the caseworker records that the German visa was refused
    form = _open_panel_form(page, "Add an application")
    form.locator("select[name=country]").select_option(label="Germany (DE)")
    form.locator("select[name=pathway]").select_option("humanitarian_visa")
    form.locator("input[name=submitted_on]").fill(today)
    form.locator("input[name=decision_on]").fill(today)
    form.locator("select[name=outcome]").select_option("refused")
    form.locator("textarea[name=refusal_reason]").fill(REFUSAL)
    form.locator("button[type=submit]").click()
    # Then the case is back at application, the refusal is the reason of a backward move,
    # and the panel lists the refused application
    expect(_stage(page)).to_contain_text("Application")
    expect(page.locator("main .messages")).to_contain_text("Application")
    expect(_timeline(page)).to_have_count(9)
    _expect_last_move(page, "Departure → Application", by="worker", reason=REFUSAL)
    expect(_timeline(page).last.locator(".tag")).to_have_text("back")
    expect(page.locator("#relocation")).to_contain_text("Refused")
    browsing.screenshot("pipeline-visa-refused")

    # When a new visa allows departure again, and the flight fails at passport control
    _move(page, "departure", "Departure")
    _expect_last_move(page, "Application → Departure", by="worker")
    form = _open_panel_form(page, "Add a journey")
    form.locator("select[name=kind]").select_option("departure")
    form.locator("select[name=country]").select_option(label="Germany (DE)")
    form.locator("input[name=travelled_on]").fill(today)
    form.locator("select[name=outcome]").select_option("failed")
    form.locator("textarea[name=failure_reason]").fill(FAILURE)
    form.locator("button[type=submit]").click()
    # Then the journey is recorded but the case stays in departure: he has no bed to go
    # back to, and the page says so
    expect(page.locator("main .messages")).to_contain_text("has no bed in a shelter")
    expect(_stage(page)).to_contain_text("Departure")
    expect(_timeline(page)).to_have_count(10)
    expect(page.locator("#relocation")).to_contain_text("Failed")
    browsing.screenshot("pipeline-flight-failed")

    # When the board's approved place is taken (behind its "Place" step), with the case moved
    # in the same step
    page.locator("#shelter details:has(form[action*='/place/']) > summary").click()
    place = page.locator("#shelter form[action*='/place/']")
    expect(place.locator("input[name=place-move_case]")).to_be_checked()
    place.locator("button").click()
    # Then the case is back at sheltered, a backward move saying why
    expect(_stage(page)).to_contain_text("Sheltered")
    expect(_timeline(page)).to_have_count(11)
    _expect_last_move(page, "Departure → Sheltered", by="worker", reason=PLACED)
    expect(_timeline(page).last.locator(".tag")).to_have_text("back")

    # When they fly again and the arrival is recorded as completed
    _move(page, "departure", "Departure")
    _expect_last_move(page, "Sheltered → Departure", by="worker")
    form = _open_panel_form(page, "Add a journey")
    form.locator("select[name=kind]").select_option("arrival")
    form.locator("select[name=country]").select_option(label="Germany (DE)")
    form.locator("input[name=travelled_on]").fill(today)
    form.locator("select[name=outcome]").select_option("completed")
    form.locator("button[type=submit]").click()
    # Then the case has arrived, and its timeline tells the whole story with both setbacks
    expect(_stage(page)).to_contain_text("Arrived")
    expect(_timeline(page)).to_have_count(13)
    _expect_last_move(page, "Departure → Arrived", by="worker")
    rows = _timeline(page).evaluate_all(_ROW_TEXT)
    backward = [row.split("\t")[1:4:2] for row in rows if re.search(r"\bback\b", row)]
    assert backward == [
        ["Departure → Application back", REFUSAL],
        ["Departure → Sheltered back", PLACED],
    ]
    browsing.screenshot("pipeline-arrived-after-setbacks")
    _assert_same_origin(browsing)
