"""Small files that cost a lot to clean: priced before they are decoded, bounded per file, per
request and per hour, cleaned in a confined child a few at a time (finding 2 of issue 9, T5).
"""

from __future__ import annotations

import errno
import io
import os
import resource
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.test import Client
from django.utils import translation
from PIL import Image

from corridor.intake import attachments, cleaning, limits
from corridor.intake.attachments import attachment_clean
from corridor.intake.models import RateBucket, Submission, SubmissionAttachment

from .conftest import Desk
from .images import jpeg_of_size, jpeg_with_gps, png_of_size
from .pdfs import pdf_listing_one_page, pdf_of_numbers, pdf_of_pages

FIELDS = {"message": "Помогите, пожалуйста.", "threat": "family", "urgency": "now"}


def _with_peak_growth(work: Callable[[], str]) -> tuple[str, int]:
    """What `work` returned, and how far it pushed this process's peak memory (MiB)."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = work()
    return result, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024


def _refused(data: bytes, name: str = "file") -> str:
    with pytest.raises(ValidationError) as refused:
        attachment_clean(name, data)
    return str(refused.value.messages[0])


def _size(content: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(content)).size


def _post(path: str, files: list[tuple[str, bytes]]) -> Any:
    uploads = [SimpleUploadedFile(name, data) for name, data in files]
    return Client(HTTP_ORIGIN="http://testserver").post(path, {**FIELDS, "attachments": uploads})


def _nothing_stored() -> bool:
    return not Submission.objects.exists() and not SubmissionAttachment.objects.exists()


# --- one file -------------------------------------------------------------------------------


def test_it_refuses_a_small_png_that_would_decode_to_160_mb() -> None:
    # Given the review's PNG: 126 KB declaring 6,320 x 6,320 pixels (under 40 megapixels)
    bomb = png_of_size(6320, 6320)
    assert len(bomb) < 200 * 1024
    # When it is sent, then it is refused from its header, and this process never held it
    message, growth = _with_peak_growth(lambda: _refused(bomb))
    assert "too many pixels" in message and growth < 50


def test_it_decodes_a_large_jpeg_at_a_reduced_size() -> None:
    # Given a 6,320 x 6,320 JPEG photo (160 MB once decoded at full size)
    photo = jpeg_of_size(6320, 6320)
    # When it is cleaned, then libjpeg decoded it at half its size, and that is what is kept
    clean = attachment_clean("big.jpg", photo)
    assert clean.content_type == "image/jpeg" and _size(clean.content) == (3160, 3160)


def test_it_keeps_a_phone_photo_at_its_full_size() -> None:
    # Given 12-megapixel photos as phones take them, baseline and progressive
    for progressive in (False, True):
        photo = jpeg_of_size(4032, 3024, progressive=progressive)
        # Then they are kept at their size
        assert _size(attachment_clean("IMG.jpg", photo).content) == (4032, 3024)


def test_it_refuses_a_progressive_jpeg_whose_decoding_buffers_pass_the_budget() -> None:
    # Given a progressive JPEG of 6,320 x 6,320: libjpeg keeps every coefficient of it in
    # memory (120 MB) whatever size it is asked to decode at
    bomb = jpeg_of_size(6320, 6320, progressive=True)
    # Then it is refused before it is decoded
    assert "too many pixels" in _refused(bomb)


def test_it_refuses_a_webp_whose_decoder_would_pass_the_budget() -> None:
    # Given a 2,600 x 2,600 WebP (libwebp holds about 16 bytes a pixel while decoding)
    out = io.BytesIO()
    Image.new("RGB", (2600, 2600), (10, 20, 30)).save(out, format="WEBP", quality=50)
    # Then it is refused, and a smaller one is kept as a JPEG
    assert "too many pixels" in _refused(out.getvalue())
    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), (10, 20, 30)).save(out, format="WEBP", quality=50)
    assert _size(attachment_clean("a.webp", out.getvalue()).content) == (1600, 1200)


def test_it_refuses_a_pdf_with_more_pages_than_allowed() -> None:
    assert len(attachment_clean("ok.pdf", pdf_of_pages(attachments.MAX_PDF_PAGES)).content)
    assert "more than 100 pages" in _refused(pdf_of_pages(attachments.MAX_PDF_PAGES + 1))


def test_it_refuses_the_50000_page_pdf_without_walking_its_pages() -> None:
    # Given the review's 50,000-page PDF: one page listed 50,000 times in its page tree
    bomb = pdf_listing_one_page(50_000)
    # Then it is refused as too long, by a walk that stops at the limit
    assert "more than 100 pages" in _refused(bomb)


def test_it_stops_a_parser_that_outgrows_the_memory_of_its_child(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a 9 KB PDF whose object stream unpacks into 4 million numbers (pypdf builds
    # over 500 MB of objects for them), and a child allowed 32 MB and all the time it wants
    monkeypatch.setattr(cleaning, "CHILD_MEMORY", 32 * 1024 * 1024)
    monkeypatch.setattr(cleaning, "CHILD_CPU_SECONDS", 120)
    monkeypatch.setattr(cleaning, "CHILD_WALL_SECONDS", 120)
    monkeypatch.setattr(attachments, "CLEANING_SECONDS", 120)  # nor a deadline on a busy machine
    bomb = pdf_of_numbers(40, 99_000, compressed=True)
    assert len(bomb) < 10 * 1024
    # When it is sent, then the child runs out of memory and the file is refused,
    # while this process did not grow
    message, growth = _with_peak_growth(lambda: _refused(bomb))
    assert "too complex" in message and growth < 50


def test_it_stops_a_parser_that_runs_past_the_cpu_time_of_its_child(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a 4.7 MB PDF of 2.4 million numbers (14 s of pypdf on this machine), and a child
    # allowed all the memory it wants and one second of CPU
    monkeypatch.setattr(cleaning, "CHILD_MEMORY", 4 * 1024 * 1024 * 1024)
    monkeypatch.setattr(cleaning, "CHILD_CPU_SECONDS", 1)
    monkeypatch.setattr(cleaning, "CHILD_WALL_SECONDS", 120)
    monkeypatch.setattr(attachments, "CLEANING_SECONDS", 120)  # nor a deadline on a busy machine
    # Then the kernel stops the child and the file is refused
    assert "too complex" in _refused(pdf_of_numbers(40, 60_000, compressed=False))


def test_it_lets_the_cleaning_child_write_no_file_and_dump_no_core(tmp_path: Path) -> None:
    # Given a child confined as the cleaning children are (T1: a crashing parser must leave
    # no copy of a photo on disk)
    target = tmp_path / "copy.jpg"
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            cleaning._child_confine({write})
            os.write(write, b"core %d %d; " % resource.getrlimit(resource.RLIMIT_CORE))
            try:
                with open(target, "wb") as copy:
                    copy.write(b"the photo")
            except OSError as error:  # Python ignores SIGXFSZ: the write fails with EFBIG
                os.write(write, b"write %d" % (error.errno or 0))
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read, "rb") as pipe:
        report = pipe.read()
    # Then it may dump no core, and writing a file fails before a byte is written
    assert report == b"core 0 0; write %d" % errno.EFBIG
    assert not target.exists() or target.stat().st_size == 0


# --- one request, one hour, one machine -----------------------------------------------------


@pytest.mark.parametrize("language", ["ru", "en"])
def test_it_bounds_what_the_files_of_one_request_decode_together(desk: Desk, language: str) -> None:
    # Given a photo and four PNGs of 100 KB each, each within the budget of one file (92 MiB
    # decoded) but together over the budget of a request (320 MiB)
    files = [("IMG.jpg", jpeg_with_gps())] + [
        (f"{n}.png", png_of_size(5000, 4800)) for n in range(4)
    ]
    # When they are sent with a request
    response = _post("/help/" if language == "ru" else "/help/en/", files)
    # Then the request is refused in the requester's language, and nothing is stored
    with translation.override(language):
        expected = str(attachments.REFUSALS["request_too_heavy"])
    page = response.content.decode()
    assert response.status_code == 200 and expected in page and "codename-shown" not in page
    assert _nothing_stored()


def test_it_counts_the_decoded_size_not_the_stored_size_in_the_hourly_limit(
    desk: Desk, settings: Any
) -> None:
    # Given an hourly limit on decoding of 1,280 MiB (80 MiB a shard), and the default
    # limit on stored volume (2 GiB)
    settings.CORRIDOR_INTAKE_LIMITS = {"decoded_mib_per_hour": 16 * 80}
    # When a 100 KB PNG that decodes to 92 MiB is sent
    refused = _post("/help/en/", [("big.png", png_of_size(5000, 4800))])
    # Then it is refused by its decoded size, though what it stores is tiny
    assert refused.status_code == 429 and "too many files" in refused.content.decode()
    assert _nothing_stored()
    # And one that decodes to 60 MiB is accepted and counted by its decoded size
    accepted = _post("/help/en/", [("ok.png", png_of_size(4000, 3900))])
    assert accepted.status_code == 200 and Submission.objects.count() == 1
    decoded = RateBucket.objects.filter(scope=limits.DECODED_MIB).aggregate(n=Sum("count"))
    stored = RateBucket.objects.filter(scope=limits.ATTACHMENT_KIB).aggregate(n=Sum("count"))
    assert decoded["n"] == 60 and stored["n"] == 64  # MiB decoded; KiB sealed (one block)


def test_it_counts_the_decoding_of_a_request_refused_afterwards(desk: Desk) -> None:
    # Given a request with a PNG that decodes to 60 MiB, then a corrupt image
    files = [("ok.png", png_of_size(4000, 3900)), ("bad.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 99)]
    # When it is sent, then it is refused and stores nothing
    response = _post("/help/en/", files)
    assert "could not be read" in response.content.decode() and _nothing_stored()
    # But the decoding it cost is counted in the hour
    decoded = RateBucket.objects.filter(scope=limits.DECODED_MIB).aggregate(n=Sum("count"))
    assert decoded["n"] == 60


def test_it_counts_pdf_pages_in_the_hourly_limit(desk: Desk, settings: Any) -> None:
    settings.CORRIDOR_INTAKE_LIMITS = {"pdf_pages_per_hour": 16 * 2}
    assert _post("/help/en/", [("a.pdf", pdf_of_pages(3))]).status_code == 429
    assert _post("/help/en/", [("b.pdf", pdf_of_pages(2))]).status_code == 200
    assert Submission.objects.count() == 1


def test_it_queues_cleanings_beyond_the_slots_of_the_machine(
    desk: Desk, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given one cleaning slot on the machine, held by another cleaning, and a request that
    # may wait half a second for it
    settings.CORRIDOR_INTAKE_CLEANING_SLOTS = 1
    monkeypatch.setattr(attachments, "CLEANING_SECONDS", 0.5)
    photo = [("IMG.jpg", jpeg_with_gps())]
    with cleaning.cleaning_slot(time.monotonic()):
        # When a request with a file arrives, then it waits, is refused clearly, stores nothing
        busy = _post("/help/en/", photo)
    assert busy.status_code == 429 and "many files right now" in busy.content.decode()
    assert _nothing_stored()
    # And a request that arrives while the slot is held for a moment waits for it, then runs
    held = threading.Event()

    def hold() -> None:
        with cleaning.cleaning_slot(time.monotonic() + 5):
            held.set()
            time.sleep(0.3)

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(5)
    monkeypatch.setattr(attachments, "CLEANING_SECONDS", 10)
    started = time.monotonic()
    accepted = _post("/help/en/", photo)
    holder.join()
    assert accepted.status_code == 200 and Submission.objects.count() == 1
    assert time.monotonic() - started >= 0.25  # it waited for the other one to end
