"""The screens, driven as a lawyer would: bad input is refused with a message and writes
nothing; the case page shows the documentation only to who holds both compartments; the
coordinator's counts open no record and hide small cells; reads are audited."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from conftest import Org, Staff, login
from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.documentation import actions
from corridor.documentation.consent import consent_record
from corridor.documentation.models import Consent, ConsentWithdrawal, Event, Person
from corridor.documentation.tests.conftest import Desk, term
from corridor.vault.keyring import keyring_activated

pytestmark = pytest.mark.django_db


def _page(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def _linked(desk: Desk) -> None:
    actions.person_link_case(
        actor_id=desk.lawyer.user.pk,
        keyring=desk.lawyer.keyring,
        person=desk.victim,
        case=desk.case,
    )
    actions.act_create(
        actor_id=desk.lawyer.user.pk,
        event=desk.event,
        victim=desk.victim,
        act_type=term("act_type", "torture"),
    )


def test_it_refuses_an_event_without_a_title_and_writes_nothing(org: Org, desk: Desk) -> None:
    client = login(Client(), desk.lawyer)
    entries = AuditEntry.objects.count()
    response = client.post(
        "/documentation/events/new/",
        {
            "compartment": org.compartment("Documentation").pk,
            "title": "Later",
            "start_precision": "exact",
            "start_date": "2999-01-01",
            "end_precision": "unknown",
            "confidentiality": "shareable",
        },
    )
    assert response.status_code == 200
    assert "cannot be in the future" in _page(response)
    assert Event.objects.count() == 1
    # Only reads of the page were audited, no write
    assert not AuditEntry.objects.filter(pk__gt=entries, action="doc_event.create").exists()


def test_it_refuses_a_withdrawal_without_reason_with_a_message(desk: Desk) -> None:
    consent_record(
        actor_id=desk.lawyer.user.pk,
        testimony=desk.testimony,
        use="court",
        granted=True,
        anonymised=False,
        obtained_how="signed_form",
        obtained_on=date(2017, 5, 2),
        obtained_by="Lawyer",
    )
    client = login(Client(), desk.lawyer)
    url = f"/documentation/testimonies/{desk.testimony.pk}/"
    response = client.post(
        f"{url}withdraw/", {"withdraw-use": "court", "withdraw-reason": ""}, follow=True
    )
    assert "This field is required" in _page(response)
    assert not ConsentWithdrawal.objects.exists()
    # With a reason, the page says the testimony is refused from now on
    done = client.post(f"{url}withdraw/", {"withdraw-use": "court", "withdraw-reason": "afraid"})
    assert done.status_code == 200 and "No export carried it yet" in _page(done)
    assert "withdrawn" in _page(client.get(url))


def test_it_shows_the_documentation_on_the_case_page_only_to_who_holds_both(
    org: Org, desk: Desk
) -> None:
    # Given the victim linked to the North case, and an act recorded against him
    _linked(desk)
    caseworker = org.staff("north-worker", Role.CASEWORKER, ("North",))
    outsider_lawyer = org.staff("other-lawyer", Role.LAWYER, ("North",))
    page = f"/cases/{desk.case.pk}/"
    # Then the lawyer of both compartments sees it, with the act, and the reads are audited
    shown = _page(login(Client(), desk.lawyer).get(page))
    assert 'id="documentation"' in shown and "Victim One" in shown and "Torture" in shown
    assert AuditEntry.objects.filter(
        action="doc_person.list", object_id=str(desk.victim.pk)
    ).exists()
    # And neither a caseworker of the case nor a lawyer without the documentation's keys does
    for staff in (caseworker, outsider_lawyer):
        hidden = _page(login(Client(), staff).get(page))
        assert 'id="documentation"' not in hidden and "Victim One" not in hidden


def test_it_links_a_case_through_the_page_only_with_both_keys(org: Org, desk: Desk) -> None:
    other = org.staff("south-worker", Role.CASEWORKER, ("South",))
    from corridor.cases.actions import case_create

    with keyring_activated(other.keyring):
        south = case_create(
            actor_id=other.user.pk, compartment=org.compartment("South"), full_name="S"
        )
    client = login(Client(), desk.lawyer)
    url = f"/documentation/persons/{desk.victim.pk}/"
    refused = client.post(f"{url}case/", {"link-case": str(south.pk)}, follow=True)
    assert "No case with this number" in _page(refused)
    assert Person.objects.get(pk=desk.victim.pk).case_id is None
    client.post(f"{url}case/", {"link-case": str(desk.case.pk)})
    assert Person.objects.get(pk=desk.victim.pk).case_id == desk.case.pk
    assert "The case of this person" in _page(client.get(url))


def test_it_gives_the_coordinator_counts_only_with_small_cells_hidden(org: Org, desk: Desk) -> None:
    # Given one torture in March 2017 and three detentions in May 2017
    actions.act_create(
        actor_id=desk.lawyer.user.pk,
        event=desk.event,
        victim=desk.victim,
        act_type=term("act_type", "torture"),
        start_precision="month",
        start_date=date(2017, 3, 5),
    )
    for _ in range(3):
        actions.act_create(
            actor_id=desk.lawyer.user.pk,
            event=desk.event,
            victim=desk.victim,
            act_type=term("act_type", "detention"),
            start_precision="month",
            start_date=date(2017, 5, 5),
        )
    coordinator = org.staff("coordinator", Role.COORDINATOR, ("North",))
    client = login(Client(), coordinator)
    entries = AuditEntry.objects.count()
    page = _page(client.get("/documentation/statistics/"))
    # Then the coordinator sees the counts, the single torture only as "fewer than 3"
    assert "2017-03" in page and "2017-05" in page and "fewer than 3" in page
    assert "<td>3</td>" in page
    # And no record was opened (no read entry) and the records' pages stay closed
    assert AuditEntry.objects.filter(pk__gt=entries).count() == 0
    assert client.get(f"/documentation/events/{desk.event.pk}/").status_code == 403
    assert "Detentions in Argun" not in page


def test_it_puts_the_lawyers_overdue_referrals_in_the_navigation(desk: Desk) -> None:
    referral = actions.referral_create(
        actor_id=desk.lawyer.user.pk,
        compartment=desk.event.compartment,
        intervention_type=term("intervention_type", "demand_investigation"),
        recipient="Investigative Committee",
        recipient_kind="domestic_authority",
        sent_on=date(2017, 5, 5),
        answer_due_on=date(2017, 6, 5),
        owner_id=desk.lawyer.user.pk,
    )
    from corridor.documentation.deadlines import referral_deadlines_pass

    referral_deadlines_pass()
    page = _page(login(Client(), desk.lawyer).get("/documentation/"))
    assert 'class="badge warn">1<' in page
    assert f"/documentation/referrals/{referral.pk}/" in page


def test_it_records_consent_through_the_panel(desk: Desk) -> None:
    client = login(Client(), desk.lawyer)
    url = f"/documentation/testimonies/{desk.testimony.pk}/"
    data = {
        "consent-use": "international",
        "consent-granted": "yes",
        "consent-anonymised": "named",
        "consent-obtained_how": "signed_form",
        "consent-obtained_by": "Hotline lawyer",
        "consent-obtained_on": "2017-05-03",
    }
    client.post(f"{url}consents/", data)
    consent = Consent.objects.get()
    assert (consent.use, consent.granted, consent.anonymised) == ("international", True, False)
    assert "allowed, named" in _page(client.get(url))


def test_it_keeps_other_roles_out_of_every_record(org: Org, desk: Desk) -> None:
    viewer: Staff = org.staff("viewer", Role.VIEWER, ("Documentation", "North"))
    client = login(Client(), viewer)
    for path in (
        "/documentation/",
        f"/documentation/events/{desk.event.pk}/",
        "/documentation/statistics/",
    ):
        assert client.get(path).status_code == 403
