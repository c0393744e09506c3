"""The relocation panel on the case page: risks first, lists for everyone who may see the
case, forms only for the roles that may write."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from conftest import Org, Staff, login
from corridor.accounts.roles import Role
from corridor.cases.models import Case
from corridor.relocation.actions import application_create, document_create, travel_leg_create
from corridor.relocation.models import Country
from corridor.relocation.tests.conftest import case_in_departure

pytestmark = pytest.mark.django_db


def _papers(org: Org, worker: Staff, germany: Country) -> Case:
    case = case_in_departure(worker, org)
    document_create(
        actor_id=worker.user.pk,
        case=case,
        kind="internal_passport",
        status="held_by_police",
        risk_flags=["wanted_list"],
    )
    application_create(
        actor_id=worker.user.pk,
        case=case,
        country=germany,
        pathway="humanitarian_visa",
        submitted_on=date(2017, 5, 2),
        decision_on=date(2017, 5, 12),
        outcome="granted",
    )
    travel_leg_create(
        actor_id=worker.user.pk, case=case, kind="departure", to_place="Panel-Place-Riga"
    )
    return case


def test_it_shows_risks_applications_and_journeys_on_the_case_page(
    org: Org, worker: Staff, germany: Country
) -> None:
    case = _papers(org, worker, germany)
    page = login(Client(), worker, language="ru").get(f"/cases/{case.pk}/").content.decode()
    assert 'id="relocation"' in page
    assert page.index('class="risk-alert"') < page.index("Panel-Place-Riga")
    assert "Германия" in page and ">10<" in page  # wait from submission to decision, in days
    # a caseworker may add papers, applications and journeys
    assert f"/relocation/cases/{case.pk}/documents/new/" in page
    assert f"/relocation/cases/{case.pk}/travel/new/" in page


def test_it_shows_a_role_that_may_not_edit_papers_the_lists_without_forms(
    org: Org, worker: Staff, germany: Country
) -> None:
    case = _papers(org, worker, germany)
    reader = org.staff("triage-reader", Role.TRIAGE, ("North",))
    page = login(Client(), reader).get(f"/cases/{case.pk}/").content.decode()
    assert "Panel-Place-Riga" in page and 'class="risk-alert"' in page
    assert "/relocation/cases/" not in page
    # A viewer sees the case's stages only, none of its papers (decision 0032)
    viewer = org.staff("viewer", Role.VIEWER, ("North",))
    page = login(Client(), viewer).get(f"/cases/{case.pk}/").content.decode()
    assert "Panel-Place-Riga" not in page and case.reference in page
