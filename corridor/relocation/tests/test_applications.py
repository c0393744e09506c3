"""Applications: consistent dates, and a refused visa sends a case in departure back."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.utils import timezone

from conftest import Org, Staff, login
from corridor.accounts.roles import PERMISSIONS
from corridor.audit.models import AuditEntry
from corridor.cases.actions import case_move_to_stage
from corridor.cases.models import Case, CaseTransition
from corridor.relocation.actions import (
    application_create,
    application_dates_check,
    application_decide,
    application_update,
)
from corridor.relocation.models import Application, Country
from corridor.relocation.tests.conftest import at, audit_count, case_in_departure

pytestmark = pytest.mark.django_db

REASON = "Refusal-Marker-3307: no proof of persecution"
BEGAN = date(2017, 5, 1)
TODAY = date(2017, 12, 31)


def _check(**dates: object) -> None:
    values: dict[str, object] = {
        "submitted_on": None,
        "interview_on": None,
        "decision_on": None,
        "outcome": "pending",
    }
    values.update(dates)
    application_dates_check(began=BEGAN, today=TODAY, **values)  # type: ignore[arg-type]


def test_it_accepts_dates_in_order() -> None:
    _check()
    _check(submitted_on=date(2017, 5, 2), interview_on=date(2017, 5, 2))
    _check(submitted_on=BEGAN, decision_on=date(2017, 6, 1), outcome="granted")
    _check(submitted_on=BEGAN, interview_on=date(2018, 1, 10))  # an interview may be ahead


@pytest.mark.parametrize(
    ("dates", "message"),
    [
        ({"submitted_on": date(2017, 5, 10), "interview_on": date(2017, 5, 9)}, "interview"),
        (
            {
                "submitted_on": date(2017, 5, 10),
                "decision_on": date(2017, 5, 9),
                "outcome": "refused",
            },
            "decision cannot be before",
        ),
        ({"submitted_on": date(2017, 4, 30)}, "before the case began"),
        ({"interview_on": date(2017, 5, 9)}, "submitted first"),
        ({"submitted_on": date(2018, 1, 1)}, "future"),
        ({"submitted_on": BEGAN, "outcome": "granted"}, "date of the decision"),
        ({"submitted_on": BEGAN, "decision_on": date(2017, 5, 3)}, "pending application"),
    ],
)
def test_it_refuses_inconsistent_dates_with_a_clear_message(
    dates: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        _check(**dates)  # type: ignore[arg-type]
    assert any(message in text for text in refused.value.messages), refused.value.messages


def test_it_refuses_a_bad_application_and_changes_nothing(
    org: Org, worker: Staff, germany: Country
) -> None:
    case = case_in_departure(worker, org)
    entries = audit_count()
    with pytest.raises(ValidationError):
        application_create(
            actor_id=worker.user.pk,
            case=case,
            country=germany,
            pathway="humanitarian_visa",
            submitted_on=date(2017, 5, 10),
            decision_on=date(2017, 5, 8),
            outcome="refused",
            refusal_reason=REASON,
        )
    assert not Application.objects.exists()
    assert Case.objects.get(pk=case.pk).stage == "departure"
    assert audit_count() == entries


def test_it_needs_a_reason_for_a_refusal(org: Org, worker: Staff, germany: Country) -> None:
    case = case_in_departure(worker, org)
    with pytest.raises(ValidationError):
        application_create(
            actor_id=worker.user.pk,
            case=case,
            country=germany,
            pathway="humanitarian_visa",
            submitted_on=date(2017, 5, 2),
            decision_on=date(2017, 5, 8),
            outcome="refused",
        )
    assert not Application.objects.exists()


def test_it_moves_a_case_in_departure_back_to_application_on_a_refused_visa(
    org: Org, worker: Staff, germany: Country
) -> None:
    # Given a case in departure with a pending visa application
    case = case_in_departure(worker, org)
    application = application_create(
        actor_id=worker.user.pk,
        case=case,
        country=germany,
        pathway="humanitarian_visa",
        submitted_on=date(2017, 5, 6),
        at=at("2017-05-07", "10:00"),
    )
    assert Case.objects.get(pk=case.pk).stage == "departure"
    # When the refusal is recorded
    decided = application_decide(
        actor_id=worker.user.pk,
        application=application,
        outcome="refused",
        decision_on=date(2017, 5, 20),
        refusal_reason=REASON,
        at=at("2017-05-20", "15:00"),
    )
    # Then the case is back in application, and the move names the refusal, the actor, the time
    moved = Case.objects.get(pk=case.pk)
    assert moved.stage == "application" and moved.stage_entered_at == at("2017-05-20", "15:00")
    last = CaseTransition.objects.filter(case=case).order_by("-seq").first()
    assert last is not None
    assert (last.from_stage, last.to_stage, last.backward) == ("departure", "application", True)
    assert last.actor_id == worker.user.pk and last.at == at("2017-05-20", "15:00")
    assert last.reason == REASON
    assert decided.outcome == "refused" and decided.refusal_reason == REASON
    assert AuditEntry.objects.filter(
        action="application.update", object_id=str(decided.pk)
    ).exists()
    assert AuditEntry.objects.filter(action="case.move", object_id=str(case.pk)).exists()
    # And the refusal reason is stored only as ciphertext
    with connection.cursor() as cursor:
        cursor.execute("SELECT refusal_reason_sealed FROM relocation_application")
        assert b"Refusal-Marker-3307" not in bytes(cursor.fetchone()[0])


def test_it_leaves_a_case_not_in_departure_where_it_is(
    org: Org, worker: Staff, germany: Country
) -> None:
    case = case_in_departure(worker, org)
    case_move_to_stage(
        actor_id=worker.user.pk,
        case=case,
        to_stage="application",
        reason="visa revoked",
        at=at("2017-05-08"),
    )
    moves = CaseTransition.objects.filter(case=case).count()
    application_create(
        actor_id=worker.user.pk,
        case=case,
        country=germany,
        pathway="national_visa",
        submitted_on=date(2017, 5, 8),
        decision_on=date(2017, 5, 9),
        outcome="refused",
        refusal_reason=REASON,
    )
    assert Case.objects.get(pk=case.pk).stage == "application"
    assert CaseTransition.objects.filter(case=case).count() == moves


def test_it_rolls_the_refusal_back_when_the_move_is_refused(
    org: Org, worker: Staff, germany: Country
) -> None:
    # Given a pending application of a case that reached departure on 2017-05-07
    case = case_in_departure(worker, org)
    application = application_create(
        actor_id=worker.user.pk,
        case=case,
        country=germany,
        pathway="humanitarian_visa",
        submitted_on=date(2017, 5, 6),
    )
    entries = audit_count()
    # When the refusal is recorded with a move dated before the case's last move
    with pytest.raises(ValidationError) as refused:
        application_update(
            actor_id=worker.user.pk,
            application=application,
            country=germany,
            pathway="humanitarian_visa",
            submitted_on=date(2017, 5, 6),
            interview_on=None,
            decision_on=date(2017, 5, 6),
            outcome="refused",
            refusal_reason=REASON,
            notes="",
            at=at("2017-05-06"),
        )
    # Then the move's message comes back, and neither the application nor the case changed
    assert "before the case's last move" in " ".join(refused.value.messages)
    stored = Application.objects.get(pk=application.pk)
    assert stored.outcome == "pending" and stored.refusal_reason == ""
    assert Case.objects.get(pk=case.pk).stage == "departure"
    assert audit_count() == entries


def test_it_records_a_refusal_through_the_screen_and_says_the_case_moved(
    org: Org, worker: Staff, germany: Country
) -> None:
    case = case_in_departure(worker, org)
    client = login(Client(), worker)
    today = timezone.localdate()
    response = client.post(
        f"/relocation/cases/{case.pk}/applications/new/",
        {
            "country": germany.pk,
            "pathway": "humanitarian_visa",
            "submitted_on": (today - timedelta(days=3)).isoformat(),
            "decision_on": today.isoformat(),
            "outcome": "refused",
            "refusal_reason": REASON,
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    assert Case.objects.get(pk=case.pk).stage == "application"
    # the next page shows the message (the board: any page with the base layout)
    assert "The case moved to the stage" in client.get("/relocation/").content.decode()


def test_it_shows_the_date_rule_on_the_screen_and_writes_nothing(
    org: Org, worker: Staff, germany: Country
) -> None:
    case = case_in_departure(worker, org)
    client = login(Client(), worker)
    entries = audit_count()
    response = client.post(
        f"/relocation/cases/{case.pk}/applications/new/",
        {
            "country": germany.pk,
            "pathway": "humanitarian_visa",
            "submitted_on": "2017-05-10",
            "interview_on": "2017-05-09",
            "outcome": "pending",
        },
    )
    assert response.status_code == 200
    assert "The interview cannot be before" in response.content.decode()
    assert not Application.objects.exists()
    # only the reads of the page (the case) were logged
    assert set(AuditEntry.objects.filter(seq__gt=entries).values_list("action", flat=True)) <= {
        "case.read"
    }


def test_it_lets_only_roles_that_may_move_cases_record_what_moves_them() -> None:
    # A refused visa or a failed journey moves the case on the recorder's behalf: every role
    # that may record them must also be one that may move cases (decision 0008)
    assert PERMISSIONS["application.edit"] <= PERMISSIONS["case.move"]
    assert PERMISSIONS["travel.edit"] <= PERMISSIONS["case.move"]
