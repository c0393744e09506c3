"""Role-matrix rows of the documentation app: lawyers own it; coordinators see the counts.

The records are in "North", written by the lawyer who is a member of it: a lawyer of South
(the outsider) gets 404 for each of them, and no other role reaches any page but the
coordinator's statistics (decision 0019).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from corridor.documentation import actions
from corridor.documentation.consent import consent_record
from corridor.documentation.models import (
    Act,
    Consent,
    ConsentWithdrawal,
    Event,
    EventChain,
    Involvement,
    Person,
    Referral,
    ReferralAnswer,
    SourceInformation,
    Term,
    Testimony,
)
from corridor.vault.keyring import keyring_activated
from matrix_support import Row, World

LAWYER = frozenset({"lawyer"})
COUNTS = frozenset({"lawyer", "coordinator"})
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

EVENT_TITLE = "Matrix-Event Argun basement detentions"
VICTIM_NAME = "Matrix-Victim Said-Magomed"
TESTIMONY_TEXT = "Matrix-Testimony they kept us in the basement"
RECIPIENT = "Matrix-Recipient Investigative Committee"


def _term(vocabulary: str, key: str) -> Term:
    return Term.objects.get(vocabulary=vocabulary, key=key)


def build(world: World) -> None:
    lawyer = world.staff[("lawyer", True)]
    actor = lawyer.user.pk
    with keyring_activated(lawyer.keyring):
        event = actions.event_create(
            actor_id=actor,
            compartment=world.north,
            title=EVENT_TITLE,
            region=_term("region", "ru_ce"),
            start_precision="month",
            start_date=date(2017, 3, 1),
        )
        other = actions.event_create(actor_id=actor, compartment=world.north, title="Matrix-Other")
        victim = actions.person_create(
            actor_id=actor, compartment=world.north, name=VICTIM_NAME, role="victim"
        )
        unit = actions.person_create(
            actor_id=actor,
            compartment=world.north,
            name="Matrix-Unit",
            role="perpetrator",
            kind="unit",
        )
        act = actions.act_create(
            actor_id=actor, event=event, victim=victim, act_type=_term("act_type", "detention")
        )
        testimony = actions.testimony_create(
            actor_id=actor,
            person=victim,
            text=TESTIMONY_TEXT,
            language="ru",
            taken_by="Matrix interviewer",
            taken_on=date(2017, 5, 2),
        )
        consent_record(
            actor_id=actor,
            testimony=testimony,
            use="court",
            granted=True,
            anonymised=False,
            obtained_how="signed_form",
            obtained_on=date(2017, 5, 2),
            obtained_by="Matrix lawyer",
        )
        referral = actions.referral_create(
            actor_id=actor,
            compartment=world.north,
            intervention_type=_term("intervention_type", "demand_investigation"),
            recipient=RECIPIENT,
            recipient_kind="domestic_authority",
            sent_on=date(2017, 5, 5),
            owner_id=actor,
            events=[event],
        )
    world.extras["documentation"] = {
        "event": event,
        "other": other,
        "victim": victim,
        "unit": unit,
        "act": act,
        "testimony": testimony,
        "referral": referral,
    }


def _x(world: World, name: str) -> Any:
    return world.extras["documentation"][name]


def _pk(name: str, key: str) -> Any:
    return lambda w: {key: _x(w, name).pk}


def _today() -> str:
    return timezone.localdate().isoformat()


def _at(path: str) -> Any:
    return lambda w: rf"/documentation/{path}/{UUID}/"


ROWS: list[Row] = [
    Row("documentation:home", "GET", LAWYER, shows=lambda w: EVENT_TITLE),
    Row("documentation:stats", "GET", COUNTS),
    Row("documentation:terms", "GET", LAWYER),
    Row(
        "documentation:terms",
        "POST",
        LAWYER,
        status=302,
        data=lambda w: {"vocabulary": "act_type", "label_en": "Matrix term", "label_ru": "Матрица"},
        location=lambda w: r"/documentation/vocabularies/",
        effect=lambda w, s: Term.objects.filter(label_en="Matrix term").exists(),
    ),
    # Events
    Row("documentation:event_new", "GET", LAWYER),
    Row(
        "documentation:event_new",
        "POST",
        LAWYER,
        status=302,
        outsider_status=200,  # "North" is not a choice for them: the form refuses it
        outsider_effect=False,
        data=lambda w: {
            "compartment": w.north.pk,
            "title": "Matrix-New event",
            "confidentiality": "confidential",
            "start_precision": "unknown",
            "end_precision": "unknown",
        },
        location=_at("events"),
        effect=lambda w, s: Event.objects.filter(confidentiality="confidential").exists(),
    ),
    Row(
        "documentation:event",
        "GET",
        LAWYER,
        outsider_status=404,
        kwargs=_pk("event", "event_id"),
        shows=lambda w: VICTIM_NAME,
    ),
    Row(
        "documentation:event_edit",
        "GET",
        LAWYER,
        outsider_status=404,
        kwargs=_pk("event", "event_id"),
        shows=lambda w: EVENT_TITLE,
    ),
    Row(
        "documentation:event_edit",
        "POST",
        LAWYER,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=_pk("event", "event_id"),
        data=lambda w: {
            "title": EVENT_TITLE,
            "confidentiality": "confidential",
            "start_precision": "unknown",
            "end_precision": "unknown",
        },
        location=_at("events"),
        effect=lambda w, s: (
            Event.objects.get(pk=_x(w, "event").pk).confidentiality == "confidential"
        ),
    ),
    Row(
        "documentation:act_new",
        "GET",
        LAWYER,
        outsider_status=404,
        kwargs=_pk("event", "event_id"),
        shows=lambda w: VICTIM_NAME,
    ),
    Row(
        "documentation:act_new",
        "POST",
        LAWYER,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=_pk("event", "event_id"),
        data=lambda w: {
            "victim": str(_x(w, "victim").pk),
            "act_type": _term("act_type", "torture").pk,
            "start_precision": "unknown",
            "end_precision": "unknown",
        },
        location=_at("acts"),
        effect=lambda w, s: Act.objects.filter(act_type__key="torture").exists(),
    ),
    Row(
        "documentation:source_new",
        "POST",
        LAWYER,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=_pk("event", "event_id"),
        data=lambda w: {
            "source-testimony": str(_x(w, "testimony").pk),
            "source-connection": _term("source_connection", "victim").pk,
        },
        location=lambda w: rf"/documentation/events/{_x(w, 'event').pk}/",
        effect=lambda w, s: SourceInformation.objects.exists(),
    ),
    Row(
        "documentation:chain_new",
        "POST",
        LAWYER,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=_pk("event", "event_id"),
        data=lambda w: {
            "chain-to_event": str(_x(w, "other").pk),
            "chain-chain_type": _term("chain_type", "precedes").pk,
        },
        location=lambda w: rf"/documentation/events/{_x(w, 'event').pk}/",
        effect=lambda w, s: EventChain.objects.exists(),
    ),
    # Acts and their perpetrators
    Row(
        "documentation:act",
        "GET",
        LAWYER,
        outsider_status=404,
        kwargs=_pk("act", "act_id"),
        shows=lambda w: VICTIM_NAME,
    ),
    Row(
        "documentation:act",
        "POST",
        LAWYER,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=_pk("act", "act_id"),
        data=lambda w: {
            "victim": str(_x(w, "victim").pk),
            "act_type": _term("act_type", "enforced_disappearance").pk,
            "start_precision": "unknown",
            "end_precision": "unknown",
        },
        location=_at("acts"),
        effect=lambda w, s: (
            Act.objects.get(pk=_x(w, "act").pk).act_type.key == "enforced_disappearance"
        ),
    ),
    Row(
        "documentation:involvement_new",
        "POST",
        LAWYER,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=_pk("act", "act_id"),
        data=lambda w: {
            "involvement-perpetrator": str(_x(w, "unit").pk),
            "involvement-degree": _term("involvement_degree", "carried_out").pk,
        },
        location=lambda w: rf"/documentation/acts/{_x(w, 'act').pk}/",
        effect=lambda w, s: Involvement.objects.exists(),
    ),
    # Persons and testimonies
    Row("documentation:persons", "GET", LAWYER, shows=lambda w: VICTIM_NAME),
    Row("documentation:person_new", "GET", LAWYER),
    Row(
        "documentation:person_new",
        "POST",
        LAWYER,
        status=302,
        outsider_status=200,
        outsider_effect=False,
        data=lambda w: {
            "compartment": w.north.pk,
            "name": "Matrix-Witness",
            "role": "witness",
            "kind": "person",
        },
        location=_at("persons"),
        effect=lambda w, s: Person.objects.filter(role="witness").exists(),
    ),
    Row(
        "documentation:person",
        "GET",
        LAWYER,
        outsider_status=404,
        kwargs=_pk("victim", "person_id"),
        shows=lambda w: VICTIM_NAME,
    ),
    Row(
        "documentation:person",
        "POST",
        LAWYER,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=_pk("victim", "person_id"),
        data=lambda w: {"name": VICTIM_NAME, "role": "source", "kind": "person"},
        location=_at("persons"),
        effect=lambda w, s: Person.objects.get(pk=_x(w, "victim").pk).role == "source",
    ),
    Row(
        "documentation:person_link",
        "POST",
        LAWYER,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=_pk("victim", "person_id"),
        data=lambda w: {"link-case": str(w.case.pk)},
        location=_at("persons"),
        effect=lambda w, s: Person.objects.get(pk=_x(w, "victim").pk).case_id == w.case.pk,
    ),
    Row(
        "documentation:testimony_new",
        "GET",
        LAWYER,
        outsider_status=404,
        kwargs=_pk("victim", "person_id"),
    ),
    Row(
        "documentation:testimony_new",
        "POST",
        LAWYER,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=_pk("victim", "person_id"),
        data=lambda w: {
            "text": "Matrix second testimony",
            "language": "ce",
            "taken_by": "Matrix",
            "taken_on": _today(),
        },
        location=_at("testimonies"),
        effect=lambda w, s: Testimony.objects.filter(language="ce").exists(),
    ),
    Row(
        "documentation:testimony",
        "GET",
        LAWYER,
        outsider_status=404,
        kwargs=_pk("testimony", "testimony_id"),
        shows=lambda w: TESTIMONY_TEXT,
    ),
    Row(
        "documentation:consent_new",
        "POST",
        LAWYER,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=_pk("testimony", "testimony_id"),
        data=lambda w: {
            "consent-use": "media",
            "consent-granted": "yes",
            "consent-anonymised": "anonymised",
            "consent-obtained_how": "recorded_oral",
            "consent-obtained_by": "Matrix",
            "consent-obtained_on": _today(),
        },
        location=lambda w: rf"/documentation/testimonies/{_x(w, 'testimony').pk}/",
        effect=lambda w, s: Consent.objects.filter(use="media").exists(),
    ),
    Row(
        "documentation:consent_withdraw",
        "POST",
        LAWYER,
        outsider_status=404,
        outsider_effect=False,
        kwargs=_pk("testimony", "testimony_id"),
        data=lambda w: {"withdraw-use": "court", "withdraw-reason": "Matrix changed his mind"},
        effect=lambda w, s: ConsentWithdrawal.objects.exists(),
    ),
    # Referrals
    Row("documentation:referrals", "GET", LAWYER, shows=lambda w: RECIPIENT),
    Row("documentation:referral_new", "GET", LAWYER),
    Row(
        "documentation:referral_new",
        "POST",
        LAWYER,
        status=302,
        outsider_status=200,
        outsider_effect=False,
        data=lambda w: {
            "compartment": w.north.pk,
            "intervention_type": _term("intervention_type", "legal_aid").pk,
            "recipient": "Matrix-Court",
            "recipient_kind": "court",
            "sent_on": "2017-06-01",
            "owner": w.staff[("lawyer", True)].user.pk,
        },
        location=_at("referrals"),
        effect=lambda w, s: Referral.objects.filter(recipient_kind="court").exists(),
    ),
    Row(
        "documentation:referral",
        "GET",
        LAWYER,
        outsider_status=404,
        kwargs=_pk("referral", "referral_id"),
        shows=lambda w: RECIPIENT,
    ),
    Row(
        "documentation:referral",
        "POST",
        LAWYER,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=_pk("referral", "referral_id"),
        data=lambda w: {
            "update-status": "acknowledged",
            "update-owner": w.staff[("lawyer", True)].user.pk,
        },
        location=_at("referrals"),
        effect=lambda w, s: Referral.objects.get(pk=_x(w, "referral").pk).status == "acknowledged",
    ),
    Row(
        "documentation:answer_new",
        "POST",
        LAWYER,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=_pk("referral", "referral_id"),
        data=lambda w: {
            "answer-received_on": "2017-06-20",
            "answer-status_after": "refused",
            "answer-response": _term("response", "denied").pk,
        },
        location=lambda w: rf"/documentation/referrals/{_x(w, 'referral').pk}/",
        effect=lambda w, s: ReferralAnswer.objects.exists(),
    ),
]
