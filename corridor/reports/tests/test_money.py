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


def _keygen(tmp_path: Path, name: str) -> tuple[Path, str]:
    """A key pair made by the stock `age-keygen`: the identity file and its `age1...`."""
    path = tmp_path / f"{name}.key"
    subprocess.run(["age-keygen", "-o", str(path)], capture_output=True, check=True)
    recipient = next(
        line.split(": ", 1)[1]
        for line in path.read_text().splitlines()
        if line.startswith("# public key: ")
    )
    return path, recipient


def _age_decrypt(identity: Path, data: bytes, tmp_path: Path) -> subprocess.CompletedProcess:
    (tmp_path / "report.age").write_bytes(data)
    return subprocess.run(
        ["age", "--decrypt", "-i", str(identity), str(tmp_path / "report.age")],
        capture_output=True,
    )


def test_it_exports_encrypted_to_the_requesters_own_age_key_and_only_their_identity_opens_it(
    desk: Desk, tmp_path: Path
) -> None:
    grant_id, _other = _spend(desk)
    mine, recipient = _keygen(tmp_path, "mine")
    someone_elses, _theirs = _keygen(tmp_path, "theirs")
    client = login(Client(), desk.coordinator)
    registered = client.post("/accounts/me/age-key/", {"age_recipient": recipient})
    assert registered.status_code == 302, registered.content[:500]
    location = _report(client, grant_id)
    assert recipient in client.get(location).content.decode()
    response = client.post(location + "export/")
    assert response["Content-Disposition"].endswith('.csv.age"')
    assert b"GRANT-A" not in response.content and b"Housing" not in response.content
    opened = _age_decrypt(mine, response.content, tmp_path)
    assert opened.returncode == 0, opened.stderr
    text = opened.stdout.decode()
    assert "category,EUR,Housing,100.00" in text and "converted_total,EUR,,240.00" in text
    refused = _age_decrypt(someone_elses, response.content, tmp_path)
    assert refused.returncode != 0 and b"Housing" not in refused.stdout
    assert AuditEntry.objects.filter(
        action="donor_report.export_age", actor_id=desk.coordinator.user.pk
    ).exists()


def test_without_a_registered_key_it_exports_nothing_and_says_how_to_register_one(
    desk: Desk,
) -> None:
    grant_id, _other = _spend(desk)
    client = login(Client(), desk.coordinator)
    location = _report(client, grant_id)
    page = client.get(location).content.decode()
    assert 'href="/accounts/me/age-key/"' in page and "age-keygen" in page
    response = client.post(location + "export/", follow=True)
    text = response.content.decode()
    assert "You have not registered an age key" in text and "/accounts/me/age-key/" in text
    assert response.redirect_chain[-1][0] == location
    assert not AuditEntry.objects.filter(action__startswith="donor_report.export").exists()


def test_it_exports_to_a_typed_key_audited_by_its_own_name_and_refuses_a_bad_one(
    desk: Desk, tmp_path: Path
) -> None:
    grant_id, _other = _spend(desk)
    theirs, recipient = _keygen(tmp_path, "theirs")
    client = login(Client(), desk.coordinator)
    location = _report(client, grant_id)
    broken = recipient[:-1] + ("q" if recipient[-1] != "q" else "p")  # the checksum fails
    bad = client.post(location + "export/", {"recipient": broken}, follow=True)
    assert "This is not an age public key" in bad.content.decode()
    assert not AuditEntry.objects.filter(action__startswith="donor_report.export").exists()
    response = client.post(location + "export/", {"recipient": recipient})
    opened = _age_decrypt(theirs, response.content, tmp_path)
    assert opened.returncode == 0 and b"GRANT-A" in opened.stdout
    assert AuditEntry.objects.filter(action="donor_report.export_age_typed").count() == 1
    assert not AuditEntry.objects.filter(action="donor_report.export_age").exists()


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
