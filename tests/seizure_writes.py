"""The cold-seizure test's writes: every free-text field typed through the app's own views.

Each step posts as a user would (the form's own field names, the role that does it in real
life, logged in through the login views) and reads its values back through the app before
the next step: the marker must be visible to the right user on the right page. A value the
app never shows again (a check-in's note, a placement's note, an attachment's file name) is
read back through the app's own decrypting code, with the reader's keyring, instead.

`m` is the test's `Markers` (tests/test_cold_seizure.py).
"""

from __future__ import annotations

import io
import logging
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from PIL import Image

from conftest import Staff
from corridor.accounts.models import User
from corridor.documentation.models import Term
from corridor.intake.actions import attachment_open
from corridor.intake.models import Submission, SubmissionAttachment
from corridor.relocation.models import Country
from corridor.shelters.models import Placement, PlacementRequest, Shelter
from corridor.tasks.models import CheckIn, CheckInSchedule
from corridor.vault.keyring import Keyring, keyring_activated
from corridor.vault.models import Compartment

EXIF_IMAGE_DESCRIPTION = 0x010E
EXIF_ARTIST = 0x013B


def page(response: Any) -> str:
    return str(response.content.decode())


def redirected(response: Any, where: str = "") -> str:
    assert response.status_code == 302, page(response)[:2000]
    location = str(response["Location"])
    assert where in location, location
    return location


def shown(text: str, *values: str) -> None:
    """Positive control: each value is on the page, as typed."""
    missing = [value for value in values if value not in text]
    assert not missing, f"not shown: {missing}"


def _today() -> str:
    return timezone.localdate().isoformat()


@dataclass
class People:
    """The logged-in clients of one organisation and the objects they work on."""

    admin: Client
    worker: Client  # the invited caseworker (zcase), logged in with the marker passphrase
    worker_keyring: Keyring
    coordinator: Client
    coordinator_staff: Staff
    desk: Client  # a triage desk member
    desk_staff: Staff
    compartment_id: int  # the canary compartment: the cases live here
    case_id: uuid.UUID
    lawyer: Client | None = None  # a lawyer of the canary compartment (the documentation)


# --- set-up ---------------------------------------------------------------------------------


def desk_open(
    admin: Client, *, desk_name: str, desk_staff: Staff, members: list[User], tmp_path: Path
) -> int:
    """The admin creates the desk compartment naming its members (and stays out); a member
    opens the intake desk with the `intake_open` command (there is no screen for it: it is
    run once, on the host)."""
    created = admin.post(
        "/accounts/compartments/", {"name": desk_name, "members": [user.pk for user in members]}
    )
    assert created.status_code == 302
    desk_id = Compartment.objects.get(name=desk_name).pk
    secret = tmp_path / "desk-passphrase.txt"  # outside var/: the operator's own file
    secret.write_text(desk_staff.passphrase, encoding="utf-8")
    call_command(
        "intake_open",
        compartment=desk_name,
        user=desk_staff.user.username,
        passphrase_file=secret,
        stdout=io.StringIO(),
    )
    secret.unlink()
    return desk_id


def grant(admin: Client, compartment_id: int, user: User) -> None:
    granted = admin.post(f"/accounts/compartments/{compartment_id}/grant/", {"user": user.pk})
    assert granted.status_code == 302


# --- the case: edit, pipeline, expenses -----------------------------------------------------


def case_edit(people: People, m: Any) -> None:
    url = f"/cases/{people.case_id}/"
    edited = people.worker.post(
        f"{url}edit/",
        {
            "full_name": m.full_name,
            "aliases": m.alias,
            "phone": m.phone,
            "messengers": m.messenger,
            "location": m.location,
            "threat_source": "family",
            "dependants": f"{m.dependant_name}; {m.dependant_relation}; 7",
            "risk_level": "high",
            "notes": m.notes,
        },
    )
    redirected(edited, url)
    shown(page(people.worker.get(url)), m.messenger, m.dependant_name, m.dependant_relation)


def _move(client: Client, case_id: uuid.UUID, to_stage: str, **data: str) -> None:
    url = f"/cases/{case_id}/"
    redirected(client.post(f"{url}move/", {"to_stage": to_stage, **data}), url)


