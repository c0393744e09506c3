"""The record: dates by month in clear and the day encrypted, links kept inside one
compartment, a case linked only by someone holding both keys, and every write audited."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from conftest import Org
from corridor.audit.models import AuditEntry
from corridor.cases.actions import case_create
from corridor.documentation import actions
from corridor.documentation.models import Act, Event, EventChain, Person
from corridor.documentation.tests.conftest import Desk, term
from corridor.vault.keyring import keyring_activated

pytestmark = pytest.mark.django_db


def _raw(table: str, column: str) -> list[bytes]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table}")  # noqa: S608 - names are ours
        return [bytes(row[0]) if row[0] is not None else b"" for row in cursor.fetchall()]


def test_it_keeps_the_month_in_clear_and_the_exact_day_encrypted(desk: Desk) -> None:
    # When an act is recorded on an exact day
    act = actions.act_create(
        actor_id=desk.lawyer.user.pk,
        event=desk.event,
        victim=desk.victim,
        act_type=term("act_type", "torture"),
        methods=[term("method", "electric_shock")],
        start_precision="exact",
        start_date=date(2017, 3, 27),
        exact_place="Qxplace basement of the Argun police station",
    )
    # Then the month and the type are operational, the day and the place only ciphertext
    stored = Act.objects.values("start_month", "start_precision", "act_type__key").get(pk=act.pk)
    assert stored == {
        "start_month": date(2017, 3, 1),
        "start_precision": "exact",
        "act_type__key": "torture",
    }
    assert Act.objects.get(pk=act.pk).start_day == "2017-03-27"
    assert not any(b"2017-03-27" in blob for blob in _raw("documentation_act", "start_day_sealed"))
    assert not any(b"Qxplace" in blob for blob in _raw("documentation_act", "exact_place_sealed"))
    # And the event's month-precision date kept no day at all
    event = Event.objects.get(pk=desk.event.pk)
    assert (event.start_month, event.start_day) == (date(2017, 3, 1), "")


def test_it_refuses_bad_dates_and_terms_of_the_wrong_vocabulary(desk: Desk) -> None:
    audited = AuditEntry.objects.count()
    with pytest.raises(ValidationError):
        actions.act_create(
            actor_id=desk.lawyer.user.pk,
            event=desk.event,
            victim=desk.victim,
            act_type=term("method", "beating"),  # a method is not a type of act
        )
    with pytest.raises(ValidationError):
        actions.event_update(
            actor_id=desk.lawyer.user.pk,
            event=desk.event,
            title="t",
            description="",
            exact_place="",
            region=None,
            violation_status=None,
            confidentiality="shareable",
            start_precision="exact",
            start_date=date(2017, 5, 2),
            end_precision="exact",
            end_date=date(2017, 5, 1),  # before the start
        )
    with pytest.raises(ValidationError):
        actions.event_create(
            actor_id=desk.lawyer.user.pk,
            compartment=desk.event.compartment,
            title="later",
            start_precision="exact",
            start_date=date(2999, 1, 1),
        )
    assert AuditEntry.objects.count() == audited
    assert not Act.objects.exists() and Event.objects.count() == 1


def test_it_refuses_links_across_compartments(org: Org, desk: Desk) -> None:
    # Given a person recorded in another compartment the lawyer is also a member of
    elsewhere = actions.person_create(
        actor_id=desk.lawyer.user.pk, compartment=org.compartment("North"), name="X", role="victim"
    )
    # Then no act of a Documentation event may name them
    with pytest.raises(ValidationError, match="different compartments"):
        actions.act_create(
            actor_id=desk.lawyer.user.pk,
            event=desk.event,
            victim=elsewhere,
            act_type=term("act_type", "detention"),
        )


def test_it_refuses_a_unit_as_a_victim_and_a_victim_as_a_perpetrator(desk: Desk) -> None:
    unit = actions.person_create(
        actor_id=desk.lawyer.user.pk,
        compartment=desk.event.compartment,
        name="Qxunit police regiment",
        role="perpetrator",
        kind="unit",
    )
    with pytest.raises(ValidationError):
        actions.act_create(
            actor_id=desk.lawyer.user.pk,
            event=desk.event,
            victim=unit,
            act_type=term("act_type", "detention"),
        )
    act = actions.act_create(
        actor_id=desk.lawyer.user.pk,
        event=desk.event,
        victim=desk.victim,
        act_type=term("act_type", "detention"),
    )
    with pytest.raises(ValidationError, match="perpetrator"):
        actions.involvement_add(
            actor_id=desk.lawyer.user.pk,
            act=act,
            perpetrator=desk.victim,
            degree=term("involvement_degree", "carried_out"),
        )
    involvement = actions.involvement_add(
        actor_id=desk.lawyer.user.pk,
        act=act,
        perpetrator=unit,
        degree=term("involvement_degree", "ordered"),
        perpetrator_type=term("perpetrator_type", "police"),
    )
    assert involvement.perpetrator_type is not None
    with pytest.raises(ValidationError):
        actions.person_create(
            actor_id=desk.lawyer.user.pk,
            compartment=desk.event.compartment,
            name="A ministry",
            role="witness",
            kind="institution",
        )


def test_it_links_a_case_only_for_someone_holding_both_keys(org: Org, desk: Desk) -> None:
    # Given a lawyer of Documentation who is not a member of the case's compartment "South"
    south_case = None
    other = org.staff("southworker", "caseworker", ("South",))
    with keyring_activated(other.keyring):
        south_case = case_create(
            actor_id=other.user.pk, compartment=org.compartment("South"), full_name="Qxsouth"
        )
    # When they try to link the victim to it
    with pytest.raises(ValidationError, match="both"):
        actions.person_link_case(
            actor_id=desk.lawyer.user.pk,
            keyring=desk.lawyer.keyring,
            person=desk.victim,
            case=south_case,
        )
    # Then nothing is linked; with both keys (North), the link is made and audited
    assert Person.objects.get(pk=desk.victim.pk).case_id is None
    actions.person_link_case(
        actor_id=desk.lawyer.user.pk,
        keyring=desk.lawyer.keyring,
        person=desk.victim,
        case=desk.case,
    )
    assert Person.objects.get(pk=desk.victim.pk).case_id == desk.case.pk
    assert AuditEntry.objects.filter(
        action="doc_person.link", object_id=str(desk.victim.pk)
    ).exists()
    # And the caseworker of South, who holds the case's key but not Documentation's, cannot
    with pytest.raises(ValidationError):
        actions.person_link_case(
            actor_id=other.user.pk, keyring=other.keyring, person=desk.victim, case=None
        )


def test_it_chains_events_once_and_never_to_themselves(desk: Desk) -> None:
    later = actions.event_create(
        actor_id=desk.lawyer.user.pk, compartment=desk.event.compartment, title="Second wave"
    )
    precedes = term("chain_type", "precedes")
    actions.chain_add(
        actor_id=desk.lawyer.user.pk, from_event=desk.event, to_event=later, chain_type=precedes
    )
    for target in (later, desk.event):
        with pytest.raises(ValidationError):
            actions.chain_add(
                actor_id=desk.lawyer.user.pk,
                from_event=desk.event,
                to_event=target,
                chain_type=precedes,
            )
    assert EventChain.objects.count() == 1


def test_it_needs_a_source_and_keeps_it_to_the_event(desk: Desk) -> None:
    connection_term = term("source_connection", "victim")
    with pytest.raises(ValidationError, match="source"):
        actions.source_add(
            actor_id=desk.lawyer.user.pk, event=desk.event, connection=connection_term
        )
    info = actions.source_add(
        actor_id=desk.lawyer.user.pk,
        event=desk.event,
        connection=connection_term,
        testimony=desk.testimony,
        reliability=term("reliability", "high"),
    )
    assert info.testimony_id == desk.testimony.pk


def test_it_lets_the_organisation_add_a_term_with_its_code(desk: Desk) -> None:
    added = actions.term_create(
        actor_id=desk.lawyer.user.pk,
        vocabulary="act_type",
        label_en="Forced marriage",
        label_ru="Принудительный брак",
    )
    assert (added.key, added.builtin, added.active) == ("forced_marriage", False, True)
    with pytest.raises(ValidationError):
        actions.term_create(
            actor_id=desk.lawyer.user.pk,
            vocabulary="act_type",
            label_en="Torture again",
            label_ru="Пытки",
            code="020111110000",  # already the code of "torture"
        )
