"""Vetting, the two-person accept, decline and replies (T4): each refusal changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from conftest import Staff, login
from corridor.accounts.actions import staff_deactivate, staff_role_change
from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.cases.models import Case, CaseTransition
from corridor.intake import codename as codenames
from corridor.intake.actions import thread_find, thread_read
from corridor.intake.models import Submission
from corridor.triage import actions
from corridor.triage.models import Vetting, WatchEntry
from corridor.vault.keyring import keyring_activated
from corridor.vault.models import Membership

from .conftest import Desk

PAYLOAD: dict[str, Any] = {
    "name": "Аслан Тестович",
    "contact": "+7 928 321-00-99, @aslan_t",
    "region": "Гудермес",
    "message": "Брат узнал обо мне, угрожает. Нужно уехать.",
    "threat": "family",
    "urgency": "now",
}

WHY = "Vouched for by our partner in Grozny"


def _state(submission: Submission) -> tuple[Any, ...]:
    """Everything a refused action must leave as it was."""
    submission.refresh_from_db()
    vetting = Vetting.objects.filter(submission=submission).values_list(
        "proposed_by", "decided_by", "decision", "target_compartment"
    )
    return (
        submission.status,
        submission.case_id,
        list(vetting),
        Case.objects.count(),
        AuditEntry.objects.filter(action__startswith="triage.")
        .exclude(action__in=("triage.index", "triage.read", "triage.list", "triage.crosscheck"))
        .count(),
    )


def _as(staff: Staff, action: Any, **kwargs: Any) -> Any:
    with keyring_activated(staff.keyring):
        return action(actor_id=staff.user.pk, **kwargs)


def _refused(
    staff: Staff, action: Any, submission: Submission, message: str, **kwargs: Any
) -> None:
    before = _state(submission)
    with pytest.raises(ValidationError) as refusal:
        _as(staff, action, submission=submission, **kwargs)
    assert message in " ".join(refusal.value.messages)
    assert _state(submission) == before


def test_it_accepts_with_two_people_and_opens_the_case(desk: Desk) -> None:
    # Given a request, vetted and proposed for acceptance by a first desk member
    request = desk.submit(**PAYLOAD)
    north = desk.org.compartment("North")
    _as(desk.first, actions.checklist_save, submission=request, interview_notes="Called back")
    _as(desk.first, actions.accept_propose, submission=request, compartment=north, note=WHY)
    request.refresh_from_db()
    assert request.status == "accept_proposed"
    # When the same person tries to approve it
    _refused(desk.first, actions.accept_approve, request, "second person", compartment=north)
    # And a second desk member approves it into North
    case = _as(desk.second, actions.accept_approve, submission=request, compartment=north)
    # Then the case exists in North with the request's decrypted details
    with keyring_activated(desk.second.keyring):
        case = Case.objects.get(pk=case.pk)
        assert case.compartment == north
        assert case.full_name == "Аслан Тестович"
        assert case.phone == "+79283210099"
        assert case.location == "Гудермес"
        assert case.notes == ""  # the request's words are the case's own fields now
        assert case.origin.message == "Брат узнал обо мне, угрожает. Нужно уехать."
        assert case.origin.interview_notes == "Called back"
        assert case.messengers == ["aslan_t"]
        assert (case.risk_level, case.threat_source, case.stage) == (
            "critical",
            "family",
            "accepted",
        )
    # And its moves are recorded, the request is linked and accepted, each step audited
    stages = list(
        CaseTransition.objects.filter(case=case).order_by("seq").values_list("to_stage", flat=True)
    )
    assert stages == ["request", "vetting", "accepted"]
    request.refresh_from_db()
    assert (request.status, request.case_id) == ("accepted", case.pk)
    vetting = Vetting.objects.get(submission=request)
    assert (vetting.proposed_by_id, vetting.decided_by_id) == (
        desk.first.user.pk,
        desk.second.user.pk,
    )
    audited = {
        (entry.action, entry.actor_id)
        for entry in AuditEntry.objects.filter(object_id__in=[str(request.pk), str(case.pk)])
    }
    assert {
        ("triage.checklist", desk.first.user.pk),
        ("triage.propose", desk.first.user.pk),
        ("triage.approve", desk.second.user.pk),
        ("case.create", desk.second.user.pk),
        ("case.decide", desk.second.user.pk),
    } <= audited
    # And approving a second time is refused, changing nothing
    _refused(
        desk.coordinator, actions.accept_approve, request, "decided already", compartment=north
    )


def test_it_refuses_an_approval_into_a_compartment_the_approver_does_not_hold(desk: Desk) -> None:
    request = desk.submit(**PAYLOAD)
    north = desk.org.compartment("North")
    _as(desk.first, actions.accept_propose, submission=request, compartment=north, note=WHY)
    # The coordinator is a desk member but not a member of North
    _refused(desk.coordinator, actions.accept_approve, request, "not a member", compartment=north)


def test_it_refuses_an_approval_nobody_proposed(desk: Desk) -> None:
    request = desk.submit(**PAYLOAD)
    north = desk.org.compartment("North")
    _refused(desk.second, actions.accept_approve, request, "Nobody has proposed", compartment=north)


def test_it_refuses_a_proposal_without_a_compartment_or_a_reason(desk: Desk) -> None:
    request = desk.submit(**PAYLOAD)
    north = desk.org.compartment("North")
    _refused(desk.first, actions.accept_propose, request, "compartment", note=WHY)
    _refused(desk.first, actions.accept_propose, request, "why", compartment=north, note="  ")
    # And through the page: the form says what is missing, and nothing is proposed
    client = login(Client(), desk.first)
    page = client.post(f"/triage/{request.pk}/propose/", {"compartment": "", "note": ""})
    assert page.status_code == 200 and "This field is required." in page.content.decode()
    request.refresh_from_db()
    assert request.status != "accept_proposed"


def test_it_refuses_a_role_that_may_not_approve(desk: Desk) -> None:
    # Given a caseworker who is somehow made a desk member
    worker = desk.org.staff("worker-on-desk", "caseworker", ("Desk", "North"))
    request = desk.submit(**PAYLOAD)
    _refused(worker, actions.accept_propose, request, "role allows")


def test_it_declines_with_a_reason_and_never_accepts_afterwards(desk: Desk) -> None:
    request = desk.submit(**PAYLOAD)
    north = desk.org.compartment("North")
    # An empty reason is refused and changes nothing
    _refused(desk.first, actions.request_decline, request, "reason", reason="   ")
    # A reason declines it, kept encrypted in the desk compartment
    _as(
        desk.first, actions.request_decline, submission=request, reason="Same phone as a known trap"
    )
    request.refresh_from_db()
    assert request.status == "declined"
    vetting = Vetting.objects.get(submission=request)
    assert vetting.compartment_id == desk.desk.compartment_id
    sealed = Vetting.objects.values_list("decline_reason_sealed", flat=True).get(pk=vetting.pk)
    assert sealed is not None and b"known trap" not in bytes(sealed)
    with keyring_activated(desk.second.keyring):
        assert Vetting.objects.get(pk=vetting.pk).decline_reason == "Same phone as a known trap"
    # And a declined request can be neither proposed nor approved
    _refused(desk.second, actions.accept_propose, request, "decided already")
    _refused(desk.second, actions.accept_approve, request, "decided already", compartment=north)


def test_it_never_approves_a_proposal_that_was_declined(desk: Desk) -> None:
    # Given a request proposed by one desk member and then declined by another
    request = desk.submit(**PAYLOAD)
    north = desk.org.compartment("North")
    _as(desk.first, actions.accept_propose, submission=request, compartment=north, note=WHY)
    _as(desk.coordinator, actions.request_decline, submission=request, reason="A known trap")
    # When a third person approves the old proposal, then it is refused and changes nothing
    _refused(desk.second, actions.accept_approve, request, "decided already", compartment=north)


def test_it_refuses_the_proposers_approval_from_a_second_session(desk: Desk) -> None:
    # Given a request proposed by a desk member in one browser
    request = desk.submit(**PAYLOAD)
    north = desk.org.compartment("North")
    first = login(Client(), desk.first)
    assert (
        first.post(
            f"/triage/{request.pk}/propose/", {"compartment": north.pk, "note": WHY}
        ).status_code
        == 302
    )
    before = _state(request)
    # When the same person logs in again elsewhere and approves it there
    other = login(Client(), desk.first)
    page = other.post(f"/triage/{request.pk}/approve/", {"compartment": north.pk})
    # Then the second session is still the same person: refused, nothing changes
    assert page.status_code == 200 and "you proposed this yourself" in page.content.decode()
    assert _state(request) == before


def _deactivate(desk: Desk, staff: Staff) -> None:
    with keyring_activated(desk.org.admin.keyring):
        staff_deactivate(
            keyring=desk.org.admin.keyring, actor_id=desk.org.admin.user.pk, user=staff.user
        )


def _leave_desk(desk: Desk, staff: Staff) -> None:
    Membership.objects.filter(user=staff.user, compartment_id=desk.desk.compartment_id).delete()


def _lose_the_role(desk: Desk, staff: Staff) -> None:
    staff_role_change(actor_id=desk.org.admin.user.pk, user=staff.user, role=Role.CASEWORKER)


@pytest.mark.parametrize("change", [_deactivate, _leave_desk, _lose_the_role])
def test_it_lets_a_proposal_lapse_when_its_author_may_no_longer_make_it(
    desk: Desk, change: Callable[[Desk, Staff], None]
) -> None:
    # Given a request proposed by a desk member who is then deactivated (arrested, coerced),
    # taken off the desk, or given a role that may not approve
    request = desk.submit(**PAYLOAD)
    north = desk.org.compartment("North")
    _as(desk.first, actions.accept_propose, submission=request, compartment=north, note=WHY)
    change(desk, desk.first)
    # When a second member approves it, then that is refused: one person would decide alone
    _refused(desk.second, actions.accept_approve, request, "propose it again", compartment=north)
    # And the request page says so and offers to propose it again
    page = login(Client(), desk.second).get(f"/triage/{request.pk}/").content.decode()
    assert "propose it again" in page and f"/triage/{request.pk}/propose/" in page
    # When the second member proposes it again, a third person's approval accepts it
    _as(desk.second, actions.accept_propose, submission=request, compartment=north, note=WHY)
    third = desk.org.staff("desk-third", Role.TRIAGE, ("Desk", "North"))
    _refused(desk.second, actions.accept_approve, request, "second person", compartment=north)
    _as(third, actions.accept_approve, submission=request, compartment=north)
    request.refresh_from_db()
    assert request.status == "accepted"


def test_it_needs_an_override_reason_from_both_people_on_a_watch_list_hit(desk: Desk) -> None:
    # Given a request whose handle is on the watch list
    _as(desk.first, actions.watch_entry_add, kind="handle", value="@aslan_t", note="Relative")
    request = desk.submit(**PAYLOAD)
    north = desk.org.compartment("North")
    # Then proposing without a reason is refused, and with one it goes through
    _refused(desk.first, actions.accept_propose, request, "watch list", compartment=north, note=WHY)
    _as(
        desk.first,
        actions.accept_propose,
        submission=request,
        compartment=north,
        note=WHY,
        override_reason="Vouched by partner",
    )
    # And approving without a reason is refused, and with one it goes through
    _refused(desk.second, actions.accept_approve, request, "watch list", compartment=north)
    _as(
        desk.second,
        actions.accept_approve,
        submission=request,
        compartment=north,
        override_reason="Met in person",
    )
    with keyring_activated(desk.second.keyring):
        vetting = Vetting.objects.get(submission=request)
        assert (vetting.proposal_override, vetting.approval_override) == (
            "Vouched by partner",
            "Met in person",
        )


def test_it_replies_through_the_codename_and_the_requester_reads_it(desk: Desk) -> None:
    # Given a request sent with a codename
    request, codename = desk.submit_with_codename(**PAYLOAD)
    client = login(Client(), desk.first)
    # When a desk member replies on the request page
    response = client.post(
        f"/triage/{request.pk}/reply/", {"text": "Мы получили. Напишите, где вы."}
    )
    assert response.status_code == 302
    # Then the requester, with the codename alone, reads the reply through intake
    found = thread_find(codenames.codename_positions(codename))
    assert found is not None
    view = thread_read(*found)
    assert view.replies == ["Мы получили. Напишите, где вы."]
    # And the desk sees it in the thread
    assert "Мы получили" in client.get(f"/triage/{request.pk}/").content.decode()


def test_it_refuses_an_empty_reply_and_a_reply_without_a_codename(desk: Desk) -> None:
    request, _none = _as(
        desk.caseworker, actions.operator_request_record, channel="hotline", payload=PAYLOAD
    )
    _refused(desk.first, actions.request_reply, request, "Write the reply", text=" ")
    _refused(desk.first, actions.request_reply, request, "no codename", text="Hello")


def test_it_accepts_through_the_screens_and_shows_refusals_as_messages(desk: Desk) -> None:
    request = desk.submit(**PAYLOAD)
    north = desk.org.compartment("North")
    first, second = login(Client(), desk.first), login(Client(), desk.second)
    # A decline without a reason is shown as a message, and nothing changes
    page = first.post(f"/triage/{request.pk}/decline/", {"reason": ""})
    assert page.status_code == 200 and "Give the reason for declining." in page.content.decode()
    # The first proposes; their own approval is refused with a message
    assert (
        first.post(
            f"/triage/{request.pk}/propose/", {"compartment": north.pk, "note": WHY}
        ).status_code
        == 302
    )
    page = first.post(f"/triage/{request.pk}/approve/", {"compartment": north.pk})
    assert "you proposed this yourself" in page.content.decode()
    # The second approves: the case opens
    response = second.post(f"/triage/{request.pk}/approve/", {"compartment": north.pk})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "accepted"
    assert f"/cases/{request.case_id}/" in second.get(f"/triage/{request.pk}/").content.decode()


def test_it_records_an_operator_request_with_its_channel(desk: Desk) -> None:
    # Given a caseworker (not a desk member) taking a hotline call
    client = login(Client(), desk.caseworker)
    # When they record it, asking for a codename to read to the caller
    response = client.post(
        "/triage/record/",
        {
            "channel": "hotline",
            "name": "Звонивший Человек",
            "contact": "+7 928 600-60-60",
            "message": "Позвонил с чужого телефона, просит перезвонить утром.",
            "urgency": "days",
            "with_codename": "on",
        },
    )
    # Then the codename is shown once, and the request is in the inbox with its channel
    assert response.status_code == 200
    assert 'class="secret"' in response.content.decode()
    submission = Submission.objects.get()
    assert (submission.channel, submission.recorded_by_id) == ("hotline", desk.caseworker.user.pk)
    assert submission.reply_public_key is not None
    inbox = login(Client(), desk.first).get("/triage/").content.decode()
    assert "Звонивший Человек" in inbox and "Hotline" in inbox


def test_it_refuses_an_operator_request_without_a_message_or_from_the_web(desk: Desk) -> None:
    with pytest.raises(ValidationError):
        _as(
            desk.caseworker,
            actions.operator_request_record,
            channel="web",
            payload={"message": "x"},
        )
    client = login(Client(), desk.caseworker)
    response = client.post("/triage/record/", {"channel": "hotline", "name": "Без сообщения"})
    assert response.status_code == 200
    assert not Submission.objects.exists()


def test_it_manages_the_watch_list(desk: Desk) -> None:
    client = login(Client(), desk.coordinator)
    # Adding an entry stores only ciphertext and a keyed hash
    response = client.post(
        "/triage/watchlist/", {"kind": "phone", "value": "8 900 123 45 67", "note": "Police"}
    )
    assert response.status_code == 302
    entry = WatchEntry.objects.get()
    sealed = WatchEntry.objects.values_list("value_sealed", flat=True).get()
    assert sealed is not None and b"9001234567" not in bytes(sealed) + bytes(entry.digest)
    assert "8 900 123 45 67" in client.get("/triage/watchlist/").content.decode()
    # The same number again, written differently, is refused; nonsense too
    again = client.post("/triage/watchlist/", {"kind": "phone", "value": "+79001234567"})
    assert "already" in again.content.decode()
    assert client.post("/triage/watchlist/", {"kind": "phone", "value": "abc"}).status_code == 200
    assert WatchEntry.objects.count() == 1
    # Removing it
    assert client.post(f"/triage/watchlist/{entry.pk}/remove/").status_code == 302
    assert not WatchEntry.objects.exists()
