"""The country board per destination (issue 13): only the stages that belong to a
destination, the grants and refusals day by day ("Lithuania granted the first two visas on
17 May 2017, then others followed"), and the latest refusal reasons for those who may read
them."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from conftest import Org, Staff, login
from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.relocation.actions import application_create, country_create
from corridor.relocation.board import board_compute
from corridor.relocation.tests.conftest import at, case_with_history

pytestmark = pytest.mark.django_db


def _lithuania(org: Org, worker: Staff) -> None:
    lt = country_create(actor_id=None, code="LT", name_en="Lithuania", name_ru="Литва")
    decided = [
        ("2017-05-17", "granted", ""),
        ("2017-05-17", "granted", ""),
        ("2017-05-30", "refused", "Qxrefusal: недостаточно документов"),
        ("2017-06-08", "granted", ""),
    ]
    for n, (day, outcome, reason) in enumerate(decided):
        case = case_with_history(
            worker, org, [("request", at("2017-05-01")), ("vetting", at("2017-05-02"))]
        )
        application_create(
            actor_id=worker.user.pk,
            case=case,
            country=lt,
            pathway="humanitarian_visa",
            submitted_on=date(2017, 5, 3 + n),
            decision_on=date.fromisoformat(day),
            outcome=outcome,
            refusal_reason=reason,
            at=at("2017-06-10"),
        )


def test_it_reads_the_grants_and_refusals_of_a_country_day_by_day(org: Org, worker: Staff) -> None:
    _lithuania(org, worker)
    [row] = [
        r
        for r in board_compute(compartment_ids=[org.compartment("North").pk], now=at("2017-06-14"))
        if r.country.code == "LT"
    ]
    days = [(d.day.isoformat(), d.granted, d.refused, d.granted_so_far) for d in row.decisions]
    assert days == [
        ("2017-05-17", 2, 0, 2),
        ("2017-05-30", 0, 1, 2),
        ("2017-06-08", 1, 0, 3),
    ]
    # And the destination's stages start at the shelter: vetting is not repeated under it
    assert "vetting" not in {s.stage for s in row.destination_stages}
    assert {s.stage for s in row.destination_stages} <= {
        "sheltered",
        "documents",
        "application",
        "departure",
    }


def test_it_shows_refusal_reasons_to_members_and_never_to_a_viewer(org: Org, worker: Staff) -> None:
    _lithuania(org, worker)
    page = login(Client(), worker).get("/relocation/").content.decode()
    # A member sees the timeline and the latest refusal reason, opened and audited
    assert "2017-05-17" in page and "Decisions over time" in page
    assert "Qxrefusal" in page
    assert AuditEntry.objects.filter(action="application.list", actor_id=worker.user.pk).exists()
    # No vetting row under the destination
    assert "<td>Vetting</td>" not in page
    # A viewer of the same compartment sees the counts and dates, not the reason
    viewer = org.staff("north-viewer", Role.VIEWER, ("North",))
    seen = login(Client(), viewer).get("/relocation/").content.decode()
    assert "2017-05-17" in seen and "Qxrefusal" not in seen