def pipeline_moves(people: People, m: Any) -> None:
    """Request → vetting (caseworker); declined with a reason, reconsidered (a backward move
    with a reason) and accepted (coordinator)."""
    case_id = people.case_id
    _move(people.worker, case_id, "vetting")
    _move(people.coordinator, case_id, "declined", reason=m.decline_reason)
    _move(people.coordinator, case_id, "vetting", reason=m.reopen_reason)
    _move(people.coordinator, case_id, "accepted")
    shown(page(people.worker.get(f"/cases/{case_id}/")), m.decline_reason, m.reopen_reason)


def case_close(people: People, m: Any) -> None:
    _move(people.coordinator, people.case_id, "closed", reason=m.close_reason, outcome="resettled")
    shown(page(people.worker.get(f"/cases/{people.case_id}/")), m.close_reason)


def expense(people: People, m: Any) -> None:
    url = f"/cases/{people.case_id}/"
    data = {
        "category": "travel_domestic",
        "amount": "1200.00",
        "currency": "RUB",
        "spent_on": _today(),
        "note": m.expense_note,
    }
    redirected(people.worker.post(f"{url}expenses/", data), url)
    shown(page(people.worker.get(url)), m.expense_note)


# --- tasks and check-ins --------------------------------------------------------------------


def tasks_and_checkins(people: People, m: Any) -> None:
    url = f"/cases/{people.case_id}/"
    owner = User.objects.get(username="zcase").pk
    task = {"task-title": m.task_title, "task-owner": owner, "task-due_on": _today()}
    redirected(people.worker.post(f"/tasks/case/{people.case_id}/add/", task), url)
    schedule = {
        "schedule-every_hours": "24",
        "schedule-grace_minutes": "60",
        "schedule-channel": m.checkin_channel,
        "schedule-notes": m.schedule_notes,
    }
    redirected(people.worker.post(f"/tasks/case/{people.case_id}/checkins/", schedule), url)
    shown(page(people.worker.get(url)), m.task_title, m.checkin_channel, m.schedule_notes)
    shown(page(people.worker.get("/tasks/")), m.task_title)
    schedule_id = CheckInSchedule.objects.get(case_id=people.case_id).pk
    recorded = people.worker.post(
        f"/tasks/checkins/{schedule_id}/record/", {"checkin-note": m.checkin_note}
    )
    redirected(recorded, url)
    # No screen shows a check-in's note again: read it back as the app decrypts it.
    with keyring_activated(people.worker_keyring):
        assert CheckIn.objects.get(schedule_id=schedule_id).note == m.checkin_note


# --- shelters -------------------------------------------------------------------------------


def shelters(people: People, m: Any) -> None:
    """The coordinator creates a shelter; the caseworker asks for a place; the board refuses
    with a reason; a second request is approved and the caseworker places the person."""
    coordinator, worker = people.coordinator, people.worker
    created = coordinator.post(
        "/shelters/new/",
        {
            "compartment": people.compartment_id,
            "name": m.shelter_name,
            "address": m.shelter_address,
            "capacity": "4",
            "stay_cap_days": "90",
            "warn_days_before": "7",
        },
    )
    board = redirected(created, "/shelters/")
    shown(page(coordinator.get(board)), m.shelter_name, m.shelter_address)
    shown(page(worker.get("/shelters/")), m.shelter_name)
    shelter_id = Shelter.objects.get(compartment_id=people.compartment_id).pk
    case_url = f"/cases/{people.case_id}/"
    ask = {"shelter_request-shelter": shelter_id, "shelter_request-need": m.place_need}
    redirected(worker.post(f"/shelters/case/{people.case_id}/request/", ask), case_url)
    shown(page(coordinator.get(board)), m.place_need)
    first = PlacementRequest.objects.get(case_id=people.case_id)
    refusal = {"decide-decision": "refuse", "decide-reason": m.board_refusal}
    redirected(coordinator.post(f"/shelters/requests/{first.pk}/decide/", refusal), board)
    assert PlacementRequest.objects.get(pk=first.pk).decision == "refused"
    shown(page(worker.get(case_url)), m.board_refusal)
    again = {"shelter_request-shelter": shelter_id, "shelter_request-need": m.place_need}
    redirected(worker.post(f"/shelters/case/{people.case_id}/request/", again), case_url)
    second = PlacementRequest.objects.exclude(pk=first.pk).get(case_id=people.case_id)
    approval = {"decide-decision": "approve", "decide-reason": ""}
    redirected(coordinator.post(f"/shelters/requests/{second.pk}/decide/", approval), board)
    placed = {"place-starts_on": _today(), "place-planned_end": "", "place-note": m.placement_note}
    redirected(worker.post(f"/shelters/requests/{second.pk}/place/", placed), case_url)
    # No screen shows a placement's note again: read it back as the app decrypts it.
    with keyring_activated(people.worker_keyring):
        assert Placement.objects.get(case_id=people.case_id).note == m.placement_note


