"""Traps and bursts at the desk (issue 13): a burst links its requests, says what it may
mean and can be declined together with one reason; a request's own identifiers go on the
watch list from its page."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from conftest import login
from corridor.audit.models import AuditEntry
from corridor.intake.models import Submission, SubmissionStatus
from corridor.triage.actions import request_decline, requests_decline_together
from corridor.triage.flags import BURST, WATCH
from corridor.triage.models import Vetting, WatchEntry
from corridor.triage.opening import PayloadOpener
from corridor.triage.pages import threads_flagged
from corridor.vault.keyring import keyring_activated

from .conftest import HOUR, Desk

TEXT = "Здравствуйте, меня преследуют, нужна срочная помощь с эвакуацией из Грозного"


def _bursts(desk: Desk, submission: Submission) -> list:
    with keyring_activated(desk.first.keyring):
        flagged = threads_flagged(
            actor_id=desk.first.user.pk, heads=[submission], opener=PayloadOpener()
        )[0]
    return [flag for flag in flagged.flags if flag.code == BURST]


def _index_all(desk: Desk) -> None:
    """Index every request, as the inbox does for its backlog."""
    with keyring_activated(desk.first.keyring):
        everyone = list(Submission.objects.filter(thread__isnull=True))
        threads_flagged(actor_id=desk.first.user.pk, heads=everyone, opener=PayloadOpener())


def _handle_burst(desk: Desk) -> list[Submission]:
    burst = [
        desk.submit(name=name, contact="@same_handle")
        for name in ("Алихан Первый", "Бислан Второй", "Валид Третий")
    ]
    _index_all(desk)
    return burst


def test_it_links_the_other_requests_of_a_burst_and_calls_it_possibly_coordinated(
    desk: Desk,
) -> None:
    # Given three requests of one hour sharing a handle, and three sharing a message
    by_handle = _handle_burst(desk)
    by_text = [desk.submit(name=f"Имя {n}", message=TEXT + "!" * n) for n in range(3)]
    # And one more request that belongs to neither
    desk.submit(name="Другой Человек", contact="@someone_else")
    _index_all(desk)
    # Then each flag names the other two of its burst, and only them
    for burst in (by_handle, by_text):
        for submission in burst:
            [flag] = _bursts(desk, submission)
            assert "Possibly coordinated" in flag.message
            assert set(flag.members) == {s.pk for s in burst} - {submission.pk}


def test_it_shows_the_burst_on_the_request_page_with_links(desk: Desk) -> None:
    first, second, third = _handle_burst(desk)
    client = login(Client(), desk.first)
    page = client.get(f"/triage/{first.pk}/").content.decode()
    # The page links the two others and says what a burst can mean
    assert f'href="/triage/{second.pk}/"' in page and f'href="/triage/{third.pk}/"' in page
    assert "can be a trap" in page
    assert f'action="/triage/{first.pk}/decline-burst/"' in page


def test_it_declines_a_burst_together_with_one_reason(desk: Desk) -> None:
    burst = _handle_burst(desk)
    client = login(Client(), desk.first)
    # When a desk member declines all three from the first one's page
    response = client.post(
        f"/triage/{burst[0].pk}/decline-burst/",
        {"requests": [str(s.pk) for s in burst], "reason": "Qxtrap: одна и та же проверка"},
    )
    # Then all three are declined with that reason, each with its own audit entry
    assert response.status_code == 302 and response["Location"] == "/triage/"
    for submission in burst:
        submission.refresh_from_db()
        assert submission.status == SubmissionStatus.DECLINED
    with keyring_activated(desk.first.keyring):
        reasons = {v.decline_reason for v in Vetting.objects.filter(submission__in=burst)}
    assert reasons == {"Qxtrap: одна и та же проверка"}
    declined = AuditEntry.objects.filter(action="triage.decline", actor_id=desk.first.user.pk)
    assert {e.object_id for e in declined} == {str(s.pk) for s in burst}


def test_it_declines_only_requests_it_finds_in_the_burst_itself(desk: Desk) -> None:
    burst = _handle_burst(desk)
    unrelated = desk.submit(name="Посторонний", contact="@unrelated")
    client = login(Client(), desk.first)
    # When the form is sent with a request that is not in the burst
    response = client.post(
        f"/triage/{burst[0].pk}/decline-burst/",
        {"requests": [str(burst[1].pk), str(unrelated.pk)], "reason": "ловушка"},
    )
    # Then it is refused and nothing is declined
    assert response.status_code == 200
    assert "Please correct the form" in response.content.decode()
    statuses = set(
        Submission.objects.filter(pk__in=[*(s.pk for s in burst), unrelated.pk]).values_list(
            "status", flat=True
        )
    )
    assert SubmissionStatus.DECLINED not in statuses


def test_it_declines_none_if_one_was_decided_meanwhile(desk: Desk) -> None:
    burst = _handle_burst(desk)
    with keyring_activated(desk.second.keyring):
        request_decline(actor_id=desk.second.user.pk, submission=burst[2], reason="сам")
    with keyring_activated(desk.first.keyring), pytest.raises(ValidationError) as refused:
        requests_decline_together(actor_id=desk.first.user.pk, submissions=burst, reason="серия")
    assert "nothing was declined" in refused.value.messages[0]
    for submission in burst[:2]:
        submission.refresh_from_db()
        assert submission.status != SubmissionStatus.DECLINED


def test_it_asks_for_a_reason_and_keeps_what_was_chosen(desk: Desk) -> None:
    burst = _handle_burst(desk)
    client = login(Client(), desk.first)
    response = client.post(
        f"/triage/{burst[0].pk}/decline-burst/", {"requests": [str(burst[1].pk)], "reason": ""}
    )
    assert response.status_code == 200
    assert "Give the reason for declining" in response.content.decode()
    burst[1].refresh_from_db()
    assert burst[1].status != SubmissionStatus.DECLINED


@pytest.mark.parametrize(("key", "kind"), [("phone-0", "phone"), ("name", "name")])
def test_it_puts_a_requests_identifier_on_the_watch_list_from_its_page(
    desk: Desk, key: str, kind: str
) -> None:
    # Given a request that the desk believes is a trap
    trap = desk.submit(name="Ибрагим Ловушкин", contact="+7 928 555-44-33")
    client = login(Client(), desk.first)
    page = client.get(f"/triage/{trap.pk}/").content.decode()
    assert f'action="/triage/{trap.pk}/watch/"' in page
    # When its phone (or name) is added to the watch list from the request page
    response = client.post(f"/triage/{trap.pk}/watch/", {"identifier": key, "note": "Qxpolice"})
    assert response.status_code == 302
    # Then it is on the list, with the note, and a later request with it is flagged
    [entry] = WatchEntry.objects.all()
    assert entry.kind == kind
    with keyring_activated(desk.first.keyring):
        assert entry.note == "Qxpolice"
    later = desk.submit(name="Ибрагим Ловушкин", contact="8 (928) 555 44 33", hour=HOUR)
    with keyring_activated(desk.first.keyring):
        flagged = threads_flagged(
            actor_id=desk.first.user.pk, heads=[later], opener=PayloadOpener()
        )
    assert WATCH in {flag.code for flag in flagged[0].flags}


def test_it_takes_the_watched_value_from_the_request_not_from_the_form(desk: Desk) -> None:
    trap = desk.submit(name="Ибрагим Ловушкин", contact="+7 928 555-44-33")
    client = login(Client(), desk.first)
    # A key the request does not have, or a value typed into the form, is refused
    for data in ({"identifier": "phone-5"}, {"identifier": "+79280000000"}):
        response = client.post(f"/triage/{trap.pk}/watch/", data)
        assert response.status_code == 200
    assert not WatchEntry.objects.exists()


def test_it_keeps_the_watch_form_from_those_who_may_not_manage_the_list(desk: Desk) -> None:
    trap = desk.submit(name="Ибрагим Ловушкин", contact="+7 928 555-44-33")
    # A caseworker may not even open triage; an outsider to the desk gets 404
    assert login(Client(), desk.caseworker).post(f"/triage/{trap.pk}/watch/", {}).status_code == 403
    assert login(Client(), desk.outsider).post(f"/triage/{trap.pk}/watch/", {}).status_code == 404
    assert not WatchEntry.objects.exists()
