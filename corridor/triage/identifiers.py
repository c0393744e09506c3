"""The identifiers of an opened request: names, phones, messenger handles, e-mail addresses.

A request is free text typed by a frightened person or a hurried operator: "звоните на
8 928 123-45-67 или в телеграм @ruslan_95". Identifiers are read from the contact fields
and from the message, each in the normal form the flags compare (E.164 phones, case-free
handles and addresses, the linkage engine's parsed name). Plain Python, no Django: the
flags and the linkage adapter hash what this returns, nothing here is stored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from corridor.linkage.features import handle_normalise
from corridor.linkage.phones import phone_normalise

#: Payload keys that hold a way to reach the person (intake's form and operator intake).
CONTACT_KEYS = ("contact", "messenger")
#: Payload keys whose value is a handle even without a leading "@".
HANDLE_KEYS = ("messenger",)
#: Free-text keys scanned for numbers, handles and addresses written inside sentences.
TEXT_KEYS = ("message",)

_EMAIL = re.compile(r"[^\s@<>()\[\],;:\"']+@[^\s@<>()\[\],;:\"']+\.[^\s@<>()\[\],;:\"'.]+")
_PHONE = re.compile(r"\+?\d[\d\s().\-]{5,}\d")
_HANDLE = re.compile(r"(?:(?<=\s)|^)@([\w.]{3,32})|t\.me/([\w.]{3,32})", re.UNICODE)
_BARE_HANDLE = re.compile(r"^@?[\w.]{3,32}$", re.UNICODE)
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Identifiers:
    """What identifies the person behind a request, normalised; each tuple without repeats."""

    name: str = ""
    phones: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    birth_date: str = ""

    def merged(self, other: Identifiers) -> Identifiers:
        """This request's identifiers with a follow-up's added (the first name stays)."""
        return Identifiers(
            name=self.name or other.name,
            phones=_unique((*self.phones, *other.phones)),
            handles=_unique((*self.handles, *other.handles)),
            emails=_unique((*self.emails, *other.emails)),
            birth_date=self.birth_date or other.birth_date,
        )


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(value for value in values if value))


def _text(value: Any) -> str:
    if isinstance(value, str):
        return unicodedata.normalize("NFKC", value)
    if isinstance(value, list | tuple):
        return "\n".join(_text(item) for item in value)
    return ""


def email_normalise(raw: str) -> str:
    return unicodedata.normalize("NFKC", raw).strip().casefold()


def _scan(text: str, *, bare_handles: bool) -> tuple[list[str], list[str], list[str]]:
    """(phones, handles, emails) written anywhere in `text`."""
    emails = [email_normalise(match) for match in _EMAIL.findall(text)]
    rest = _EMAIL.sub(" ", text)
    handles = [handle_normalise(a or b) for a, b in _HANDLE.findall(rest)]
    rest = _HANDLE.sub(" ", rest)
    phones = [phone_normalise(match) for match in _PHONE.findall(rest)]
    if bare_handles:
        for piece in re.split(r"[\s,;]+", _PHONE.sub(" ", rest)):
            if _BARE_HANDLE.match(piece) and _LETTER.search(piece):
                handles.append(handle_normalise(piece))
    return phones, handles, emails


def identifiers_of(payload: Mapping[str, Any]) -> Identifiers:
    """The identifiers of one opened submission's payload."""
    phones: list[str] = []
    handles: list[str] = []
    emails: list[str] = []
    for key in (*CONTACT_KEYS, *TEXT_KEYS):
        text = _text(payload.get(key))
        if text:
            found = _scan(text, bare_handles=key in HANDLE_KEYS)
            phones += found[0]
            handles += found[1]
            emails += found[2]
    return Identifiers(
        name=" ".join(_text(payload.get("name")).split()),
        phones=_unique(phones),
        handles=_unique(handles),
        emails=_unique(emails),
        birth_date=_text(payload.get("birth_date")).strip(),
    )


def message_of(payload: Mapping[str, Any]) -> str:
    """The request's own words, normalised for near-duplicate comparison."""
    return " ".join(_text(payload.get("message")).casefold().split())