# --- relocation -----------------------------------------------------------------------------


def relocation(people: People, m: Any) -> None:
    """A document, a refused application and a failed journey, by the caseworker."""
    coordinator, worker = people.coordinator, people.worker
    country = {"code": "DE", "name_en": "Germany", "name_ru": "Германия", "notes": ""}
    redirected(coordinator.post("/relocation/countries/new/", country), "/relocation/countries/")
    country_id = Country.objects.get(code="DE").pk
    base = f"/relocation/cases/{people.case_id}"
    case_url = f"/cases/{people.case_id}/"
    document = {
        "kind": "international_passport",
        "status": "held_by_relative",
        "holder_note": m.holder_note,
        "expires_on": "",
        "risk_flags": ["other"],
        "risk_note": m.risk_note,
    }
    redirected(worker.post(f"{base}/documents/new/", document), case_url)
    application = {
        "country": country_id,
        "pathway": "humanitarian_visa",
        "submitted_on": _today(),
        "interview_on": "",
        "decision_on": _today(),
        "outcome": "refused",
        "refusal_reason": m.application_refusal,
        "notes": m.application_notes,
    }
    redirected(worker.post(f"{base}/applications/new/", application), case_url)
    leg = {
        "kind": "domestic",
        "country": "",
        "from_place": m.travel_from,
        "to_place": m.travel_to,
        "planned_on": _today(),
        "travelled_on": _today(),
        "outcome": "failed",
        "failure_reason": m.travel_failure,
    }
    redirected(worker.post(f"{base}/travel/new/", leg), case_url)
    shown(
        page(worker.get(case_url)),
        m.holder_note,
        m.risk_note,
        m.application_refusal,
        m.application_notes,
        m.travel_failure,
    )
    # The places of a journey are shown on its own form.
    leg_id = re.search(rf"{base}/travel/([0-9a-f-]{{36}})/", page(worker.get(case_url)))
    assert leg_id, "the journey links to its form"
    shown(page(worker.get(f"{base}/travel/{leg_id[1]}/")), m.travel_from, m.travel_to)


# --- the public side: the request form and the status page ----------------------------------


def photo_with_exif(m: Any) -> bytes:
    """A JPEG whose EXIF names the person (the camera's owner, a caption), with a comment."""
    exif = Image.Exif()
    exif[EXIF_IMAGE_DESCRIPTION] = m.exif_description
    exif[EXIF_ARTIST] = m.exif_artist
    out = io.BytesIO()
    image = Image.new("RGB", (32, 24), (120, 30, 200))
    # The requester's camera is not the server: what Pillow logs here (at DEBUG, the EXIF
    # values) must not count as the server's log.
    pil_logger = logging.getLogger("PIL")
    level = pil_logger.level
    pil_logger.setLevel(logging.WARNING)
    try:
        image.save(out, format="JPEG", exif=exif.tobytes(), comment=m.image_comment)
    finally:
        pil_logger.setLevel(level)
    data = out.getvalue()
    for text in (m.exif_description, m.exif_artist, m.image_comment):
        assert text.encode() in data
    return data


# The public form takes only posts that name it as their origin, as a browser's do.
ORIGIN = "http://testserver"


def public_request(m: Any) -> str:
    """A requester sends the form in English with a photo; returns the codename shown once."""
    requester = Client(HTTP_ORIGIN=ORIGIN)
    photo = SimpleUploadedFile(m.file_name, photo_with_exif(m), content_type="image/jpeg")
    sent = requester.post(
        "/help/en/",
        {
            "name": m.request_name,
            "contact": m.request_contact,
            "region": m.request_region,
            "threat": "",
            "urgency": "",
            "message": m.request_message,
            "website": "",
            "attachments": [photo],
        },
    )
    assert sent.status_code == 200, page(sent)[:2000]
    codename = re.search(r'codename-shown" lang="en">([^<]+)<', page(sent))
    assert codename, page(sent)[:2000]
    assert not requester.cookies, "the public form sets no cookie"
    return codename[1].strip()


