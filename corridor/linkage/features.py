"""One request reduced, once, to the features every later step compares.

Normalising is the expensive part of linkage (transliteration, layout repair, phone parsing),
so it runs exactly once per record, and the result is small and hashable so that the online
matcher can receive it back from the caller after decryption.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from corridor.linkage.dates import BirthDate, date_parse
from corridor.linkage.names import ParsedName, name_parse
from corridor.linkage.parallel import forked
from corridor.linkage.phones import phone_normalise


@dataclass(frozen=True, slots=True)
class Request:
    """A help request as it arrives, every field optional except its id."""

    record_id: str
    full_name: str = ""
    phone: str = ""
    birth_date: str = ""
    handles: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Features:
    """The normalised, comparable form of a request."""

    name: ParsedName
    phone: str
    birth: BirthDate
    identifiers: tuple[str, ...]


def handle_normalise(raw: str) -> str:
    """A messenger handle or e-mail as one case-free token ("@Ruslan_95" -> "ruslan_95")."""
    text = unicodedata.normalize("NFKC", raw).strip().casefold()
    return text.lstrip("@").replace(" ", "")


def features_extract(request: Request) -> Features:
    """Normalise every field of a request."""
    return _features_of(
        request,
        name_parse(request.full_name) if request.full_name else _NO_NAME,
        phone_normalise(request.phone) if request.phone else "",
        date_parse(request.birth_date) if request.birth_date else _NO_DATE,
    )


_NO_NAME = ParsedName(())
_NO_DATE = BirthDate()


def _features_of(request: Request, name: ParsedName, phone: str, birth: BirthDate) -> Features:
    identifiers = [f"phone:{phone}"] if phone else []
    for handle in request.handles:
        normalised = handle_normalise(handle)
        if normalised:
            identifiers.append(f"handle:{normalised}")
    return Features(name=name, phone=phone, birth=birth, identifiers=tuple(identifiers))


_NameFields = tuple[tuple[str, ...], str, tuple[str, ...], tuple[str, ...], tuple[str, ...], str]
_DateFields = tuple[int, int, int, bool]


def _normalise_share(
    names: list[str], phones: list[str], dates: list[str], worker: int, workers: int
) -> tuple[list[_NameFields], list[str], list[_DateFields]]:
    """Every `workers`-th distinct value normalised, as plain tuples (which pickle fast)."""
    parsed = [name_parse(raw) for raw in names[worker::workers]]
    return (
        [
            (p.tokens, p.patronymic, p.spelled, p.typed, p.coarse, p.typed_patronymic)
            for p in parsed
        ],
        [phone_normalise(raw) for raw in phones[worker::workers]],
        [
            (d.year, d.month, d.day, d.ambiguous)
            for d in (date_parse(raw) for raw in dates[worker::workers])
        ],
    )


def features_extract_all(requests: Sequence[Request]) -> list[Features]:
    """`features_extract` of every request, each distinct name, phone and date normalised
    once, on every core when the batch is large (`corridor.linkage.parallel`)."""
    names = sorted({r.full_name for r in requests} - {""})
    phones = sorted({r.phone for r in requests} - {""})
    dates = sorted({r.birth_date for r in requests} - {""})
    results = forked(
        lambda worker, workers: _normalise_share(names, phones, dates, worker, workers),
        len(requests),
    )
    workers = len(results)
    name_of: dict[str, ParsedName] = {"": _NO_NAME}
    phone_of: dict[str, str] = {"": ""}
    date_of: dict[str, BirthDate] = {"": _NO_DATE}
    for worker, (parsed, normalised, read) in enumerate(results):
        name_of.update(
            zip(names[worker::workers], (ParsedName(*fields) for fields in parsed), strict=True)
        )
        phone_of.update(zip(phones[worker::workers], normalised, strict=True))
        date_of.update(
            zip(dates[worker::workers], (BirthDate(*fields) for fields in read), strict=True)
        )
    return [
        _features_of(r, name_of[r.full_name], phone_of[r.phone], date_of[r.birth_date])
        for r in requests
    ]
