"""The documentation's withdrawal page lists the packages that already carried the testimony,
with their recipients, through the evidence app's `exports_carrying` (decision 0020)."""

from __future__ import annotations

from datetime import date

from django.test import Client

from conftest import login
from corridor.documentation.consent import consent_record
from corridor.evidence.actions import item_receive, package_choose, package_create
from corridor.evidence.packages import package_export_plain
from corridor.vault.reads import reads_ledger


def test_withdrawal_page_lists_the_packages_that_carried_it(desk, tmp_path):
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
    docs = desk.org.compartment("Documentation")
    item = item_receive(
        actor_id=desk.lawyer.user.pk,
        compartment=docs,
        pieces=[b"scan"],
        title="Scan",
        original_name="scan.png",
        media_type="image/png",
        received_from="Victim",
        received_how="in_person",
        testimony=desk.testimony,
    )
    package = package_create(
        actor_id=desk.lawyer.user.pk,
        compartment=docs,
        recipient="District court of Grozny",
        recipient_kind="court",
        language="ru",
    )
    package_choose(actor_id=desk.lawyer.user.pk, package=package, chosen=[("item", item.pk)])
    with reads_ledger():
        package_export_plain(actor_id=desk.lawyer.user.pk, package=package, out=tmp_path / "b")
    client = login(Client(), desk.lawyer)
    done = client.post(
        f"/documentation/testimonies/{desk.testimony.pk}/withdraw/",
        {"withdraw-use": "court", "withdraw-reason": "afraid"},
    )
    page = done.content.decode()
    assert done.status_code == 200
    assert str(package.pk) in page and "District court of Grozny" in page
