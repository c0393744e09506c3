"""Malformed uploads against the real servers leave nothing in any log (T1, T8).

A broken PDF makes pypdf log what it found in the file ("Expecting a NameObject for key but
found '<text from the file>'") and every slightly broken PDF "incorrect startxref pointer",
each with the time to the second; `runserver` sets Django up twice (manage.py, then
corridor.wsgi), which once dropped the intake filter from the log handlers. These tests start
each server Corridor is run with as a subprocess on a free port against a temporary
database, send it malformed images and PDFs carrying markers, and scan everything the server
wrote: the database, var/ with its log file, and the server's stdout and stderr.
"""

from __future__ import annotations

import io
import re
import secrets
import string
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from .scan import variants
from .served import KINDS, Served, served, served_environment, served_prepare

TAG = "".join(secrets.choice(string.ascii_lowercase) for _ in range(10))
MARKERS = {
    "pdf key": f"Qxpdfkey{TAG}",
    "pdf stream": f"Qxpdfstream{TAG}",
    "exif": f"Qxexif{TAG}",
    "png text": f"Qxpngtext{TAG}",
    "gif comment": f"Qxgifcomment{TAG}",
    "file name": f"Qxfilename{TAG}",
    "message": f"Qxmessage{TAG}",
    "name": f"Qxname{TAG}",
}
REQUESTER = "127.0.0.9"  # the requester's address (Linux routes all of 127/8 to loopback)
# A time finer than the hour: hours, minutes and seconds, or minutes other than :00.
FINE_TIME = re.compile(rb"\b\d{1,2}:\d{2}:\d{2}|\b\d{1,2}:(?!00\b)\d{2}\b")


def _pdf(objects: list[bytes], *, startxref_off: int) -> bytes:
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1))
    out.write(b"startxref\n%d\n%%%%EOF\n" % (xref + startxref_off))
    return out.getvalue()


def pdf_with_a_text_key() -> bytes:
    """A page dictionary whose key is a string holding a marker, and a wrong startxref."""
    marker = MARKERS["pdf key"].encode()
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page (" + marker + b") 1 /Parent 2 0 R /MediaBox [0 0 90 90] >>",
        ],
        startxref_off=7,
    )


def pdf_with_a_broken_stream() -> bytes:
    """A content stream with no /Length and text that pypdf reports while it recovers."""
    marker = MARKERS["pdf stream"].encode()
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 90 90] /Contents 4 0 R >>",
            b"<< /Filter /" + marker + b" >>\nstream\nBT (" + marker + b") Tj ET\nendstream",
        ],
        startxref_off=-3,
    )


def jpeg_truncated_with_exif() -> bytes:
    image = Image.new("RGB", (64, 48), (20, 90, 160))
    exif = Image.Exif()
    exif[0x013B] = MARKERS["exif"]  # Artist
    exif[0x010E] = MARKERS["exif"]  # ImageDescription
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, comment=MARKERS["exif"].encode())
    data = out.getvalue()
    return data[: len(data) - 60]


def _png_chunk(kind: bytes, data: bytes, *, crc_ok: bool = True) -> bytes:
    crc = zlib.crc32(kind + data) ^ (0 if crc_ok else 0xFFFF)
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png_with_text_and_a_bad_checksum() -> bytes:
    header = struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)
    text = b"Comment\x00" + MARKERS["png text"].encode()
    pixels = zlib.compress(b"".join(b"\x00" + b"\x80" * 24 for _ in range(8)))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"tEXt", text)
        + _png_chunk(b"IDAT", pixels, crc_ok=False)
        + _png_chunk(b"IEND", b"")
    )


def gif_truncated_with_a_comment() -> bytes:
    out = io.BytesIO()
    Image.new("P", (16, 16), 3).save(out, format="GIF", comment=MARKERS["gif comment"].encode())
    data = out.getvalue()
    return data[: len(data) - 8]


