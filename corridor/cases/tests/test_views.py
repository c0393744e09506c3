"""The case screens: who may move, decide, edit and assign; bad input shown, nothing changed."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from corridor.audit.models import AuditEntry
from corridor.cases import panels, views
from corridor.cases.actions import case_assign, case_create, case_move_to_stage
from corridor.cases.models import Case, CaseSearchTerm, CaseTransition
from corridor.cases.tests.conftest import Desk, login_en
from corridor.vault.keyring import keyring_activated

pytestmark = pytest.mark.django_db


def _state(case: Case) -> tuple[Any, ...]:
    fresh = Case.objects.get(pk=case.pk)
    return (
        fresh.stage,
        fresh.risk_level,
        fresh.assignee_id,
        bytes(fresh.phone_index or b""),
        CaseTransition.objects.filter(case=case).count(),
        sorted(
            bytes(t)
            for t in CaseSearchTerm.objects.filter(case=case).values_list("term", flat=True)
        ),
    )


def _offers(page: str, stage: str) -> bool:
    return f'name="to_stage" value="{stage}"' in page


# --- moves -----------------------------------------------------------------------------------


def test_it_offers_each_role_only_its_moves(desk: Desk) -> None:
    case = desk.case()
    worker = login_en(desk.worker).get(f"/cases/{case.pk}/").content.decode()
    coordinator = login_en(desk.coordinator).get(f"/cases/{case.pk}/").content.decode()
    viewer = login_en(desk.viewer).get(f"/cases/{case.pk}/").content.decode()
    assert _offers(worker, "vetting") and not _offers(worker, "declined")
    assert not _offers(worker, "closed")
    assert _offers(coordinator, "vetting") and _offers(coordinator, "declined")
    assert _offers(coordinator, "closed")
    assert not any(_offers(viewer, stage) for stage in ("vetting", "declined", "closed"))
    # The close form asks for an outcome and a reason; the vetting form for neither
    assert 'id="move-closed-outcome"' in coordinator and 'id="move-closed-reason"' in coordinator
    assert 'id="move-vetting-reason"' not in coordinator


def test_it_refuses_a_decision_to_a_caseworker(desk: Desk) -> None:
    # Given a caseworker of the case's compartment, who may move cases but not decide
    case = desk.case()
    client = login_en(desk.worker)
    before = _state(case)
    # When they post a decline
    response = client.post(
        f"/cases/{case.pk}/move/", {"to_stage": "declined", "reason": "Looks like a trap"}
    )
    # Then it is forbidden and nothing changed
    assert response.status_code == 403
    assert _state(case) == before
    # And the coordinator may
    response = login_en(desk.coordinator).post(
        f"/cases/{case.pk}/move/", {"to_stage": "declined", "reason": "Looks like a trap"}
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).stage == "declined"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"to_stage": "arrived"}, "A case cannot move from “Request” to “Arrived”."),
        ({"to_stage": "declined"}, "This field is required."),
        ({"to_stage": "closed", "reason": "x", "outcome": "gone"}, "Select a valid choice."),
        ({"to_stage": "vetting", "at": "1999-01-01T10:00"}, "before the case began"),
        ({"to_stage": "vetting", "at": "2999-01-01T10:00"}, "in the future"),
        ({"to_stage": "vetting", "at": "yesterday"}, "Enter a valid date/time."),
    ],
)
def test_it_shows_a_refused_move_with_its_message_and_changes_nothing(
    desk: Desk, data: dict[str, str], message: str
) -> None:
    case = desk.case()
    before, entries = _state(case), AuditEntry.objects.filter(action__startswith="case.m").count()
    response = login_en(desk.coordinator).post(f"/cases/{case.pk}/move/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert _state(case) == before
    assert AuditEntry.objects.filter(action__startswith="case.m").count() == entries


def test_it_shows_the_timeline_with_actor_reason_and_time_in_stage(desk: Desk) -> None:
    case = desk.case()
    with keyring_activated(desk.coordinator.keyring):
        case_move_to_stage(
            actor_id=desk.coordinator.user.pk,
            case=case,
            to_stage="declined",
            reason="Story did not hold up",
            at=desk.began + timedelta(days=2, hours=3),
        )
    page = login_en(desk.lawyer).get(f"/cases/{case.pk}/").content.decode()
    assert "Story did not hold up" in page
    assert "coord" in page and "worker" in page
    assert "2 days 3 hours" in page  # time spent in "request"


def test_it_checks_a_decision_against_the_stage_the_case_is_at_when_locked(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a case at "evacuation" as a caseworker's request reads it, which a coordinator
    # moves back to "vetting" before the caseworker's move is applied
    case = desk.case()
    with keyring_activated(desk.coordinator.keyring):
        for stage in ("vetting", "accepted", "evacuation"):
            case_move_to_stage(actor_id=desk.coordinator.user.pk, case=case, to_stage=stage)
    read = views.case_for_user

    def read_then_moved_back(*args: Any, **kwargs: Any) -> Case:
        found = read(*args, **kwargs)
        with keyring_activated(desk.coordinator.keyring):
            for stage in ("accepted", "vetting"):
                reason = "Doubts about the caller"
                mover = desk.coordinator.user.pk
                case_move_to_stage(actor_id=mover, case=case, to_stage=stage, reason=reason)
        return found

    monkeypatch.setattr(views, "case_for_user", read_then_moved_back)
    # When the caseworker calls off the evacuation (evacuation -> accepted is case work)
    response = login_en(desk.worker).post(
        f"/cases/{case.pk}/move/", {"to_stage": "accepted", "reason": "Called off"}
    )
    # Then vetting -> accepted, a decision they may not make, is not made in their name
    assert response.status_code == 200
    page = response.content.decode()
    assert "The case has moved on since this page was opened" in page
    assert "<dd>Vetting <span" in page  # the page shows where the case is now
    assert Case.objects.get(pk=case.pk).stage == "vetting"
    assert not CaseTransition.objects.filter(case=case, to_stage="accepted", seq__gt=5).exists()


def test_it_refuses_a_move_posted_from_a_page_of_an_earlier_stage(desk: Desk) -> None:
    # Given a coordinator's page of a new case, offering request -> declined
    case = desk.case()
    client = login_en(desk.coordinator)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'name="from_stage" value="request"' in page
    # And a colleague who has since moved the case to vetting
    with keyring_activated(desk.coordinator.keyring):
        case_move_to_stage(actor_id=desk.coordinator.user.pk, case=case, to_stage="vetting")
    before = _state(case)
    # When the decline is posted from that page
    data = {"from_stage": "request", "to_stage": "declined", "reason": "Junk"}
    response = client.post(f"/cases/{case.pk}/move/", data)
    # Then vetting -> declined is not applied in its place
    assert response.status_code == 200
    assert "The case has moved on since this page was opened" in response.content.decode()
    assert _state(case) == before


# --- edit and assign -------------------------------------------------------------------------


def test_it_edits_the_person_and_refuses_a_malformed_phone(desk: Desk) -> None:
    case = desk.case("Aslan Beksultanov", phone="+79281112233")
    client = login_en(desk.lawyer)
    form = {
        "full_name": "Aslan Beksultanov",
        "phone": "call me maybe",
        "threat_source": "family",
        "risk_level": "high",
        "dependants": "Amina; daughter; 4\nZaur; son",
        "messengers": "Telegram @aslan_b",
    }
    before = _state(case)
    response = client.post(f"/cases/{case.pk}/edit/", form)
    assert response.status_code == 200
    assert "This does not look like a phone number." in response.content.decode()
    assert _state(case) == before
    response = client.post(f"/cases/{case.pk}/edit/", {**form, "phone": "8 928 111 22 44"})
    assert response.status_code == 302
    with keyring_activated(desk.lawyer.keyring):
        fresh = Case.objects.get(pk=case.pk)
        assert fresh.phone == "+79281112244"
        assert fresh.dependants == [
            {"name": "Amina", "relation": "daughter", "age": 4},
            {"name": "Zaur", "relation": "son", "age": None},
        ]
        assert fresh.messengers == ["Telegram @aslan_b"]
    assert (fresh.threat_source, fresh.risk_level) == ("family", "high")
    edits = AuditEntry.objects.filter(action="case.edit", object_id=str(case.pk))
    assert list(edits.values_list("actor_id", flat=True)) == [desk.lawyer.user.pk]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("dependants", "Amina; daughter; four", "the age must be a whole number"),
        ("dependants", "Amina; daughter; 400", "from 0 to 120"),
        ("dependants", "Amina; daughter; ²", "the age must be a whole number"),  # was a 500
        ("full_name", "   ", "This field is required."),
        ("risk_level", "apocalyptic", "Select a valid choice."),
    ],
)
def test_it_refuses_bad_person_details(desk: Desk, field: str, value: str, message: str) -> None:
    case = desk.case()
    data = {"full_name": "Test Person", "threat_source": "state", "risk_level": "low"}
    before = _state(case)
    response = login_en(desk.worker).post(f"/cases/{case.pk}/edit/", {**data, field: value})
    assert response.status_code == 200 and message in response.content.decode()
    assert _state(case) == before


def test_it_assigns_only_to_active_members_of_the_compartment(desk: Desk) -> None:
    case = desk.case()
    client = login_en(desk.coordinator)
    before = _state(case)
    # An outsider is not even a choice
    response = client.post(f"/cases/{case.pk}/assign/", {"assignee": desk.outsider.user.pk})
    assert response.status_code == 200 and "Select a valid choice." in response.content.decode()
    assert _state(case) == before
    # The action refuses them too, and an inactive member
    desk.viewer.user.is_active = False
    desk.viewer.user.save(update_fields=["is_active"])
    for user in (desk.outsider.user, desk.viewer.user):
        with pytest.raises(Exception, match="compartment"):
            case_assign(actor_id=desk.coordinator.user.pk, case=case, assignee_id=user.pk)
    assert _state(case) == before
    response = client.post(f"/cases/{case.pk}/assign/", {"assignee": desk.lawyer.user.pk})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).assignee_id == desk.lawyer.user.pk
    assert AuditEntry.objects.filter(action="case.assign", object_id=str(case.pk)).count() == 1


# --- list ------------------------------------------------------------------------------------


def test_it_filters_the_list_by_stage_compartment_and_assignee(desk: Desk) -> None:
    first, second = desk.case("First Person"), desk.case("Second Person")
    with keyring_activated(desk.coordinator.keyring):
        case_move_to_stage(actor_id=desk.coordinator.user.pk, case=second, to_stage="vetting")
    case_assign(actor_id=desk.coordinator.user.pk, case=first, assignee_id=desk.lawyer.user.pk)
    client = login_en(desk.worker)
    by_stage = client.get("/cases/", {"stage": "vetting"}).content.decode()
    assert "Second Person" in by_stage and "First Person" not in by_stage
    by_assignee = client.get("/cases/", {"assignee": desk.lawyer.user.pk}).content.decode()
    assert "First Person" in by_assignee and "Second Person" not in by_assignee
    by_compartment = client.post("/cases/", {"compartment": desk.north.pk}).content.decode()
    assert "First Person" in by_compartment and "Second Person" in by_compartment
    foreign = client.get("/cases/", {"compartment": desk.south.pk}).content.decode()
    assert "Select a valid choice." in foreign  # South is not theirs to filter by


def test_it_pages_the_list(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for number in range(5):
        desk.case(f"Person Number{number}")
    client = login_en(desk.worker)
    first = client.get("/cases/").content.decode()
    third = client.post("/cases/", {"page": 3}).content.decode()
    assert first.count("Person Number") == 2 and 'name="page" value="2"' in first
    assert third.count("Person Number") == 1 and 'name="page" value="4"' not in third


@pytest.mark.parametrize("page", ["0", "-3", "99999999999999999999", "two", "1e3", ""])
def test_it_shows_the_first_page_for_a_page_number_out_of_bounds(desk: Desk, page: str) -> None:
    desk.case("Paged Person")
    client = login_en(desk.worker)
    for response in (
        client.get("/cases/", {"page": page}),
        client.post("/cases/", {"page": page, "q": "Paged Person"}),
    ):
        assert response.status_code == 200
        assert "Paged Person" in response.content.decode()
        assert response.context["page"] == 1


def _without_token(response: Any) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def test_it_reveals_nothing_of_another_compartment_through_forged_filters(desk: Desk) -> None:
    # Given a case in South, assigned to a South caseworker, and a caseworker of North
    with keyring_activated(desk.outsider.keyring):
        case_create(
            actor_id=desk.outsider.user.pk, compartment=desk.south, full_name="Zelimkhan Southern"
        )
    desk.case("Norah Northern")
    client = login_en(desk.worker)
    # When they forge South's id, or its caseworker's, and compare with ids that do not exist
    south = client.post("/cases/", {"compartment": desk.south.pk})
    nowhere = client.post("/cases/", {"compartment": 10**9})
    theirs = client.post("/cases/", {"assignee": desk.outsider.user.pk})
    nobody = client.post("/cases/", {"assignee": 10**9})
    # Then each filter is refused alike, and only their own compartment's case is listed
    assert _without_token(south) == _without_token(nowhere)
    assert _without_token(theirs) == _without_token(nobody)
    for response in (south, theirs):
        page = response.content.decode()
        assert "Select a valid choice." in page
        assert "Norah Northern" in page and "Zelimkhan" not in page
    # And a search for the South name answers as for a name held nowhere
    held = client.post("/cases/", {"q": "Zelimkhan Southern"})
    unheld = client.post("/cases/", {"q": "Zelimkhan Nowhere"})
    assert _without_token(held).replace("Southern", "Nowhere") == _without_token(unheld)
    assert "No cases." in unheld.content.decode()


def _queries(client: Any, method: str, path: str, data: dict[str, Any] | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(path, data or {})
    assert response.status_code == 200
    return len(captured)


def test_it_keeps_the_number_of_queries_fixed(desk: Desk) -> None:
    # Given one case, and the same screens once more cases and moves exist
    case = desk.case("Person Zero")
    client = login_en(desk.coordinator)
    # The session opens the compartment and index keys once, then keeps them
    client.post("/cases/", {"q": "Person"})
    small = [
        _queries(client, "get", "/cases/"),
        _queries(client, "post", "/cases/", {"q": "Person", "stage": "request"}),
        _queries(client, "get", f"/cases/{case.pk}/"),
    ]
    for number in range(6):
        desk.case(f"Person Number{number}")
    with keyring_activated(desk.coordinator.keyring):
        for stage in ("vetting", "accepted", "sheltered"):
            case_move_to_stage(actor_id=desk.coordinator.user.pk, case=case, to_stage=stage)
    large = [
        _queries(client, "get", "/cases/"),
        _queries(client, "post", "/cases/", {"q": "Person", "stage": "request"}),
        _queries(client, "get", f"/cases/{case.pk}/"),
    ]
    # Then the list, the search and the case page make as many queries as before
    assert large == small


# --- panels ----------------------------------------------------------------------------------


def test_it_shows_the_panels_of_other_apps_and_never_hides_a_broken_one(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = desk.case()
    client = login_en(desk.lawyer)
    monkeypatch.setattr(panels, "CASE_PANELS", ["corridor.cases.tests.panel_sample"])
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="sample-panel">request</section>' in page
    # named in the list of sections, its facts in the summary
    assert '<a href="#sample">Sample section</a>' in page
    assert "<dt>Sample fact</dt><dd>stage request</dd>" in page
    # A panel module that is missing, or whose own import is broken, is not silently skipped
    for name in ("corridor.cases.tests.not_a_panel", "corridor.cases.tests.panel_broken"):
        monkeypatch.setattr(panels, "CASE_PANELS", [name])
        with pytest.raises(ModuleNotFoundError):
            client.get(f"/cases/{case.pk}/")


def test_it_lists_every_panel_module_of_the_project() -> None:
    # The real panels: each module exists, offers case_panel and names its section
    import importlib

    anchors = []
    for name in panels.CASE_PANELS:
        module = importlib.import_module(name)
        assert callable(module.case_panel), name
        anchor, title = module.SECTION
        assert anchor and str(title), name
        anchors.append(anchor)
    assert len(set(anchors)) == len(anchors)


def test_it_filters_the_list_by_country_overdue_tasks_and_open_alerts(desk: Desk) -> None:
    # Given three cases: one applying to Lithuania, one with an overdue task, one with an alert
    from corridor.relocation.models import Application, Country
    from corridor.tasks.models import Alert, Task

    lithuania = Country.objects.create(code="LT", name_en="Lithuania", name_ru="Литва")
    applying, late, alerted = (
        desk.case(name) for name in ("Ana Applying", "Lev Late", "Ali Alert")
    )
    with keyring_activated(desk.worker.keyring):
        for case in (applying, applying):  # two applications: the case is still listed once
            Application(
                compartment=desk.north, case=case, country=lithuania, pathway="humanitarian_visa"
            ).save()
        task = Task(
            compartment=desk.north,
            case=late,
            owner=desk.worker.user,
            created_by=desk.worker.user,
            due_on=desk.began.date(),
            overdue=True,
        )
        task.title = "Call back"
        task.save()
    Alert.objects.create(case=alerted, kind="missed_checkin")
    Alert.objects.create(case=late, kind="missed_checkin", resolved_at=desk.began)
    client = login_en(desk.worker)
    # When the list is filtered by each
    by_country = client.get("/cases/", {"country": lithuania.pk}).content.decode()
    overdue = client.get("/cases/", {"overdue": "on"}).content.decode()
    alerts = client.post("/cases/", {"alerts": "on"}).content.decode()
    # Then each shows its case only, once
    assert by_country.count("Ana Applying") == 1 and "Lev Late" not in by_country
    assert "Lev Late" in overdue and "Ana Applying" not in overdue and "Ali Alert" not in overdue
    assert "Ali Alert" in alerts and "Lev Late" not in alerts


def test_it_reads_the_viewers_compartments_once_per_case_page(desk: Desk) -> None:
    # Given a coordinator who has opened a case page before (keys opened)
    case = desk.case()
    client = login_en(desk.coordinator)
    client.get(f"/cases/{case.pk}/")
    # When the page and all its panels are shown again
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/cases/{case.pk}/")
    # Then the memberships were read once, by the door, not again by each panel
    assert response.status_code == 200
    reads = [q for q in captured if q["sql"].startswith('SELECT "vault_membership"')]
    assert len(reads) == 1


def test_it_lists_a_case_with_a_task_past_due_before_the_worker_has_marked_it(desk: Desk) -> None:
    # Given a task due yesterday that the worker has not marked overdue yet, and one due today
    from corridor.tasks.models import Task

    late, due_today = desk.case("Lev Late"), desk.case("Tom Today")
    today = timezone.localdate()
    with keyring_activated(desk.worker.keyring):
        for case, due_on in ((late, today - timedelta(days=1)), (due_today, today)):
            task = Task(
                compartment=desk.north,
                case=case,
                owner=desk.worker.user,
                created_by=desk.worker.user,
                due_on=due_on,
            )
            task.title = "Call back"
            task.save()
    # When the list is filtered by overdue tasks
    page = login_en(desk.worker).get("/cases/", {"overdue": "on"}).content.decode()
    # Then it agrees with the task's "overdue" badge: the late one only
    assert "Lev Late" in page and "Tom Today" not in page


def test_it_colours_only_steps_back_and_refusals_as_warnings(desk: Desk) -> None:
    # Given a case in vetting, seen by a coordinator (who may accept, decline or close it)
    case = desk.case()
    with keyring_activated(desk.worker.keyring):
        case_move_to_stage(actor_id=desk.worker.user.pk, case=case, to_stage="vetting")
    page = login_en(desk.coordinator).get(f"/cases/{case.pk}/").content.decode()

    def button(stage: str) -> str:
        form = page[page.index(f'name="to_stage" value="{stage}"') :]
        return form[form.index("<button") : form.index("</button>")]

    # Then declining warns, closing (whose outcome may be "resettled") does not, accepting goes on
    assert 'class="danger"' in button("declined")
    assert 'class="secondary"' in button("closed") and "danger" not in button("closed")
    assert "class=" not in button("accepted")
