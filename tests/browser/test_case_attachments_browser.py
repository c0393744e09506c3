"""The files a request carried into its case, in a real browser (decision 0040): the case page
draws the photo from this origin under its policy, and the PDF opens in the browser's own
viewer, inline, without a download, with no policy violation reported; the desk opens the
request's files the same way."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from corridor.audit.models import AuditEntry
from corridor.cases.models import CaseAttachment
from corridor.intake.tests.images import jpeg_with_gps, pdf_with_metadata
from corridor.triage.tests.conftest import Desk, desk  # noqa: F401 (the fixture)
from corridor.triage.tests.test_carry import _accepted

from .conftest import Browsing
from .test_case_pipeline_browser import _log_in

pytestmark = pytest.mark.browser


def _watch(browsing: Browsing) -> tuple[list[str], list[str], list[str]]:
    """(responses refused by this origin, policy violations, downloads) of the page."""
    failed: list[str] = []
    refused: list[str] = []
    downloads: list[str] = []
    page = browsing.page
    page.on(
        "response",
        lambda r: failed.append(r.url) if r.status >= 400 and "favicon" not in r.url else None,
    )
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on("download", lambda d: downloads.append(d.url))
    return failed, refused, downloads


@pytest.mark.django_db(transaction=True)
def test_it_shows_the_photo_on_the_case_page_and_opens_the_pdf_inline(
    desk: Desk,  # noqa: F811
    browsing: Browsing,
) -> None:
    # Given a request with a photo and a PDF, accepted into North
    case = _accepted(desk)
    image = CaseAttachment.objects.get(case=case, media_type="image/jpeg")
    pdf = CaseAttachment.objects.get(case=case, media_type="application/pdf")
    page = browsing.page
    failed, refused, downloads = _watch(browsing)
    _log_in(browsing, desk.caseworker)
    page.locator("header button", has_text="English").click()
    # When a caseworker of North opens the case page
    page.goto(browsing.url(f"/cases/{case.pk}/"))
    photo = page.locator("#attachments img.attachment")
    expect(photo).to_be_visible()
    page.wait_for_function("document.querySelector('#attachments img.attachment').complete")
    # Then the photo is drawn, from this origin, and nothing was refused
    assert photo.evaluate("img => img.naturalWidth") > 0
    browsing.screenshot("case-attachments")
    assert failed == [] and refused == []
    # When they open the PDF from the page
    page.locator("#attachments a", has_text="(PDF)").click()
    page.wait_for_url(f"**/attachments/{pdf.pk}/")
    page.wait_for_load_state("load")
    # Then the browser's viewer shows it inline: no download, no policy violation
    page.wait_for_timeout(1000)  # the viewer loads after the document; let it report
    browsing.screenshot("case-attachment-pdf")
    assert downloads == []
    assert refused == [], refused
    assert page.evaluate("document.contentType") == "application/pdf"
    # (Chromium's viewer is its built-in extension, in a frame of the document)
    assert any(f.url.startswith("chrome-extension://") for f in page.frames)
    assert failed == []
    # (the viewer's own files come from inside the browser, not from any network)
    inside = ("chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/", "chrome://resources/")
    assert [u for u in browsing.foreign_requests() if not u.startswith(inside)] == []
    # And each view was an audited read
    viewed = AuditEntry.objects.filter(action="case_attachment.view")
    assert {str(image.pk), str(pdf.pk)} <= set(viewed.values_list("object_id", flat=True))


@pytest.mark.django_db(transaction=True)
def test_the_desk_opens_a_requests_files_in_the_browser(
    desk: Desk,  # noqa: F811
    browsing: Browsing,
) -> None:
    # Given a request with a photo and a PDF, waiting at the desk
    request = desk.submit(
        message="Фото и справка",
        attachments=[("фото.jpg", jpeg_with_gps()), ("справка.pdf", pdf_with_metadata())],
    )
    page = browsing.page
    failed, refused, downloads = _watch(browsing)
    _log_in(browsing, desk.first)
    page.locator("header button", has_text="English").click()
    page.goto(browsing.url(f"/triage/{request.pk}/"))
    links = page.locator("a", has_text="Open in the browser")
    assert links.count() == 2
    kinds = set()
    for index in range(2):
        # When a desk member opens each file from the request page
        page.goto(browsing.url(f"/triage/{request.pk}/"))
        page.locator("a", has_text="Open in the browser").nth(index).click()
        page.wait_for_url("**/view/")
        page.wait_for_load_state("load")
        page.wait_for_timeout(500)
        kinds.add(page.evaluate("document.contentType"))
    # Then the browser shows both itself, with no download and no policy violation
    assert kinds == {"image/jpeg", "application/pdf"}
    assert downloads == [] and refused == [] and failed == []
    assert AuditEntry.objects.filter(action="triage.attachment_view").count() == 2
