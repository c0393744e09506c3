"""The coordinator's home page and charts in a real browser: the figures show, every chart
image loads from this origin under the site's policy, and nothing is asked of another origin."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import Org
from corridor.reports.tests.conftest import Desk
from corridor.reports.tests.test_home import _start
from corridor.reports.tests.test_money import _spend

from .conftest import Browsing
from .test_case_pipeline_browser import _log_in

pytestmark = pytest.mark.browser


def _desk(org: Org) -> Desk:
    return Desk(
        org,
        org.staff("coord", "coordinator", ("North",)),
        org.staff("worker", "caseworker", ("North",)),
        org.staff("south", "coordinator", ("South",)),
    )


@pytest.mark.django_db(transaction=True)
def test_it_shows_the_coordinator_home_and_draws_the_charts_from_this_origin(
    org: Org, browsing: Browsing
) -> None:
    # Given a coordinator of North with three cases evacuated this year
    desk = _desk(org)
    desk.cases(3, start=_start(), steps=3)
    page = browsing.page
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    _log_in(browsing, desk.coordinator)
    page.locator("header button", has_text="English").click()
    # When they look at their home page
    expect(page.locator("#funnel")).to_contain_text("Evacuated")
    expect(page.locator("#alerts-open")).to_have_text("3")
    funnel = page.locator("figure.chart img")
    funnel.scroll_into_view_if_needed()
    page.wait_for_function("() => [...document.images].every(i => i.complete)")
    # Then the funnel chart is drawn (an SVG the page's own policy allowed)
    assert funnel.evaluate("i => i.naturalWidth") == 800
    browsing.screenshot("reports-home")
    # And on the charts page every chart loads, with its table a click away
    page.locator("a", has_text="All charts for this period").click()
    expect(page.locator("h1")).to_have_text("Charts")
    page.wait_for_function("() => [...document.images].every(i => i.complete)")
    widths = page.locator("figure.chart img").evaluate_all("l => l.map(i => i.naturalWidth)")
    assert len(widths) == 4 and set(widths) == {800}
    page.locator("figure.chart summary").first.click()
    expect(page.locator("figure.chart table").first).to_contain_text("Evacuated")
    browsing.screenshot("reports-charts")
    assert browsing.foreign_requests() == []
    assert not [p for p in problems if "Content Security Policy" in p], problems


@pytest.mark.django_db(transaction=True)
def test_it_prepares_and_publishes_a_release_that_then_shows_at_figures(
    org: Org, browsing: Browsing
) -> None:
    # Given a coordinator with a few cases this year
    desk = _desk(org)
    desk.cases(2, start=_start(), steps=3)
    page = browsing.page
    _log_in(browsing, desk.coordinator)
    page.locator("header button", has_text="English").click()
    # When they prepare a release of May and June 2017 at ε = 0.25
    page.goto(browsing.url("/figures/manage/"))
    page.fill("input[name=first_month]", "2017-05")
    page.fill("input[name=last_month]", "2017-06")
    page.check("input[name=tables][value=requests]")
    page.fill("input[name=epsilon]", "0.25")
    page.locator("main button", has_text="Prepare").click()
    # Then they see its cost and accuracy before any number exists
    expect(page.locator("#plan")).to_contain_text("± 12")
    expect(page.locator("#status")).to_contain_text("Prepared, not published")
    browsing.screenshot("figures-plan")
    # And once published, the public page shows the numbers with their accuracy
    page.locator("main button", has_text="Publish").click()
    expect(page.locator(".messages")).to_contain_text("Published.")
    page.goto(browsing.url("/figures/en/"))
    expect(page.locator("main")).to_contain_text("Requests, by month")
    expect(page.locator("main table").first).to_contain_text("± 12")
    browsing.screenshot("figures-public")
    assert browsing.foreign_requests() == []


@pytest.mark.django_db(transaction=True)
def test_it_makes_a_donor_report_and_shows_it_printable(org: Org, browsing: Browsing) -> None:
    # Given expenses charged to a grant, in euros and roubles
    desk = _desk(org)
    _spend(desk)
    page = browsing.page
    _log_in(browsing, desk.coordinator)
    page.locator("header button", has_text="English").click()
    # When the coordinator asks for the grant's report this year, converted to euros
    page.goto(browsing.url("/reports/donors/"))
    page.select_option("select[name=source]", label="GRANT-A (Grant)")
    today = timezone.localdate()
    page.fill("input[name=start]", f"{today:%Y}-01")
    page.fill("input[name=end]", f"{today:%Y-%m}")
    page.fill("input[name=target_currency]", "EUR")
    page.fill("input[name=rates]", "RUB=0.01")
    page.locator("main button", has_text="Make the report").click()
    # Then each currency stands on its own and the converted total uses the recorded rate
    expect(page.locator("h1")).to_contain_text("Donor report: GRANT-A")
    expect(page.locator("#people")).to_contain_text("Everything converted: 240.00 EUR")
    expect(page.locator("main")).to_contain_text("Total 9000.00 RUB")
    expect(page.locator("main")).to_contain_text("1 RUB = 0.01 EUR")
    browsing.screenshot("donor-report")
    # When it is printed (or saved as PDF by the browser)
    page.emulate_media(media="print")
    # Then only the report shows: no navigation, no export forms, the tables whole
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.locator("main form").first).to_be_hidden()
    expect(page.locator("main table").first).to_be_visible()
    expect(page.locator("h1")).to_be_visible()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF-") and len(pdf) > 1000
    page.emulate_media(media="screen")
    expect(page.locator("header.top")).to_be_visible()
    assert browsing.foreign_requests() == []
