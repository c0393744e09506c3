"""What a viewer sees, and who a case can be given to (issue 13, decision 0032).

A viewer (someone who reports on the work: a board member, an auditor of the funds) sees
cases by reference, stage and date, never a name, phone, notes, a reason or a shelter's
address; a case is assigned only to someone whose role may work it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from corridor.cases.actions import case_assign, case_move_to_stage
from corridor.cases.models import Case
from corridor.shelters.actions import shelter_create
from corridor.vault.keyring import keyring_activated

from .conftest import Desk, login_en

NAME = "Qxname Висангиреев"
PHONE = "+79281112233"
NOTES = "Qxnotes: был задержан в отделе, следы побоев"
REASON = "Qxreason: семья узнала"


def _case(desk: Desk) -> Case:
    case = desk.case(full_name=NAME, phone=PHONE, notes=NOTES, location="Qxlocation Грозный")
    with keyring_activated(desk.worker.keyring):
        case_move_to_stage(
            actor_id=desk.worker.user.pk, case=case, to_stage="vetting", reason=REASON
        )
    return case


def _secrets_in(page: str) -> list[str]:
    return [
        text
        for text in (
            NAME,
            "Висангиреев",
            "1112233",
            "111-22-33",
            "111 22 33",
            "Qxnotes",
            "Qxreason",
            "Qxlocation",
        )
        if text in page
    ]


def test_it_shows_a_viewer_the_case_list_by_reference_and_stage_only(desk: Desk) -> None:
    case = _case(desk)
    client = login_en(desk.viewer)
    # When a viewer opens the case list, and tries the search by name
    listed = client.get("/cases/").content.decode()
    searched = client.post("/cases/", {"q": NAME}).content.decode()
    # Then each shows the case by its reference and stage, with nothing of the person
    for page in (listed, searched):
        assert case.reference in page and "Vetting" in page
        assert not _secrets_in(page), _secrets_in(page)
    # And the search field is not offered to them
    assert 'name="q"' not in listed


def test_it_shows_a_viewer_the_case_page_without_the_person_or_reasons(desk: Desk) -> None:
    case = _case(desk)
    page = login_en(desk.viewer).get(f"/cases/{case.pk}/").content.decode()
    assert case.reference in page and "Vetting" in page and "Timeline" in page
    assert not _secrets_in(page), _secrets_in(page)
    # While a caseworker of the same compartment sees all of it
    worker = login_en(desk.worker).get(f"/cases/{case.pk}/").content.decode()
    assert NAME in worker and "Qxnotes" in worker and "Qxreason" in worker


def test_it_keeps_the_shelter_board_from_a_viewer(desk: Desk) -> None:
    # The board holds the shelter's address and who is placed there: a viewer gets 403,
    # and the shelters list links them to the occupancy counts instead
    client = login_en(desk.viewer)
    assert client.get("/shelters/").status_code == 200
    with keyring_activated(desk.coordinator.keyring):
        shelter = shelter_create(
            actor_id=desk.coordinator.user.pk,
            compartment=desk.north,
            name="Qxshelter",
            address="Qxaddress улица",
            capacity=4,
        )
    listed = client.get("/shelters/").content.decode()
    assert f"/shelters/{shelter.pk}/occupancy/" in listed and "Qxaddress" not in listed
    assert client.get(f"/shelters/{shelter.pk}/").status_code == 403


def test_it_offers_and_allows_only_people_who_may_work_the_case_as_assignee(desk: Desk) -> None:
    case = _case(desk)
    client = login_en(desk.coordinator)
    form = client.get(f"/cases/{case.pk}/assign/").content.decode()
    # The viewer, though a member of the compartment, is not offered
    assert desk.worker.user.username in form and desk.lawyer.user.username in form
    assert f">{desk.viewer.user.username}<" not in form
    # And assigning them anyway (a crafted post, or a direct call) is refused
    response = client.post(f"/cases/{case.pk}/assign/", {"assignee": desk.viewer.user.pk})
    assert response.status_code == 200
    with pytest.raises(ValidationError, match="may work a case"):
        case_assign(actor_id=desk.coordinator.user.pk, case=case, assignee_id=desk.viewer.user.pk)
    case.refresh_from_db()
    assert case.assignee_id != desk.viewer.user.pk