def public_follow_up(codename: str, message: str) -> None:
    requester = Client(HTTP_ORIGIN=ORIGIN)
    sent = requester.post("/help/en/status/", {"codename": codename, "message": message})
    assert sent.status_code == 200 and "Your message was sent." in page(sent), page(sent)[:2000]


def public_reads_reply(codename: str, reply: str) -> None:
    shown(page(Client(HTTP_ORIGIN=ORIGIN).post("/help/en/status/", {"codename": codename})), reply)


def public_second_request(m: Any) -> None:
    sent = Client(HTTP_ORIGIN=ORIGIN).post(  # in Russian, the form's default language
        "/help/", {"name": "", "contact": "", "message": m.second_message, "website": ""}
    )
    assert sent.status_code == 200 and "codename-shown" in page(sent), page(sent)[:2000]


# --- the triage desk ------------------------------------------------------------------------


def _head_with(opened: dict[str, str], marker: str) -> uuid.UUID:
    found = [pk for pk, text in opened.items() if marker in text]
    assert len(found) == 1, marker
    return uuid.UUID(found[0])


def triage(people: People, m: Any, codename: str) -> uuid.UUID:
    """The desk vets the web request, answers it, lists the hostile handle its contact holds,
    proposes it with an override; the coordinator approves it with an override. A second
    request is declined. Returns the id of the case the approval opened."""
    desk, coordinator = people.desk, people.coordinator
    inbox = page(desk.get("/triage/"))
    shown(inbox, m.request_name)
    heads = Submission.objects.filter(thread__isnull=True, channel="web")
    opened = {str(h.pk): page(desk.get(f"/triage/{h.pk}/")) for h in heads}
    request_id = _head_with(opened, m.request_name)
    url = f"/triage/{request_id}/"
    shown(
        opened[str(request_id)],
        m.request_name,
        m.request_contact,
        m.request_region,
        m.request_message,
        m.follow_up,
    )
    # The photo: downloadable by the desk, re-encoded without its EXIF; the name is sealed.
    attachment = SubmissionAttachment.objects.get(submission_id=request_id)
    served = desk.get(f"{url}attachments/{attachment.pk}/")
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert m.exif_description.encode() not in served.content
    assert m.exif_artist.encode() not in served.content
    assert m.image_comment.encode() not in served.content
    assert m.file_name.encode() not in served["Content-Disposition"].encode()
    with keyring_activated(people.desk_staff.keyring):
        filename, _type, _content = attachment_open(attachment)
    assert m.file_name.rsplit(".", 1)[0] in filename, "the desk can still read the file name"
    # The watch list: the handle in the request's contact is known to be hostile.
    listed = desk.post(
        "/triage/watchlist/", {"kind": "handle", "value": m.watch_handle, "note": m.watch_note}
    )
    redirected(listed, "/triage/watchlist/")
    shown(page(desk.get("/triage/watchlist/")), m.watch_handle, m.watch_note)
    checklist = {
        "interview_notes": m.interview_notes,
        "evidence_seen": m.evidence_seen,
        "references": m.references,
        "verifying_partner": m.verifying_partner,
    }
    redirected(desk.post(f"{url}checklist/", checklist), url)
    redirected(desk.post(f"{url}reply/", {"text": m.reply_text}), url)
    public_reads_reply(codename, m.reply_text)
    proposal = {
        "compartment": people.compartment_id,
        "note": m.proposal_note,
        "override_reason": m.proposal_override,
    }
    redirected(desk.post(f"{url}propose/", proposal), url)
    approval = {"compartment": people.compartment_id, "override_reason": m.approval_override}
    redirected(coordinator.post(f"{url}approve/", approval), url)
    shown(
        page(desk.get(url)),
        *checklist.values(),
        m.reply_text,
        m.proposal_note,
        m.proposal_override,
        m.approval_override,
    )
    case_id = Submission.objects.get(pk=request_id).case_id
    assert case_id is not None
    shown(page(coordinator.get(f"/cases/{case_id}/")), m.request_name, m.request_message)
    # The second request is declined, with a reason.
    second = _head_with(opened, m.second_message)
    declined = desk.post(f"/triage/{second}/decline/", {"reason": m.triage_decline})
    redirected(declined, f"/triage/{second}/")
    shown(page(desk.get(f"/triage/{second}/")), m.second_message, m.triage_decline)
    return case_id