def _multipart(fields: dict[str, str], files: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = "----corridor" + secrets.token_hex(8)
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for filename, content in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _send(server: Served, files: list[tuple[str, bytes]]) -> tuple[int, str]:
    fields = {
        "name": MARKERS["name"],
        "contact": "",
        "region": "",
        "threat": "",
        "urgency": "",
        "message": f"Помогите. {MARKERS['message']}",
        "website": "",
    }
    body, content_type = _multipart(fields, files)
    headers = {"Content-Type": content_type, "Origin": server.origin}
    status, page = server.request("POST", "/help/en/", body, headers, source=REQUESTER)
    return status, page.decode()


def _fine_times(data: bytes) -> list[bytes]:
    return [line for line in data.splitlines() if FINE_TIME.search(line)]


@pytest.mark.parametrize("kind", KINDS)
def test_it_logs_no_word_and_no_time_of_a_malformed_upload_under_the_real_servers(
    tmp_path: Path, kind: str
) -> None:
    # Given a real server of this kind, as Corridor is run, on a temporary database with an
    # open intake desk, logging at DEBUG as an operator chasing a problem would set it
    env = served_environment(tmp_path, LOG_LEVEL="DEBUG")
    served_prepare(env)
    name = MARKERS["file name"]
    uploads = {
        "pdf with a text key": [(f"{name}-a.pdf", pdf_with_a_text_key())],
        "pdf with a broken stream": [(f"{name}-b.pdf", pdf_with_a_broken_stream())],
        "truncated jpeg": [(f"{name}-c.jpg", jpeg_truncated_with_exif())],
        "png with a bad checksum": [(f"{name}-d.png", png_with_text_and_a_bad_checksum())],
        "truncated gif": [(f"{name}-e.gif", gif_truncated_with_a_comment())],
    }
    with served(kind, tmp_path, env) as server:
        # runserver prints a banner with the time it started, before any request; gunicorn's
        # output is scanned whole
        start = {"runserver": lambda p: p.stat().st_size, "gunicorn": lambda p: 0}[kind]
        offsets = {path: start(path) for path in (server.stdout, server.stderr)}
        # When each malformed file is sent through the public form, with markers in the text
        # fields, the file names and inside the files
        answers = {what: _send(server, files) for what, files in uploads.items()}
        # And something the log must keep: a 404 of a staff path (its path and status)
        control = f"/qx-control-{TAG}/"
        assert server.request("GET", control)[0] == 404
    # Then every upload was answered by the form (stored, or refused with a message)
    for what, (status, page) in answers.items():
        assert status == 200, (what, status, page[:1500])
        assert "codename-shown" in page or 'class="error-summary"' in page, (what, page[:3000])
    assert "codename-shown" in answers["pdf with a text key"][1], "pypdf read it and logged"
    # And no file the server wrote holds a marker or the requester's address: database, var/
    # and its log, stdout, stderr
    files = server.files()
    assert server.folder / "db.sqlite3" in files and server.stderr in files
    patterns = [(label, v) for label, text in MARKERS.items() for v in variants(text)]
    patterns.append(("requester's address", REQUESTER.encode()))
    hits = [
        (str(path.relative_to(tmp_path)), label)
        for path in files
        for label, pattern in patterns
        if pattern in path.read_bytes()
    ]
    assert hits == [], hits
    # And no log line has a time finer than the hour: the log files whole, gunicorn's output
    # whole, runserver's once it was serving
    logs = [p for p in files if p.suffix == ".log"]
    assert logs, files
    fine = {str(p): _fine_times(p.read_bytes()) for p in logs}
    fine |= {str(p): _fine_times(p.read_bytes()[offsets[p] :]) for p in offsets}
    assert not any(fine.values()), fine
    # And the scans were not blind: the 404 is in the log file and on the console, with its
    # hour
    for path in (server.folder / "var" / "corridor.log", server.stderr):
        lines = [line for line in path.read_bytes().splitlines() if control.encode() in line]
        assert lines, path
        assert all(re.match(rb"\d{4}-\d\d-\d\d \d\d:00 WARNING", line) for line in lines), lines
