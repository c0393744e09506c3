"""Scan every column of every row of the database for text, in the encodings it might take."""

from __future__ import annotations

import base64
import contextlib
import json
import unicodedata

from django.db import connection


def variants(text: str) -> set[bytes]:
    forms = {text, text.lower(), text.upper(), text.casefold()}
    forms |= {unicodedata.normalize("NFD", f) for f in list(forms)}
    forms |= {unicodedata.normalize("NFC", f) for f in list(forms)}
    found: set[bytes] = set()
    for form in forms:
        utf8 = form.encode("utf-8")
        found |= {
            utf8,
            form.encode("utf-16-le"),
            form.encode("utf-16-be"),
            json.dumps(form)[1:-1].encode("ascii"),
            utf8.hex().encode(),
            base64.b64encode(utf8)[:-4] if len(utf8) > 6 else utf8,
        }
        for codec in ("cp1251", "koi8-r"):
            with contextlib.suppress(UnicodeEncodeError):
                found.add(form.encode(codec))
    return found


def _cell_bytes(value: object) -> bytes:
    if value is None:
        return b""
    if isinstance(value, memoryview | bytearray | bytes):
        return bytes(value)
    return str(value).encode("utf-8")


def _cells() -> list[tuple[str, str, bytes]]:
    """(table, column, bytes) of every cell of every row of every table."""
    cells: list[tuple[str, str, bytes]] = []
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        assert tables, "no table to scan"
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            columns = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                cells += [
                    (table, column, _cell_bytes(value))
                    for column, value in zip(columns, row, strict=True)
                ]
    return cells


def database_snapshot() -> frozenset[tuple[str, str, bytes]]:
    """Every cell as it is now, to leave out of a later scan what was there before."""
    return frozenset(_cells())


def database_hits(
    needles: dict[str, str], before: frozenset[tuple[str, str, bytes]] = frozenset()
) -> list[tuple[str, str, str]]:
    """(table, column, needle label) for every cell holding a needle in any variant.

    A cell found unchanged in ``before`` is left out: what the database held before a request
    was sent (a vocabulary term in which a codename word happens to appear) did not come from it.
    """
    patterns = [(label, v) for label, text in needles.items() for v in variants(text)]
    return [
        (table, column, label)
        for table, column, data in _cells()
        if (table, column, data) not in before
        for label, p in patterns
        if p in data
    ]
