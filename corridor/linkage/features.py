"""One request reduced, once, to the features every later step compares.

Normalising is the expensive part of linkage (transliteration, layout repair, phone parsing),
so it runs exactly once per record, and the result is small and hashable so that the online
matcher can receive it back from the caller after decryption.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from corridor.linkage.dates import BirthDate, date_parse
from corridor.linkage.names import ParsedName, name_parse
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
    phone = phone_normalise(request.phone) if request.phone else ""
    identifiers = [f"phone:{phone}"] if phone else []
    for handle in request.handles:
        normalised = handle_normalise(handle)
        if normalised:
            identifiers.append(f"handle:{normalised}")
    return Features(
        name=name_parse(request.full_name) if request.full_name else ParsedName(()),
        phone=phone,
        birth=date_parse(request.birth_date) if request.birth_date else BirthDate(),
        identifiers=tuple(identifiers),
    )
