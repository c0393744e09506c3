"""Donor reports: per source and period, each currency on its own, converted at recorded
rates; exports encrypted to the requesting user unless plain is deliberately chosen."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.test import Client
from django.utils import timezone

from conftest import login
from corridor.audit.models import AuditEntry
from corridor.cases.actions import expense_add
from corridor.lifecycle.agekeys import age_identity
from corridor.reports.models import DonorReport
from corridor.reports.money import funding_source_create
from corridor.vault.keyring import keyring_activated

from .conftest import Desk
from .test_home import _start


def _spend(desk: Desk) -> tuple[int, int]:
    grant = funding_source_create(actor_id=desk.coordinator.user.pk, code="grant-a", kind="grant")
    other = funding_source_create(actor_id=desk.coordinator.user.pk, code="OTHER", kind="donor")
    first, second = desk.cases(2, start=_start(), steps=1)
    day = timezone.localdate() - timedelta(days=1)
    with keyring_activated(desk.coordinator.keyring):
        for case, category, amount, currency, source in (
            (first, "housing", "100.00", "EUR", grant),
            (first, "food", "50.00", "EUR", grant),
            (second, "housing", "9000.00", "RUB", grant),
            (second, "medical", "999.00", "EUR", other),
        ):
            expense_add(
                actor_id=desk.coordinator.user.pk,
                case=case,
                category=category,
                amount=Decimal(amount),
                currency=currency,
                spent_on=day,
                funding_source_id=source.pk,
            )
    return grant.pk, other.pk


def _report(client: Client, grant_id: int, rates: str = "RUB=0.01") -> str:
    today = timezone.localdate()
    response = client.post(
        "/reports/donors/",
        {
            "source": grant_id,
            "start": f"{today:%Y}-01",
            "end": f"{today:%Y-%m}",
            "target_currency": "EUR",
            "rates": rates,
        },
    )
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def test_it_reports_a_source_per_currency_and_converted_at_the_recorded_rates(desk: Desk) -> None:
    grant_id, _other = _spend(desk)
    client = login(Client(), desk.coordinator)
    page = client.get(_report(client, grant_id)).content.decode()
    assert "Donor report: GRANT-A" in page
    assert "People helped: 2." in page
    assert "Total 150.00 EUR; people helped: 1; per person: 150.00 EUR." in page
    assert "Total 9000.00 RUB; people helped: 1" in page
    assert "Everything converted: 240.00 EUR, 120.00 EUR per person." in page
    assert "999" not in page  # another source's expense
    assert DonorReport.objects.get().rates == {"RUB": "0.01"}


def test_it_refuses_bad_rates_and_keeps_what_was_typed(desk: Desk) -> None:
    grant_id, _other = _spend(desk)
    client = login(Client(), desk.coordinator)
    response = client.post(
        "/reports/donors/",
        {"source": grant_id, "start": "2017-01", "end": "2017-03", "rates": "RUB=abc"},
    )
    page = response.content.decode()
    assert "Write each rate as CODE=number" in page and 'value="RUB=abc"' in page
    assert not DonorReport.objects.exists()


def test_it_exports_encrypted_to_the_requester_and_the_stock_age_tool_opens_it(
    desk: Desk, tmp_path: Path
) -> None:
    grant_id, _other = _spend(desk)
    client = login(Client(), desk.coordinator)
    location = _report(client, grant_id)
    response = client.post(location + "export/")
    assert response["Content-Disposition"].endswith('.csv.age"')
    assert b"GRANT-A" not in response.content
    (tmp_path / "report.age").write_bytes(response.content)
    (tmp_path / "me.key").write_text(age_identity(desk.coordinator.keyring.private_key) + "\n")
    opened = subprocess.run(
        ["age", "-d", "-i", str(tmp_path / "me.key"), str(tmp_path / "report.age")],
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert "category,EUR,Housing,100.00" in opened and "converted_total,EUR,,240.00" in opened
    assert AuditEntry.objects.filter(action="donor_report.export_age").exists()


def test_it_exports_plain_only_when_typed_and_audits_it(desk: Desk) -> None:
    grant_id, _other = _spend(desk)
    client = login(Client(), desk.coordinator)
    location = _report(client, grant_id)
    refused = client.post(location + "export/", {"plain": "yes", "confirm": ""})
    assert refused.status_code == 302
    assert not AuditEntry.objects.filter(action="donor_report.export_plain").exists()
    plain = client.post(location + "export/", {"plain": "yes", "confirm": "plain"})
    assert plain.content.startswith(b"source,GRANT-A")
    assert AuditEntry.objects.filter(
        action="donor_report.export_plain", actor_id=desk.coordinator.user.pk
    ).exists()
