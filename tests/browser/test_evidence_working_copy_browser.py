"""An evidence photograph in a real browser (decision 0036): the item page shows the working
copy as an image from this origin, under the page's policy, with no console error; the view
is in the custody trail; the original's download is the file as received, GPS and all."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import Org
from corridor.accounts.roles import Role
from corridor.documentation.tests.conftest import desk_build
from corridor.evidence.actions import item_receive
from corridor.evidence.models import CustodyEvent
from corridor.evidence.tests.test_working_copy import GPS_MARK, gps_jpeg
from corridor.vault.keyring import keyring_activated

from .conftest import Browsing
from .test_case_pipeline_browser import _log_in

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_it_shows_the_working_copy_and_downloads_the_original(
    org: Org, browsing: Browsing, settings, tmp_path
) -> None:
    # Given a lawyer and a photograph received with its GPS position in its EXIF
    settings.CORRIDOR_EVIDENCE_DIR = tmp_path / "evidence"
    lawyer = org.staff("lawyer", Role.LAWYER, ("Documentation", "North"))
    original = gps_jpeg()
    with keyring_activated(lawyer.keyring):
        desk = desk_build(org, lawyer)
        item = item_receive(
            actor_id=lawyer.user.pk,
            compartment=org.compartment("Documentation"),
            pieces=[original],
            title="Bruises, left forearm",
            original_name="IMG_0001.jpg",
            media_type="image/jpeg",
            received_from="The victim, in person",
            received_how="in_person",
            testimony=desk.testimony,
        )
    page = browsing.page
    failed: list[str] = []  # what this origin refused to serve (the favicon aside)
    page.on(
        "response",
        lambda r: failed.append(r.url) if r.status >= 400 and "favicon" not in r.url else None,
    )
    refused: list[str] = []  # anything the page's policy blocked
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    _log_in(browsing, lawyer)
    page.locator("header button", has_text="English").click()
    # When they open the item page
    page.goto(browsing.url(f"/evidence/items/{item.pk}/"))
    image = page.locator("#working-copy img")
    expect(image).to_be_visible()
    # Then the working copy is drawn (decoded, 64 pixels wide), and nothing was refused
    page.wait_for_function("document.querySelector('#working-copy img').complete")
    assert image.evaluate("img => img.naturalWidth") == 64
    assert failed == [] and refused == []
    browsing.screenshot("evidence-working-copy")
    # And the view is in the custody trail, said to be of the working copy
    viewed = CustodyEvent.objects.filter(item=item, action="viewed")
    assert viewed.count() == 1
    # When they download the evidentiary copy
    with page.expect_download() as downloading:
        page.locator("#download-original").click()
    kept = downloading.value.path().read_bytes()
    # Then it is the file as received, byte for byte, its GPS marker still in it
    assert kept == original and GPS_MARK in kept
    assert CustodyEvent.objects.filter(item=item, action="downloaded").count() == 1
    assert browsing.foreign_requests() == []
