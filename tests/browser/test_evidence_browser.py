"""Evidence in a real browser: a lawyer receives a file, builds a package for a UN body, reads
the redacted preview with a withdrawn testimony refused, exports it encrypted for the
recipient's age key, and the downloaded file opens with the stock `age` and validates with
the stock `bagit.py` and `minisign`. Nothing is asked of another origin (decision 0035).
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from conftest import Org
from corridor.accounts.roles import Role
from corridor.documentation import actions
from corridor.documentation.consent import consent_record, consent_withdraw
from corridor.documentation.tests.conftest import desk_build
from corridor.evidence.models import EvidenceItem, Package, PackageExport
from corridor.evidence.tests.test_packages import _run
from corridor.evidence.tests.test_screens import _bag_checked, _keygen
from corridor.vault.keyring import keyring_activated

from .conftest import Browsing
from .test_case_pipeline_browser import _log_in

pytestmark = pytest.mark.browser

SCAN = (
    b"%PDF-1.4 medical record of the examination, Marker-Browser-Scan\n" + bytes(range(256)) * 800
)


def _consent(lawyer: Any, testimony: Any) -> None:
    consent_record(
        actor_id=lawyer.user.pk,
        testimony=testimony,
        use="international",
        granted=True,
        anonymised=True,
        obtained_how="signed_form",
        obtained_on=date(2017, 5, 6),
        obtained_by="Hotline lawyer",
    )


@pytest.mark.django_db(transaction=True)
def test_it_receives_builds_previews_and_exports_a_package(
    org: Org, browsing: Browsing, settings: Any, tmp_path: Path
) -> None:
    # Given a lawyer of Documentation, a victim's testimony consented for international
    # bodies, anonymised, and a witness's testimony whose consent was withdrawn
    settings.CORRIDOR_EVIDENCE_DIR = tmp_path / "evidence"
    lawyer = org.staff("lawyer", Role.LAWYER, ("Documentation", "North"))
    with keyring_activated(lawyer.keyring):
        desk = desk_build(org, lawyer)
        _consent(lawyer, desk.testimony)
        witness = actions.person_create(
            actor_id=lawyer.user.pk,
            compartment=org.compartment("Documentation"),
            name="Witness Two",
            role="witness",
        )
        told = actions.testimony_create(
            actor_id=lawyer.user.pk,
            person=witness,
            text="I saw them taken.",
            language="ru",
            taken_by="Hotline",
            taken_on=date(2017, 5, 4),
        )
        _consent(lawyer, told)
        consent_withdraw(
            actor_id=lawyer.user.pk, testimony=told, use="international", reason="Fear"
        )
    scan = tmp_path / "record.pdf"
    scan.write_bytes(SCAN)
    page = browsing.page
    _log_in(browsing, lawyer)
    page.locator("header button", has_text="English").click()  # the site speaks Russian first

    # When they receive the medical record for the event
    page.locator("header nav a", has_text="Evidence").click()
    page.locator("main a", has_text="Receive an evidence file").click()
    page.locator("select[name=compartment]").select_option(label="Documentation")
    page.locator("input[name=file]").set_input_files(str(scan))
    page.locator("input[name=title]").fill("Medical record of the examination")
    page.locator("input[name=received_from]").fill("Clinic in Grozny")
    page.locator("select[name=received_how]").select_option("post")
    page.locator("input[name=received_on]").fill("2017-05-10")
    page.locator("select[name=event]").select_option(
        label=f"Detentions in Argun ({desk.event.period})"
    )
    page.locator("main button[type=submit]").click()
    # Then its page shows both hashes of exactly what was sent, and the receipt
    expect(page.locator("h1")).to_have_text("Medical record of the examination")
    expect(page.locator("main")).to_contain_text(hashlib.sha256(SCAN).hexdigest())
    expect(page.locator("main")).to_contain_text(hashlib.sha512(SCAN).hexdigest())
    expect(page.locator("#custody")).to_contain_text("Clinic in Grozny")
    browsing.screenshot("evidence-item")
    item = EvidenceItem.objects.get()

    # When they make a package for a UN body and choose what it holds
    page.goto(browsing.url("/evidence/"))
    page.locator("main a", has_text="New package").click()
    page.locator("select[name=compartment]").select_option(label="Documentation")
    page.locator("select[name=recipient_kind]").select_option("international")
    page.locator("input[name=recipient]").fill("UN Working Group on Enforced Disappearances")
    page.locator("select[name=language]").select_option("en")
    page.locator("main button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("UN Working Group on Enforced Disappearances")
    page.locator(f"input[name=event][value='{desk.event.pk}']").check()
    page.locator(f"input[name=testimony][value='{desk.testimony.pk}']").check()
    page.locator(f"input[name=testimony][value='{told.pk}']").check()
    page.locator(f"input[name=item][value='{item.pk}']").check()
    page.locator("main button[type=submit]").click()

    # Then the preview is redacted and the withdrawn testimony is refused, with the reason
    preview = page.locator("#preview")
    expect(preview).to_contain_text("Person A")
    expect(preview).to_contain_text("They held us in the basement.")
    expect(preview).to_contain_text("Medical record of the examination")
    expect(preview).not_to_contain_text("Victim One")
    expect(page.locator("#refused")).to_contain_text("withdrawn")
    expect(page.locator("#refused")).not_to_contain_text("Nothing refused")
    expect(page.locator("#public-key")).to_contain_text("minisign public key")
    browsing.screenshot("evidence-package-preview")
    assert not PackageExport.objects.exists()  # nothing signed or sent yet

    # When they export it encrypted for the recipient's age key (a typo first)
    key_file, public = _keygen(tmp_path)
    page.locator("textarea[name=recipients]").fill("age1typo")
    page.locator("#export button[type=submit]").click()
    expect(page.locator(".error-summary")).to_contain_text("not an age public key")
    page.locator("textarea[name=recipients]").fill(public)
    with page.expect_download() as downloading:
        page.locator("#export button[type=submit]").click()
    download = downloading.value
    package = Package.objects.get()
    assert download.suggested_filename == f"package-{package.pk}.tar.age"
    encrypted = tmp_path / download.suggested_filename
    download.save_as(str(encrypted))

    # Then the stock age opens it, and bagit.py and minisign find the bag intact
    tar_path = tmp_path / "package.tar"
    result = _run("age", "-d", "-i", str(key_file), "-o", str(tar_path), str(encrypted))
    assert result.returncode == 0, result.stderr
    bag = _bag_checked(tar_path, tmp_path)
    assert (bag / "data" / "files" / f"{item.pk}.pdf").read_bytes() == SCAN
    description = (bag / "data" / "package.json").read_text()
    assert "Victim One" not in description and "Witness Two" not in description
    assert PackageExport.objects.get().encrypted
    assert browsing.foreign_requests() == []
