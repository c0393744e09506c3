"""A referral whose answer is overdue is marked by the worker, once, and an answer clears it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from corridor.audit.models import AuditEntry
from corridor.documentation import actions
from corridor.documentation.deadlines import referral_deadlines_pass, referral_overdue_claim
from corridor.documentation.models import Referral
from corridor.documentation.tests.conftest import Desk, term
from corridor.tasks.worker import work_once

pytestmark = pytest.mark.django_db


def _referral(desk: Desk, due: date) -> Referral:
    return actions.referral_create(
        actor_id=desk.lawyer.user.pk,
        compartment=desk.event.compartment,
        intervention_type=term("intervention_type", "demand_investigation"),
        recipient="Investigative Committee",
        recipient_kind="domestic_authority",
        through="Federal ombudsman",
        sent_on=date(2017, 5, 5),
        answer_due_on=due,
        owner_id=desk.lawyer.user.pk,
        events=[desk.event],
        victims=[desk.victim],
    )


def _on(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T12:00").replace(tzinfo=UTC)


def test_it_marks_a_referral_overdue_once_its_deadline_has_passed(desk: Desk) -> None:
    # Given a referral whose answer is due on 5 June 2017
    referral = _referral(desk, date(2017, 6, 5))
    # When the worker runs on the day itself, then the day after, then again
    assert work_once(_on("2017-06-05")).referrals_overdue == 0
    assert work_once(_on("2017-06-06")).referrals_overdue == 1
    assert referral_deadlines_pass(_on("2017-06-07")) == 0
    # Then it is marked once, audited once, and a second claim wins nothing
    assert Referral.objects.get(pk=referral.pk).overdue
    assert AuditEntry.objects.filter(action="doc_referral.overdue").count() == 1
    assert not referral_overdue_claim(referral.pk, date(2017, 6, 8))


def test_it_takes_a_referral_off_the_overdue_list_when_an_answer_comes(desk: Desk) -> None:
    referral = _referral(desk, date(2017, 6, 5))
    referral_deadlines_pass(_on("2017-06-10"))
    actions.referral_answer_add(
        actor_id=desk.lawyer.user.pk,
        referral=Referral.objects.get(pk=referral.pk),
        received_on=date(2017, 6, 20),
        status_after="refused",
        response=term("response", "denied"),
        summary="No grounds to open a criminal case",
    )
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.status, stored.overdue) == ("refused", False)
    # A refused referral awaits nothing: the worker leaves it alone
    assert referral_deadlines_pass(_on("2017-07-01")) == 0


def test_it_never_marks_a_referral_without_a_deadline(desk: Desk) -> None:
    referral = actions.referral_create(
        actor_id=desk.lawyer.user.pk,
        compartment=desk.event.compartment,
        intervention_type=term("intervention_type", "request_assistance"),
        recipient="A partner",
        recipient_kind="partner",
        sent_on=date(2017, 5, 5),
        owner_id=desk.lawyer.user.pk,
    )
    assert referral_deadlines_pass(_on("2030-01-01")) == 0
    assert not Referral.objects.get(pk=referral.pk).overdue