def operator_intake(people: People, m: Any) -> str:
    """The caseworker records a partner's referral taken by phone; the desk reads it.
    Returns the codename read to the person."""
    assert people.worker.get("/triage/record/").status_code == 200
    recorded = people.worker.post(
        "/triage/record/",
        {
            "channel": "partner",
            "name": m.operator_name,
            "contact": m.operator_contact,
            "messenger": m.operator_messenger,
            "region": m.operator_region,
            "message": m.operator_message,
            "threat": "",
            "urgency": "",
            "birth_date": m.operator_birth_date,
            "partner": m.operator_partner,
            "with_codename": "on",
        },
    )
    assert recorded.status_code == 200, page(recorded)[:2000]
    codename = re.search(r'<p class="secret">([^<]+)</p>', page(recorded))
    assert codename, page(recorded)[:2000]
    head = Submission.objects.get(recorded_by__username="zcase")
    shown(
        page(people.desk.get(f"/triage/{head.pk}/")),
        m.operator_name,
        m.operator_contact,
        m.operator_messenger,
        m.operator_region,
        m.operator_message,
        m.operator_birth_date,
        m.operator_partner,
    )
    return codename[1].strip()


# --- documentation of abuses ----------------------------------------------------------------


def _term(vocabulary: str, key: str) -> int:
    return int(Term.objects.get(vocabulary=vocabulary, key=key).pk)


def _new(client: Client, url: str, data: dict[str, Any], where: str) -> str:
    """Post a form that creates a record; the record's page, from the redirect."""
    return redirected(client.post(url, data), where)


