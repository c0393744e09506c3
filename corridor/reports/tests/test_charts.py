"""Charts: SVG from this origin with no script and no link, and the same numbers as a table."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from django.test import Client
from django.utils import timezone

from conftest import login
from corridor.cases.actions import expense_add
from corridor.reports.charts import Chart, chart_svg
from corridor.vault.keyring import keyring_activated

from .conftest import Desk
from .test_home import _start

PERIOD = {"start": "2000-01", "end": "2040-12"}


def _period_now() -> dict[str, str]:
    today = timezone.localdate()
    return {"start": f"{today:%Y}-01", "end": f"{today:%Y-%m}"}


def test_it_draws_an_svg_without_script_link_or_comment() -> None:
    svg = chart_svg(
        Chart("Воронка <b>", "Шаг", "Дела", ["a", "b"], [("Дела", [3, 1]), ("x", [1, None])])
    ).decode()
    assert svg.startswith("<?xml") and "<svg" in svg
    assert "<script" not in svg and "href" not in svg and "<!--" not in svg
    assert not re.search(r"https?://(?!www\.w3\.org/)", svg)
    assert "url(" not in svg and "@import" not in svg
    assert "Воронка &lt;b&gt;" in svg  # text escaped, never markup


def test_it_serves_each_chart_as_svg_with_its_own_policy(desk: Desk) -> None:
    desk.cases(3, start=_start())
    client = login(Client(), desk.coordinator)
    for kind in ("funnel", "stages", "occupancy", "stage_time"):
        response = client.get(f"/reports/charts/{kind}.svg", _period_now())
        assert response.status_code == 200, kind
        assert response["Content-Type"] == "image/svg+xml"
        assert response["Content-Security-Policy"].startswith("default-src 'none'")
        assert b"<script" not in response.content
    assert client.get("/reports/charts/nothing.svg").status_code == 404


def test_it_shows_every_chart_with_its_numbers_as_a_table(desk: Desk) -> None:
    (case, *_rest) = desk.cases(3, start=_start(), steps=3)
    with keyring_activated(desk.coordinator.keyring):
        expense_add(
            actor_id=desk.coordinator.user.pk,
            case=case,
            category="housing",
            amount=Decimal("120.50"),
            currency="EUR",
            spent_on=timezone.localdate() - timedelta(days=1),
        )
    page = login(Client(), desk.coordinator).get("/reports/charts/", _period_now()).content.decode()
    for title in (
        "The funnel",
        "Cases entering each stage, by month",
        "Shelter beds taken, week by week",
        "Median days at each stage, per destination",
        "Spending by category and month, in EUR",
    ):
        assert title in page
    assert '<th scope="row">Evacuated</th><td>3</td>' in page
    assert "120.5" in page
    assert "/reports/charts/spending.svg?" in page and "currency=EUR" in page
    assert not re.search(r'(src|href)="(https?:)?//', page)


def test_it_titles_the_charts_in_russian(desk: Desk) -> None:
    client = login(Client(), desk.coordinator, language="ru")
    svg = client.get("/reports/charts/funnel.svg", _period_now()).content.decode()
    assert "Воронка" in svg and "Дела" in svg
