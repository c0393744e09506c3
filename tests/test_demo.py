"""The demo `make run` loads: an organisation shaped like the 2017 evacuation (domain.md)."""

from __future__ import annotations

from collections import Counter

import pytest
from django.utils import timezone

from corridor.cases.models import Case, CaseTransition
from corridor.demo.build import demo_create
from corridor.documentation.consent import consent_for
from corridor.documentation.models import (
    Act,
    ConsentWithdrawal,
    Event,
    EventChain,
    Person,
    Referral,
)
from corridor.documentation.models import Testimony as DocTestimony
from corridor.intake.models import Submission
from corridor.relocation.models import Application
from corridor.shelters.models import PlacementRequest, Shelter
from corridor.shelters.occupancy import shelter_capacity_left
from corridor.tasks.models import Alert, Task
from corridor.triage.models import Vetting, WatchEntry

pytestmark = pytest.mark.django_db


def _cases_that_reached(stage: str) -> int:
    return CaseTransition.objects.filter(to_stage=stage).values("case_id").distinct().count()


def test_it_builds_a_history_like_the_2017_evacuation() -> None:
    # When the demo is created through the apps' own actions
    demo_create()
    # Then about 170 requests, about 100 evacuated, most of those abroad
    assert Case.objects.count() == 170
    evacuated, abroad = _cases_that_reached("evacuation"), _cases_that_reached("arrived")
    assert 90 <= evacuated <= 130, evacuated
    assert 0.6 * evacuated <= abroad < evacuated, (abroad, evacuated)
    # Cases wait at many stages, and some were declined or closed with an outcome
    stages = Counter(Case.objects.values_list("stage", flat=True))
    assert {"declined", "closed", "application", "arrived"} <= set(stages), stages
    assert not Case.objects.filter(stage="closed", outcome="").exists()
    # Several destinations, with different refusal counts, and failed flights moved back
    refused = Counter(
        Application.objects.filter(outcome="refused").values_list("country__code", flat=True)
    )
    granted = set(
        Application.objects.filter(outcome="granted").values_list("country__code", flat=True)
    )
    assert len(granted) >= 4 and len(refused) >= 2, (granted, refused)
    assert CaseTransition.objects.filter(
        from_stage="departure", to_stage="sheltered", backward=True
    ).exists()
    # The shelter is full today and the board has requests waiting
    shelter = Shelter.objects.get()
    assert shelter.capacity == 15
    assert shelter_capacity_left(shelter, timezone.localdate()) == 0
    assert PlacementRequest.objects.filter(decision="pending").exists()
    # Missed check-ins raised alerts; some tasks are overdue
    assert Alert.objects.filter(kind="missed_checkin", resolved_at=None).exists()
    assert Task.objects.filter(overdue=True).exists()
    # The triage desk has requests, a watch-list entry and a proposal awaiting approval
    assert Submission.objects.count() >= 8
    assert WatchEntry.objects.count() == 1
    assert Vetting.objects.exclude(proposed_by=None).exists()


def test_it_documents_the_spring_2017_detentions() -> None:
    # When the demo is created
    demo_create()
    # Then the detentions of 2017 in the Chechen Republic are events, chained
    events = Event.objects.filter(region__code="RU-CE", start_month__year=2017)
    assert events.count() == 3 and EventChain.objects.count() == 2
    # With acts of detention, torture, killing (three men, dead) and disappearance
    kinds = Counter(Act.objects.values_list("act_type__key", flat=True))
    assert kinds["arbitrary_arrest"] and kinds["torture"] and kinds["enforced_disappearance"]
    killed = Act.objects.filter(act_type__key="extrajudicial_execution", victim_status__key="dead")
    assert killed.values("victim").distinct().count() == 3
    # Victims linked to demo cases of the North compartment, with their testimonies
    linked = Person.objects.exclude(case=None)
    assert linked.count() == 3
    assert set(linked.values_list("case__compartment__name", flat=True)) == {
        "North Caucasus evacuations"
    }
    assert DocTestimony.objects.filter(person__in=linked).count() == 3
    # Testimonies with different consents, one of them withdrawn
    verdicts = {
        tuple(consent_for(t.pk, use).allowed for use in ("court", "domestic_authority", "media"))
        for t in DocTestimony.objects.all()
    }
    assert len(verdicts) >= 3
    withdrawal = ConsentWithdrawal.objects.get()
    assert not consent_for(withdrawal.consent.testimony_id, withdrawal.consent.use).allowed
    # The ombudsman forwarded to the Investigative Committee, which opened no investigation
    committee = Referral.objects.get(parent__recipient_kind="ombudsman")
    assert committee.status == "refused"
    assert committee.answers.get().response.key == "denied"
    # And the report to the UN waits past its deadline
    assert Referral.objects.filter(recipient_kind="international", overdue=True).exists()