def documentation(people: People, m: Any) -> None:
    """A lawyer documents the case's person: a victim and a perpetrator unit, an event with
    an act and its perpetrator, a testimony with consent given and withdrawn, its source,
    a chained event, a referral with its answer; then links the victim to the case."""
    lawyer = people.lawyer
    assert lawyer is not None
    compartment = people.compartment_id
    person = {"compartment": compartment, "kind": "person"}
    victim_url = _new(
        lawyer,
        "/documentation/persons/new/",
        {
            **person,
            "name": m.doc_victim,
            "other_names": m.doc_other_names,
            "role": "victim",
            "description": m.doc_person_description,
        },
        "/documentation/persons/",
    )
    unit_url = _new(
        lawyer,
        "/documentation/persons/new/",
        {**person, "name": m.doc_perpetrator, "role": "perpetrator", "kind": "unit"},
        "/documentation/persons/",
    )
    dates = {"start_precision": "exact", "start_date": "2017-03-27", "end_precision": "unknown"}
    event_url = _new(
        lawyer,
        "/documentation/events/new/",
        {
            "compartment": compartment,
            "title": m.doc_event_title,
            "description": m.doc_event_description,
            "exact_place": m.doc_event_place,
            "region": _term("region", "ru_ce"),
            "confidentiality": "shareable",
            **dates,
        },
        "/documentation/events/",
    )
    victim_id, unit_id = victim_url.strip("/").split("/")[-1], unit_url.strip("/").split("/")[-1]
    act_url = _new(
        lawyer,
        f"{event_url}acts/new/",
        {
            "victim": victim_id,
            "act_type": _term("act_type", "torture"),
            "methods": [_term("method", "electric_shock")],
            "exact_place": m.doc_act_place,
            "stated_reason": m.doc_act_reason,
            "consequences": m.doc_act_consequences,
            **dates,
        },
        "/documentation/acts/",
    )
    involvement = {
        "involvement-perpetrator": unit_id,
        "involvement-degree": _term("involvement_degree", "carried_out"),
        "involvement-remarks": m.doc_involvement,
    }
    redirected(lawyer.post(f"{act_url}involvements/", involvement), act_url)
    testimony_url = _new(
        lawyer,
        f"{victim_url}testimonies/new/",
        {
            "text": m.doc_testimony,
            "language": "ru",
            "taken_by": m.doc_taken_by,
            "taken_on": _today(),
        },
        "/documentation/testimonies/",
    )
    consent = {
        "consent-use": "court",
        "consent-granted": "yes",
        "consent-anonymised": "named",
        "consent-obtained_how": "signed_form",
        "consent-obtained_by": m.doc_consent_by,
        "consent-obtained_on": _today(),
        "consent-note": m.doc_consent_note,
    }
    redirected(lawyer.post(f"{testimony_url}consents/", consent), testimony_url)
    withdrawn = lawyer.post(
        f"{testimony_url}withdraw/", {"withdraw-use": "court", "withdraw-reason": m.doc_withdrawal}
    )
    assert withdrawn.status_code == 200
    source = {
        "source-testimony": testimony_url.strip("/").split("/")[-1],
        "source-connection": _term("source_connection", "victim"),
        "source-document": m.doc_source_document,
        "source-remarks": m.doc_source_remarks,
    }
    redirected(lawyer.post(f"{event_url}sources/", source), event_url)
    second_url = _new(
        lawyer,
        "/documentation/events/new/",
        {
            "compartment": compartment,
            "title": "Second wave",
            "confidentiality": "shareable",
            "start_precision": "unknown",
            "end_precision": "unknown",
        },
        "/documentation/events/",
    )
    chain = {
        "chain-to_event": second_url.strip("/").split("/")[-1],
        "chain-chain_type": _term("chain_type", "precedes"),
        "chain-remarks": m.doc_chain_remarks,
    }
    redirected(lawyer.post(f"{event_url}chains/", chain), event_url)
    owner = User.objects.get(username="zlawyer").pk
    referral_url = _new(
        lawyer,
        "/documentation/referrals/new/",
        {
            "compartment": compartment,
            "intervention_type": _term("intervention_type", "demand_investigation"),
            "recipient": m.doc_recipient,
            "recipient_kind": "domestic_authority",
            "through": m.doc_through,
            "sent_what": m.doc_sent_what,
            "asked": m.doc_asked,
            "sent_on": _today(),
            "owner": owner,
            "events": [event_url.strip("/").split("/")[-1]],
        },
        "/documentation/referrals/",
    )
    answer = {
        "answer-received_on": _today(),
        "answer-status_after": "refused",
        "answer-response": _term("response", "denied"),
        "answer-summary": m.doc_answer_summary,
        "answer-document": m.doc_answer_document,
    }
    redirected(lawyer.post(f"{referral_url}answers/", answer), referral_url)
    redirected(lawyer.post(f"{victim_url}case/", {"link-case": str(people.case_id)}), victim_url)
    # Positive control: every marker is on the page of its record
    shown(page(lawyer.get(victim_url)), m.doc_victim, m.doc_other_names, m.doc_person_description)
    shown(
        page(lawyer.get(event_url)),
        m.doc_event_title,
        m.doc_event_description,
        m.doc_event_place,
        m.doc_perpetrator,
        m.doc_source_document,
        m.doc_source_remarks,
        m.doc_chain_remarks,
        m.doc_recipient,
    )
    shown(
        page(lawyer.get(act_url)),
        m.doc_act_place,
        m.doc_act_reason,
        m.doc_act_consequences,
        m.doc_involvement,
    )
    shown(
        page(lawyer.get(testimony_url)),
        m.doc_testimony,
        m.doc_taken_by,
        m.doc_consent_by,
        m.doc_consent_note,
        m.doc_withdrawal,
    )
    shown(
        page(lawyer.get(referral_url)),
        m.doc_through,
        m.doc_sent_what,
        m.doc_asked,
        m.doc_answer_summary,
        m.doc_answer_document,
    )
    shown(page(lawyer.get(f"/cases/{people.case_id}/")), m.doc_victim)


def all_writes(people: People, m: Any) -> list[str]:
    """Every write above, in an order the pipeline allows; returns the codenames shown."""
    codename = public_request(m)
    public_follow_up(codename, m.follow_up)
    public_second_request(m)
    triage(people, m, codename)
    operator_codename = operator_intake(people, m)
    case_edit(people, m)
    pipeline_moves(people, m)
    expense(people, m)
    tasks_and_checkins(people, m)
    shelters(people, m)
    relocation(people, m)
    documentation(people, m)
    case_close(people, m)
    return [codename, operator_codename]
