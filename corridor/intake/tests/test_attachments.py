"""Attachments: type from content, metadata gone, bad files refused with a message."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfReader

from corridor.intake import image_clean
from corridor.intake.attachments import CleanFile, attachment_clean
from corridor.intake.sealing import FILE_BLOCK, file_seal, file_unseal
from corridor.vault import crypto

from .images import CAMERA, GPS_IFD, jpeg_with_gps, pdf_with_metadata, png_with_text


def test_it_removes_exif_and_gps_from_a_photo() -> None:
    # Given a JPEG carrying the camera, a GPS position and a comment
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)
    # When it is cleaned
    clean = attachment_clean("IMG_0001.jpg", original)
    # Then the result is a JPEG with no EXIF, no GPS, no comment, and turned upright
    image = Image.open(io.BytesIO(clean.content))
    assert image.format == "JPEG" and clean.content_type == "image/jpeg"
    assert not image.getexif() and "exif" not in image.info and "comment" not in image.info
    assert CAMERA.encode() not in clean.content and b"MarkerComment" not in clean.content
    assert image.size == (48, 64)  # the EXIF orientation was applied before it was dropped


def test_it_removes_text_chunks_from_a_png() -> None:
    clean = attachment_clean("drawing.png", png_with_text())
    image = Image.open(io.BytesIO(clean.content))
    assert image.format == "PNG" and not image.info.get("Author")
    assert b"Marker" not in clean.content


def test_it_strips_document_information_xmp_and_scripts_from_a_pdf() -> None:
    # Given a PDF with an author, a title, XMP metadata, page metadata and an open action
    original = pdf_with_metadata()
    assert b"MarkerAuthor" in original and b"MarkerXmp" in original
    # When it is cleaned
    clean = attachment_clean("statement.pdf", original)
    # Then none of them remains, and it is still a readable PDF with its page
    for marker in (b"MarkerAuthor", b"MarkerTitle", b"MarkerXmp", b"MarkerScript", b"MarkerPiece"):
        assert marker not in clean.content
    reader = PdfReader(io.BytesIO(clean.content))
    assert len(reader.pages) == 1 and not reader.metadata
    assert "/OpenAction" not in reader.trailer["/Root"].get_object()  # type: ignore[operator]


def test_it_finds_the_type_from_the_content_not_the_name() -> None:
    # Given a PDF named like a photo, and text named like a photo
    as_pdf = attachment_clean("holiday.jpg", pdf_with_metadata())
    # Then the first is taken as a PDF and renamed, and the second is refused
    assert as_pdf.content_type == "application/pdf" and as_pdf.filename == "holiday.pdf"
    with pytest.raises(ValidationError, match="Only images"):
        attachment_clean("photo.jpg", b"#!/bin/sh\nrm -rf /\n")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "could not be read"),  # a corrupt JPEG
        (b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, "could not be read"),
        (b"%PDF-1.7\n" + b"garbage" * 10, "could not be read"),
        (b"\xff\xd8\xff" + b"\x00" * (5 * 1024 * 1024), "larger than 5 MB"),
    ],
    ids=["empty", "corrupt-jpeg", "corrupt-png", "corrupt-pdf", "too-large"],
)
def test_it_refuses_a_bad_file_with_a_message(data: bytes, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        attachment_clean("file", data)


def test_it_refuses_a_decompression_bomb(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a limit lower than an image's pixel count
    monkeypatch.setattr(image_clean, "MAX_PIXELS", 100)
    with pytest.raises(ValidationError, match="too large"):
        attachment_clean("big.png", png_with_text())


def test_it_keeps_no_path_in_a_file_name() -> None:
    clean = attachment_clean("C:\\Users\\ivan\\..\\secret/../x:y*.png", png_with_text())
    assert clean.filename == "xy.png"


@settings(max_examples=25, deadline=None)
@given(content=st.binary(max_size=3000), name=st.text(max_size=80))
def test_it_opens_a_sealed_file_as_it_was(content: bytes, name: str) -> None:
    # Given any file sealed to an intake key
    public, private = crypto.keypair_generate()
    name = name.encode("utf-8", "replace").decode("utf-8")
    sealed, kib = file_seal(public, CleanFile(name, "image/png", content))
    # Then its length shows only the padded size, and the private key opens it unchanged
    assert (len(sealed) - 48) % FILE_BLOCK == 0 and kib * 1024 == len(sealed) - 48
    assert file_unseal(private, sealed) == CleanFile(name, "image/png", content)
