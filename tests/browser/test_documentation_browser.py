"""The documentation in a real browser: a lawyer opens an event, records a consent in a
testimony's consent panel, withdraws it with the person's reason, and sees every use refused;
the case page shows the documentation about its person. Nothing is asked of another origin.
"""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from conftest import Org
from corridor.accounts.roles import Role
from corridor.documentation import actions
from corridor.documentation.tests.conftest import desk_build, term
from corridor.vault.keyring import keyring_activated

from .conftest import Browsing
from .test_case_pipeline_browser import _log_in

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_it_records_and_withdraws_consent_in_the_panel(org: Org, browsing: Browsing) -> None:
    # Given a lawyer of Documentation and North, an event with an act, a linked victim
    lawyer = org.staff("lawyer", Role.LAWYER, ("Documentation", "North"))
    with keyring_activated(lawyer.keyring):
        desk = desk_build(org, lawyer)
        actions.act_create(
            actor_id=lawyer.user.pk,
            event=desk.event,
            victim=desk.victim,
            act_type=term("act_type", "torture"),
            methods=[term("method", "electric_shock")],
            start_precision="exact",
            start_date=date(2017, 3, 27),
        )
        actions.person_link_case(
            actor_id=lawyer.user.pk, keyring=lawyer.keyring, person=desk.victim, case=desk.case
        )
    page = browsing.page
    _log_in(browsing, lawyer)
    page.locator("header button", has_text="English").click()  # the site speaks Russian first
    page.goto(browsing.url(f"/documentation/events/{desk.event.pk}/"))
    expect(page.locator("h1")).to_have_text("Detentions in Argun")
    expect(page.locator("main")).to_contain_text("Victim One")
    browsing.screenshot("documentation-event")
    # When they record the victim's consent for courts, by name
    page.goto(browsing.url(f"/documentation/testimonies/{desk.testimony.pk}/"))
    panel = page.locator("#consent")
    panel.locator("summary", has_text="Record consent").click()
    panel.locator("select[name=consent-use]").select_option("court")
    panel.locator("input[name=consent-granted][value=yes]").check()
    panel.locator("select[name=consent-anonymised]").select_option("named")
    panel.locator("input[name=consent-obtained_by]").fill("Hotline lawyer")
    panel.locator("input[name=consent-obtained_on]").fill("2017-05-03")
    panel.locator("button", has_text="Record").click()
    # Then the panel says courts may have it, by name
    court = page.locator("#consent tr", has_text="Courts").first
    expect(court).to_contain_text("allowed, named")
    browsing.screenshot("documentation-consent")
    # When the consent is withdrawn with the person's reason
    page.locator("#consent summary", has_text="Withdraw consent").click()
    page.locator("select[name=withdraw-use]").select_option("court")
    page.locator("textarea[name=withdraw-reason]").fill("His brother found out")
    page.locator("#consent button.danger").click()
    expect(page.locator("h1")).to_have_text("Consent withdrawn")
    page.locator("a", has_text="Back to the testimony").click()
    # Then every use is refused again, and the withdrawal is in the history with its reason
    expect(page.locator("#consent tr", has_text="Courts").first).to_contain_text("withdrawn")
    expect(page.locator("#consent")).to_contain_text("His brother found out")
    # And the case page shows the documentation about its person
    page.goto(browsing.url(f"/cases/{desk.case.pk}/"))
    expect(page.locator("#documentation")).to_contain_text("Torture")
    browsing.screenshot("documentation-case-panel")
    assert browsing.foreign_requests() == []
