"""Releases: prepared without numbers, published once under the ledger, frozen, and public
at /figures/ without a cookie; nothing unpublished shows (decision 0030)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import Client

from conftest import login
from corridor.audit.models import AuditEntry
from corridor.figures import actions
from corridor.figures.models import LedgerEntry, Release, ReleaseFrozen, ReleaseValue
from corridor.reports.tests.conftest import Desk

MAY, JUNE = date(2017, 5, 1), date(2017, 6, 1)


def _prepare(desk: Desk, epsilon: float, tables: list[str] | None = None) -> Release:
    return actions.release_prepare(
        actor_id=desk.coordinator.user.pk,
        first_month=MAY,
        last_month=JUNE,
        tables=tables or ["requests", "evacuated"],
        epsilon=epsilon,
    )


def test_it_publishes_once_charges_the_ledger_and_freezes_the_numbers(desk: Desk) -> None:
    release = _prepare(desk, 0.5)
    assert not release.values.exists()  # nothing drawn before publishing
    actions.release_publish(actor_id=desk.coordinator.user.pk, release_id=release.pk)
    numbers = list(release.values.values_list("table", "category", "value", "accuracy"))
    assert [(t, c) for t, c, _v, _a in numbers] == [
        ("requests", "2017-05"),
        ("requests", "2017-06"),
        ("evacuated", "2017-05"),
        ("evacuated", "2017-06"),
    ]
    assert LedgerEntry.objects.get(release=release).epsilon == 0.5
    assert AuditEntry.objects.filter(action="figures.publish", object_id=str(release.pk)).exists()
    # Asking again gives the same numbers, never fresh noise
    with pytest.raises(actions.ReleaseRefused, match="already published"):
        actions.release_publish(actor_id=desk.coordinator.user.pk, release_id=release.pk)
    value = ReleaseValue.objects.filter(release=release).first()
    assert value is not None
    value.value += 1
    with pytest.raises(ReleaseFrozen):
        value.save()
    frozen = Release.objects.get(pk=release.pk)
    frozen.epsilon = 0.01
    with pytest.raises(ReleaseFrozen):
        frozen.save()
    assert list(release.values.values_list("table", "category", "value", "accuracy")) == numbers


def test_it_refuses_a_release_over_the_years_budget_with_the_reason(desk: Desk) -> None:
    # Given a 2017 budget of ε = 1 of which 0.6 is spent
    first = _prepare(desk, 0.6)
    actions.release_publish(actor_id=desk.coordinator.user.pk, release_id=first.pk)
    second = _prepare(desk, 0.6)
    assert not actions.release_plan(second).fits
    # When a second release of 0.6 is published
    with pytest.raises(actions.ReleaseRefused) as refused:
        actions.release_publish(actor_id=desk.coordinator.user.pk, release_id=second.pk)
    # Then it is refused, saying what it costs and what is left, and nothing changed
    message = " ".join(refused.value.messages)
    assert "ε = 0.6 of the 2017 budget" in message and "only 0.4 of 1 is left" in message
    second.refresh_from_db()
    assert second.status == "draft" and not second.values.exists()
    assert LedgerEntry.objects.count() == 1


def test_it_refuses_a_bad_release_and_keeps_the_form(desk: Desk) -> None:
    client = login(Client(), desk.coordinator)
    response = client.post(
        "/figures/manage/",
        {
            "first_month": "2017-05",
            "last_month": "2018-02",
            "tables": ["requests"],
            "epsilon": "0.5",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and "months of one year" in page
    assert 'value="2018-02"' in page and not Release.objects.exists()


def test_it_shows_the_cost_then_publishes_through_the_views(desk: Desk) -> None:
    client = login(Client(), desk.coordinator)
    response = client.post(
        "/figures/manage/",
        {
            "first_month": "2017-05",
            "last_month": "2017-06",
            "tables": ["requests"],
            "epsilon": "0.25",
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Each number within" in page and "± 12" in page  # scale 4 at ε = 0.25
    release = Release.objects.get()
    page = client.post(f"/figures/manage/{release.pk}/publish/", follow=True).content.decode()
    assert "Published. The numbers are now public." in page


def test_it_shows_only_published_releases_publicly_without_a_cookie(desk: Desk) -> None:
    published = _prepare(desk, 0.3, ["requests"])
    actions.release_publish(actor_id=desk.coordinator.user.pk, release_id=published.pk)
    draft = _prepare(desk, 0.3, ["abroad"])
    visitor = Client()
    for path in ("/figures/", "/figures/en/"):
        response = visitor.get(path)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers and not response.cookies
        page = response.content.decode()
        assert str(published.pk) in page and str(draft.pk) not in page
        assert "<script" not in page and "csrfmiddlewaretoken" not in page
    assert "Requests, by month" in visitor.get("/figures/en/").content.decode()
    assert "Заявки по месяцам" in visitor.get("/figures/").content.decode()
    body = json.loads(visitor.get(f"/figures/{published.pk}.json").content)
    assert [v["category"] for v in body["values"]] == ["2017-05", "2017-06"]
    assert (
        visitor.get(f"/figures/{published.pk}.json").content
        == visitor.get(f"/figures/{published.pk}.json").content
    )
    csv_text = visitor.get(f"/figures/{published.pk}.csv").content.decode()
    assert csv_text.splitlines()[0] == "table,category,value,accuracy_95"
    for path in (f"/figures/{draft.pk}.json", f"/figures/{draft.pk}.csv"):
        assert visitor.get(path).status_code == 404
