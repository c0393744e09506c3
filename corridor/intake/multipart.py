"""Every file part of a request to /help/ is stored or refused, never dropped (decision 0023).

Django's multipart parser decodes each part's headers as UTF-8 and skips, without a word, a
part whose headers do not decode (a file name sent in windows-1251 or latin-1 by an old phone
browser), one whose file name cleans to nothing (a name of only a zero-width space), and it
takes a body that stops before its closing boundary (cut off inside a file) as if it were
whole. Here the raw body is read first (its size is already capped by the view at
REQUEST_MAX_BYTES, decision 0014, and the files are held in memory anyway), and walked once:

- a body shorter than its Content-Length, or without its closing delimiter, is *truncated*;
- each part's header block is looked at (at most MAX_HEADER_BYTES, as Django): a header
  block that is not UTF-8 is decoded as windows-1251 or latin-1 (`name_decoded`) and
  rewritten in UTF-8; a file part whose name cleans to nothing gets the name `file-<n>`;
- the file parts actually present are counted.

The (possibly rewritten) body is then handed to Django's parser, and `files_check` compares
the count with what the parser produced: any difference refuses the request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from io import BytesIO

from django.http import HttpRequest
from django.http.multipartparser import MultiPartParser
from django.utils.http import parse_header_parameters

MAX_HEADER_BYTES = 1024  # as django.http.multipartparser.MAX_TOTAL_HEADER_SIZE
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_LATIN_NEXT_TO_8BIT = re.compile(r"[A-Za-z][\x80-\xff]|[\x80-\xff][A-Za-z]")


class Truncated(Exception):
    """The body stops before its end: nothing of it may be accepted."""


@dataclass(frozen=True)
class Scan:
    body: bytes
    file_parts: int
    renamed: int  # parts whose name was re-encoded or generated


def name_decoded(raw: bytes) -> str:
    """A header line that is not UTF-8, read as windows-1251 (what a Russian phone sends) or,
    if its 8-bit letters sit next to Latin ones (café, Müller), as latin-1."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if not _LATIN_NEXT_TO_8BIT.search(raw.decode("latin-1")):
        try:
            text = raw.decode("cp1251")
        except UnicodeDecodeError:
            text = ""
        if text and _CYRILLIC.search(text):
            return text
    return raw.decode("latin-1")


def _clean_name(name: str) -> str:
    """The name as Django will keep it (MultiPartParser.sanitize_file_name)."""
    return MultiPartParser.sanitize_file_name(None, name) or ""  # type: ignore[arg-type]


def _quoted(text: str) -> str:
    return "".join(c for c in text if c not in '"\\\r\n')


def _header_rewritten(block: bytes, number: int, empty: bool) -> tuple[bytes, bool, bool]:
    """The header block of one part (UTF-8), whether it is a file part, whether it changed."""
    lines = block.split(b"\r\n")
    changed = False
    is_file = False
    out: list[bytes] = []
    for raw in lines:
        line = name_decoded(raw)
        if line.encode("utf-8") != raw:
            changed = True
        name, _sep, value = line.partition(":")
        if name.strip().lower() == "content-disposition":
            kind, params = parse_header_parameters(value.strip())
            # filename="" with no content is a browser's "no file chosen": not a file
            if "filename" in params and (params["filename"] or not empty):
                is_file = True
                if not _clean_name(params["filename"]):
                    params["filename"] = f"file-{number}"
                    changed = True
                if changed:
                    fields = "".join(f'; {k}="{_quoted(v)}"' for k, v in params.items())
                    line = f"Content-Disposition: {kind}{fields}"
        out.append(line.encode("utf-8"))
    return b"\r\n".join(out), is_file, changed


def body_scan(body: bytes, boundary: bytes) -> Scan:
    """Walk a whole multipart body once; raise Truncated if it has no closing delimiter."""
    delimiter = b"--" + boundary
    start = body.find(delimiter)
    if start < 0 or (start and body[start - 2 : start] != b"\r\n"):
        raise Truncated("no opening delimiter")
    pieces = [body[:start]]
    position = start
    file_parts = renamed = 0
    while True:
        after = position + len(delimiter)
        if body[after : after + 2] == b"--":  # the close delimiter: what follows is epilogue
            pieces.append(body[position:])
            break
        header_end = body.find(b"\r\n\r\n", after, after + 2 + MAX_HEADER_BYTES + 4)
        following = body.find(b"\r\n" + delimiter, after)
        if following < 0:
            raise Truncated("no closing delimiter")
        if header_end < 0 or header_end > following:
            pieces.append(body[position:following])  # Django refuses or skips it: counted below
            position = following + 2
            pieces.append(b"\r\n")
            continue
        block = body[after + 2 : header_end] if body[after : after + 2] == b"\r\n" else b""
        if block:
            empty = following == header_end + 4
            new_block, is_file, changed = _header_rewritten(block, file_parts + 1, empty)
        else:
            new_block, is_file, changed = block, False, False
        file_parts += is_file
        renamed += changed and is_file
        pieces.append(body[position : after + 2] + new_block)
        pieces.append(body[header_end : following + 2])
        position = following + 2
    return Scan(b"".join(pieces), file_parts, renamed)


def request_prepare(request: HttpRequest, max_bytes: int) -> Scan | None:
    """Read a multipart body (at most `max_bytes`), scan it and put the rewritten body where
    Django's parser reads it. None for a body that is not multipart. Raise Truncated."""
    if request.content_type != "multipart/form-data":
        return None
    boundary = (request.content_params or {}).get("boundary", "")
    length = int(str(request.META.get("CONTENT_LENGTH") or "0").strip() or 0)
    body = request.read(min(length, max_bytes + 1))
    if len(body) != length or len(body) > max_bytes:
        raise Truncated("the body is not as long as it said")
    request._body = body  # type: ignore[attr-defined]  # the text may be shown again
    if not boundary:
        raise Truncated("no boundary")
    scan = body_scan(body, boundary.encode("ascii", "replace"))
    request._body = scan.body  # type: ignore[attr-defined]  # what request.POST parses
    request._stream = BytesIO(scan.body)  # type: ignore[attr-defined]
    request.META["CONTENT_LENGTH"] = str(len(scan.body))
    return scan


def files_parsed(request: HttpRequest) -> int:
    return sum(len(request.FILES.getlist(key)) for key in request.FILES)
