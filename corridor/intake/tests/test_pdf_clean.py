"""Cleaned PDFs hold only what their pages draw: no script, action, form, annotation,
embedded file or metadata survives, whatever points at it (finding 7 of issue 9; T7, T4)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, NumberObject, StreamObject

from corridor.intake.attachments import attachment_clean

from .images import CAMERA, GPS_IFD
from .pdfs import CONSTRUCTS, FORBIDDEN_KEYS, FORM_DRAWING, VISIBLE_TEXT, pdf_with, reachable


def _leftovers(cleaned: bytes, markers: list[str]) -> list[str]:
    """Every forbidden key and every marker found in the bytes or any reachable object."""
    found = [f"bytes: {m}" for m in markers if m.encode() in cleaned]
    for where, value in reachable(cleaned):
        if isinstance(value, DictionaryObject):
            found += [f"{where}: key {k}" for k in value if k in FORBIDDEN_KEYS]
            if value.get("/S") == "/JavaScript":
                found.append(f"{where}: a JavaScript action")
        texts = [value] if isinstance(value, str) else []
        texts += [value.decode("latin-1")] if isinstance(value, bytes) else []
        found += [f"{where}: {m}" for m in markers for text in texts if m in text]
    return found


def _page_survives(cleaned: bytes) -> None:
    """The page still draws its text, its form and its photo, on the same boxes."""
    reader = PdfReader(io.BytesIO(cleaned))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert VISIBLE_TEXT in page.get_contents().get_data()  # type: ignore[union-attr]
    assert [float(v) for v in page.mediabox] == [0, 0, 300, 400]
    assert [float(v) for v in page.cropbox] == [10, 10, 290, 390] and page.rotation == 90
    resources: Any = page["/Resources"]
    assert resources["/Font"]["/F1"]["/BaseFont"] == "/Helvetica"
    form = resources["/XObject"]["/Fm0"]
    assert isinstance(form, StreamObject) and form.get_data() == FORM_DRAWING
    photo = Image.open(io.BytesIO(resources["/XObject"]["/Im0"].get_data()))
    photo.load()
    assert photo.size == (64, 48) and not photo.getexif().get_ifd(GPS_IFD)
    root: Any = reader.trailer["/Root"]
    assert set(root.keys()) == {"/Type", "/Pages"}
    assert "/Info" not in reader.trailer and "/ID" not in reader.trailer


@pytest.mark.parametrize("construct", list(CONSTRUCTS))
def test_it_keeps_no_trace_of_each_construct(construct: str) -> None:
    # Given a PDF whose one page is drawn normally, carrying one construct with its markers
    original, markers = pdf_with(construct)
    before = " ".join(_leftovers(original, markers))
    assert all(m in before for m in markers), before
    # When it is cleaned
    cleaned = attachment_clean("statement.pdf", original).content
    # Then no marker and no forbidden key remains anywhere, and the page is intact
    assert _leftovers(cleaned, markers) == []
    _page_survives(cleaned)


def test_it_rebuilds_a_pdf_that_carries_every_construct_at_once() -> None:
    # Given the downloaded file of the review: scripts, XFA, XMP on the catalogue, a page and
    # a form XObject, annotations, an embedded file, and keys pointing back at the catalogue
    original, markers = pdf_with()
    before = _leftovers(original, markers)
    assert any("MarkerXmpForm" in f for f in before) and any("/OpenAction" in f for f in before)
    # When it is cleaned
    cleaned = attachment_clean("statement.pdf", original).content
    # Then only the page and what it draws with remain
    assert _leftovers(cleaned, markers) == []
    _page_survives(cleaned)
    assert b"xmpmeta" not in cleaned and b"/JavaScript" not in cleaned


def test_it_removes_the_exif_of_a_photo_inside_a_pdf() -> None:
    # Given a PDF whose page draws a JPEG photo carrying its camera and a GPS position
    original, _markers = pdf_with("document-info")
    assert CAMERA.encode() in original
    # When it is cleaned
    cleaned = attachment_clean("scan.pdf", original).content
    # Then the photo is still drawn, without its EXIF segment
    assert CAMERA.encode() not in cleaned and b"Exif" not in cleaned
    _page_survives(cleaned)


def test_it_keeps_the_page_tree_attributes_a_page_inherits() -> None:
    # Given a PDF whose page inherits its box and its rotation from the page tree
    writer = PdfWriter()
    page = writer.add_blank_page(100, 150)
    box = page["/MediaBox"]
    del page["/MediaBox"]
    pages: Any = writer._root_object["/Pages"]
    pages[NameObject("/MediaBox")] = box
    pages[NameObject("/Rotate")] = NumberObject(180)
    out = io.BytesIO()
    writer.write(out)
    # When it is cleaned, then the page carries them itself
    cleaned = PdfReader(io.BytesIO(attachment_clean("x.pdf", out.getvalue()).content))
    assert [float(v) for v in cleaned.pages[0].mediabox] == [0, 0, 100, 150]
    assert cleaned.pages[0].rotation == 180
