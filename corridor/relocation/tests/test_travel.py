"""Journeys: failed travel sends a case in departure back to the shelter; arrival moves it on."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client

from conftest import Org, Staff, login
from corridor.audit.models import AuditEntry
from corridor.cases.models import Case, CaseTransition
from corridor.relocation.actions import travel_leg_create, travel_leg_outcome_record
from corridor.relocation.models import Country, TravelLeg
from corridor.relocation.tests.conftest import at, audit_count, bed_from, case_in_departure

pytestmark = pytest.mark.django_db

FAILURE = "Border-Marker-8812: stopped at Sheremetyevo, wanted list"


def _planned(worker: Staff, case: Case, country: Country, kind: str = "departure") -> TravelLeg:
    return travel_leg_create(
        actor_id=worker.user.pk,
        case=case,
        kind=kind,
        from_place="Moscow SVO",
        to_place="Vilnius",
        planned_on=date(2017, 5, 20),
        country=country,
    )


def test_it_moves_a_case_in_departure_back_to_sheltered_on_failed_travel(
    org: Org, worker: Staff, germany: Country
) -> None:
    # Given a case in departure with a planned flight, and a bed again on the day it fails
    case = case_in_departure(worker, org)
    leg = _planned(worker, case, germany)
    bed_from(worker, org, case, "2017-05-20")
    # When the flight is recorded as failed
    failed = travel_leg_outcome_record(
        actor_id=worker.user.pk,
        leg=leg,
        outcome="failed",
        travelled_on=date(2017, 5, 20),
        failure_reason=FAILURE,
        at=at("2017-05-20", "22:00"),
    )
    # Then the case is back in the shelter, the move recorded with the failure as its reason
    assert Case.objects.get(pk=case.pk).stage == "sheltered"
    last = CaseTransition.objects.filter(case=case).order_by("-seq").first()
    assert last is not None
    assert (last.from_stage, last.to_stage, last.backward) == ("departure", "sheltered", True)
    assert last.reason == FAILURE and last.actor_id == worker.user.pk
    assert last.at == at("2017-05-20", "22:00")
    assert TravelLeg.objects.get(pk=leg.pk).failure_reason == FAILURE
    assert AuditEntry.objects.filter(action="travel_leg.update", object_id=str(failed.pk)).exists()
    # And places and the failure are stored only as ciphertext
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_place_sealed, failure_reason_sealed FROM relocation_travelleg")
        raw = b"".join(bytes(value) for value in cursor.fetchone())
    assert b"Vilnius" not in raw and b"Marker-8812" not in raw


def test_it_keeps_a_case_in_departure_when_the_failed_flight_finds_no_bed(
    org: Org, worker: Staff, germany: Country
) -> None:
    # Given a case in departure whose stay ended when he left, and a planned flight
    case = case_in_departure(worker, org)
    leg = _planned(worker, case, germany)
    moves = CaseTransition.objects.filter(case=case).count()
    # When the flight is recorded as failed
    failed = travel_leg_outcome_record(
        actor_id=worker.user.pk,
        leg=leg,
        outcome="failed",
        travelled_on=date(2017, 5, 20),
        failure_reason=FAILURE,
        at=at("2017-05-20", "22:00"),
    )
    # Then the failure is recorded, but the case is not moved to a bed he does not have
    assert TravelLeg.objects.get(pk=leg.pk).outcome == "failed"
    assert Case.objects.get(pk=case.pk).stage == "departure"
    assert CaseTransition.objects.filter(case=case).count() == moves
    assert "no bed" in failed.move_refused


def test_it_moves_a_case_in_departure_to_arrived_on_a_completed_arrival(
    org: Org, worker: Staff, germany: Country
) -> None:
    case = case_in_departure(worker, org)
    travel_leg_create(
        actor_id=worker.user.pk,
        case=case,
        kind="arrival",
        to_place="Berlin",
        travelled_on=date(2017, 5, 21),
        outcome="completed",
        country=germany,
        at=at("2017-05-21", "08:00"),
    )
    moved = Case.objects.get(pk=case.pk)
    assert moved.stage == "arrived" and moved.stage_entered_at == at("2017-05-21", "08:00")


def test_it_does_not_move_a_case_for_a_failed_journey_inside_russia(
    org: Org, worker: Staff, germany: Country
) -> None:
    case = case_in_departure(worker, org)
    travel_leg_create(
        actor_id=worker.user.pk,
        case=case,
        kind="domestic",
        travelled_on=date(2017, 5, 8),
        outcome="failed",
        failure_reason="train cancelled",
    )
    assert Case.objects.get(pk=case.pk).stage == "departure"


@pytest.mark.parametrize(
    "bad",
    [
        {"outcome": "failed", "travelled_on": date(2017, 5, 20)},  # no reason
        {"outcome": "completed"},  # no date
        {"outcome": "planned", "travelled_on": date(2017, 5, 20)},
        {"planned_on": date(2017, 4, 1)},  # before the case began
        {"outcome": "completed", "travelled_on": date(2099, 1, 1)},
        {"kind": "teleport"},
    ],
)
def test_it_refuses_a_bad_journey_and_changes_nothing(
    org: Org, worker: Staff, germany: Country, bad: dict[str, object]
) -> None:
    case = case_in_departure(worker, org)
    entries = audit_count()
    values: dict[str, object] = {"kind": "departure", "country": germany}
    values.update(bad)
    with pytest.raises(ValidationError):
        travel_leg_create(actor_id=worker.user.pk, case=case, **values)  # type: ignore[arg-type]
    assert not TravelLeg.objects.exists()
    assert Case.objects.get(pk=case.pk).stage == "departure"
    assert audit_count() == entries


def test_it_rolls_the_failed_journey_back_when_the_move_is_refused(
    org: Org, worker: Staff, germany: Country
) -> None:
    # Given a planned flight of a case in departure since 2017-05-07
    case = case_in_departure(worker, org)
    leg = _planned(worker, case, germany)
    entries = audit_count()
    # When its failure is recorded with a move dated before that
    with pytest.raises(ValidationError):
        travel_leg_outcome_record(
            actor_id=worker.user.pk,
            leg=leg,
            outcome="failed",
            travelled_on=date(2017, 5, 6),
            failure_reason=FAILURE,
            at=at("2017-05-06"),
        )
    # Then nothing changed: the leg is still planned, the case still in departure
    stored = TravelLeg.objects.get(pk=leg.pk)
    assert stored.outcome == "planned" and stored.failure_reason == ""
    assert Case.objects.get(pk=case.pk).stage == "departure"
    assert audit_count() == entries


def test_it_records_failed_travel_through_the_screen(
    org: Org, worker: Staff, germany: Country
) -> None:
    case = case_in_departure(worker, org)
    leg = _planned(worker, case, germany)
    client = login(Client(), worker)
    page = client.get(f"/relocation/cases/{case.pk}/travel/{leg.pk}/")
    assert page.status_code == 200 and "Vilnius" in page.content.decode()
    response = client.post(
        f"/relocation/cases/{case.pk}/travel/{leg.pk}/",
        {
            "kind": "departure",
            "country": germany.pk,
            "from_place": "Moscow SVO",
            "to_place": "Vilnius",
            "planned_on": "2017-05-20",
            "travelled_on": "2017-05-20",
            "outcome": "failed",
            "failure_reason": FAILURE,
        },
    )
    assert response.status_code == 302
    # He has no bed to go back to: the case stays in departure and the page says why
    assert Case.objects.get(pk=case.pk).stage == "departure"
    shown = client.get(response["Location"]).content.decode()
    assert "This person has no bed in a shelter on" in shown


def test_it_takes_the_planned_day_as_the_day_a_flight_failed(
    org: Org, worker: Staff, germany: Country
) -> None:
    # Given a flight planned for 20 May (issue 13: "Enter the date of the journey" although
    # "planned for" was filled)
    case = case_in_departure(worker, org)
    leg = _planned(worker, case, germany)
    bed_from(worker, org, case, "2017-05-20")
    # When it is recorded as failed without a separate travel date
    travel_leg_outcome_record(
        actor_id=worker.user.pk,
        leg=leg,
        outcome="failed",
        travelled_on=None,
        failure_reason=FAILURE,
        at=at("2017-05-20", "22:00"),
    )
    # Then it failed on the day it was planned for, and the case went back to the shelter
    assert TravelLeg.objects.get(pk=leg.pk).travelled_on == date(2017, 5, 20)
    assert Case.objects.get(pk=case.pk).stage == "sheltered"


def test_it_puts_each_error_of_the_journey_form_by_its_field(
    org: Org, worker: Staff, germany: Country
) -> None:
    case = case_in_departure(worker, org)
    leg = _planned(worker, case, germany)
    client = login(Client(), worker)
    # When a failed flight is sent without its reason
    response = client.post(
        f"/relocation/cases/{case.pk}/travel/{leg.pk}/",
        {
            "kind": "departure",
            "country": germany.pk,
            "planned_on": "2017-05-20",
            "outcome": "failed",
        },
    )
    page = response.content.decode()
    # Then the page says why by the reason's field (as well as in the summary at the top),
    # and keeps the input
    assert response.status_code == 200
    assert page.count("Say why the journey failed.") == 2  # in the summary and by the field
    assert 'href="#leg_failure_reason"' in page  # the summary links to the field
    assert 'id="leg_failure_reason_error"' in page  # the field's own error, described by it
    assert "Enter the date of the journey" not in page
    assert 'value="2017-05-20"' in page
    assert TravelLeg.objects.get(pk=leg.pk).outcome == "planned"
