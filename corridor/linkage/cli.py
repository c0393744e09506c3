"""`corridor link INPUT.csv --out OUTPUT.csv`: batch linkage of a CSV export.

Reads requests with at least the columns id, full_name, phone and birth_date (handle columns
are used as identifiers when present), writes one `id,cluster` row per request, and reports
progress and trap flags on stderr. Flags name record ids only, never names or numbers, so the
terminal log does not become a plaintext copy of sensitive data.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from corridor.linkage.features import Request
from corridor.linkage.pipeline import LinkResult, link

REQUIRED_COLUMNS = ("id", "full_name", "phone", "birth_date")
HANDLE_COLUMNS = ("handle", "telegram", "whatsapp", "signal", "email")


class InputError(Exception):
    """The input file cannot be used; the message says why."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="corridor link", description="Link help requests that are the same person."
    )
    parser.add_argument(
        "input", type=Path, help="CSV with columns id, full_name, phone, birth_date"
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="CSV to write with columns id, cluster"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return parser


def _rows(reader: csv.DictReader[str]) -> Iterator[Request]:
    handle_columns = [column for column in HANDLE_COLUMNS if column in (reader.fieldnames or ())]
    for row in reader:
        yield Request(
            record_id=row.get("id") or "",
            full_name=row.get("full_name") or "",
            phone=row.get("phone") or "",
            birth_date=row.get("birth_date") or "",
            handles=tuple(row[column] for column in handle_columns if row.get(column)),
        )


#: Encodings a spreadsheet on a Russian-language Windows or Mac may save a CSV in.
_OTHER_ENCODINGS = (("cp1251", "Windows-1251 (Cyrillic Windows)"), ("koi8-r", "KOI8-R"))


def _encoding_hint(path: Path, error: UnicodeDecodeError) -> str:
    """Where UTF-8 decoding failed, and which encoding the file is probably in."""
    data = path.read_bytes()
    line = data[: error.start].count(b"\n") + 1
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        guess = ' It looks like UTF-16 (Excel\'s "Unicode text").'
    else:
        guess = ""
        for codec, label in _OTHER_ENCODINGS:
            try:
                data.decode(codec)
            except UnicodeDecodeError:
                continue
            guess = f" It is probably {label}."
            break
    return (
        f'{path}: not valid UTF-8 (line {line}).{guess} Save it again as "CSV UTF-8"'
        " (in LibreOffice: Save As, character set Unicode (UTF-8)); nothing was linked."
    )


def requests_read(path: Path) -> list[Request]:
    """Read and check the input CSV; raise InputError with a readable reason."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames
            if header is None:
                raise InputError(
                    f"{path}: the file is empty; it needs a header line with the columns "
                    f"{', '.join(REQUIRED_COLUMNS)} and one line per request"
                )
            missing = [column for column in REQUIRED_COLUMNS if column not in header]
            if missing:
                found = ", ".join(column for column in header if column) or "none"
                hint = " (is the separator a semicolon? use commas)" if ";" in header[0] else ""
                raise InputError(
                    f"{path}: missing column(s): {', '.join(missing)}; the header has: "
                    f"{found}{hint}"
                )
            requests = list(_rows(reader))
    except UnicodeDecodeError as error:
        raise InputError(_encoding_hint(path, error)) from error
    except csv.Error as error:
        raise InputError(f"{path}: malformed CSV: {error}") from error
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror or error}") from error
    if not requests:
        raise InputError(f"{path}: the header is there but no request follows it")
    ids = [request.record_id for request in requests]
    if "" in ids:
        raise InputError(f"{path}: row {ids.index('') + 2} has an empty id")
    if len(set(ids)) != len(ids):
        duplicate = Counter(ids).most_common(1)[0][0]
        raise InputError(f"{path}: ids are not unique (id {duplicate!r} appears twice or more)")
    return requests


def clusters_write(path: Path, result: LinkResult) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("id", "cluster"))
        for index, record_id in enumerate(result.record_ids):
            writer.writerow((record_id, result.cluster_of(index)))


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    started = time.monotonic()

    def progress(message: str) -> None:
        if not args.quiet:
            print(f"[{time.monotonic() - started:7.1f}s] {message}", file=sys.stderr, flush=True)

    try:
        requests = requests_read(args.input)
    except InputError as error:
        print(f"corridor link: {error}", file=sys.stderr)
        return 2
    progress(f"read {len(requests)} requests")
    result = link(requests, progress)
    try:
        clusters_write(args.out, result)
    except OSError as error:
        print(
            f"corridor link: {args.out}: cannot write: {error.strerror or error}", file=sys.stderr
        )
        return 2
    clusters = len(set(result.labels))
    progress(
        f"wrote {len(requests)} rows, {clusters} clusters, {len(result.flags)} identifier flags"
    )
    for flag in result.flags:
        progress(
            f"flag: one {flag.identifier_kind} behind clusters {', '.join(flag.clusters)} with different names"
        )
    return 0
