"""Keyed hashes of a request's identifiers: what the duplicate, burst and watch-list flags compare.

Every digest is a keyed BLAKE2b (16 bytes) under the desk compartment's own index key
(`desk_digest`), of a normalised value under a kind of its own, so the same phone gives
unrelated digests as a request term and a watch-list entry, and nobody outside the desk
compartment can test a guess against them (decision 0011). Against cases in every
compartment a request is checked through the cross index only (`case_matches_many`, counted
and audited by corridor.triage.crosscheck). A desk member's keyring computes them; the web
process that receives requests has no key.
"""

from __future__ import annotations

from collections.abc import Sequence
from weakref import WeakKeyDictionary

from corridor.cases.crosscheck import cross_matches, request_lookups
from corridor.intake.models import intake_desk
from corridor.linkage.features import handle_normalise
from corridor.linkage.names import name_parse_as_typed, name_readings
from corridor.linkage.phones import phone_normalise
from corridor.triage.identifiers import Identifiers, email_normalise
from corridor.triage.models import TermKind, WatchKind
from corridor.vault.fields import index_digest
from corridor.vault.keyring import Keyring, NotAMember, current_keyring

_desks: WeakKeyDictionary[Keyring, tuple[int, int]] = WeakKeyDictionary()


def desk_key_of(keyring: Keyring) -> tuple[int, int]:
    """(desk compartment id, its current key version), read once per keyring."""
    found = _desks.get(keyring)
    if found is None:
        desk = intake_desk()
        if desk is None:
            raise NotAMember("no intake desk yet")
        found = _desks[keyring] = (desk.compartment_id, desk.compartment.key_version)
    return found


def desk_digest(kind: str, normalised: str) -> bytes | None:
    """The desk compartment's keyed hash of a normalised value (the active keyring's)."""
    compartment_id, version = desk_key_of(current_keyring())
    return index_digest(kind, normalised, compartment_id=compartment_id, version=version)


def name_keys(name: str, *, min_words: int = 2) -> list[str]:
    """The linkage engine's order-free, script-free keys of a request's name, one for each
    reading, with and without the moved-space repair (`name_readings`): a capital pressed
    late (Ислам аДам) may read as a moved space, and the desk compares both, so the repair
    adds matches and never takes one away. None below `min_words`: a single given name
    ("Руслан") is shared by too many people to flag anything."""
    keys = []
    for parsed in name_readings(name) if name else []:
        if len(parsed.tokens) >= min_words and parsed.key not in keys:
            keys.append(parsed.key)
    return keys


def _watched_name(value: str) -> str:
    """The key a watch-list name is stored under: read without the moved-space repair, the
    one reading that a staff member's copy of a trap's name, slip and all, shares with every
    way the requests can read (they are looked up under both: `name_keys`)."""
    parsed = name_parse_as_typed(value) if value else None
    return parsed.key if parsed is not None and parsed.tokens else ""


def _digest(prefix: str, kind: str, normalised: str) -> bytes | None:
    return desk_digest(f"{prefix}_{kind}", normalised)


def request_terms(identifiers: Identifiers) -> list[tuple[str, bytes]]:
    """(kind, digest) of every identifier of a request, as `SubmissionTerm` stores them."""
    values = [(TermKind.NAME, key) for key in name_keys(identifiers.name)]
    values += [(TermKind.PHONE, phone) for phone in identifiers.phones]
    values += [(TermKind.HANDLE, handle) for handle in identifiers.handles]
    values += [(TermKind.EMAIL, email) for email in identifiers.emails]
    found = []
    for kind, value in dict.fromkeys(values):
        digest = _digest("triage_term", kind, value)
        if digest is not None:
            found.append((str(kind), digest))
    return found


WATCH_NORMALISERS = {
    WatchKind.PHONE: phone_normalise,
    WatchKind.HANDLE: handle_normalise,
    WatchKind.EMAIL: email_normalise,
    WatchKind.NAME: _watched_name,
}


def watch_digest(kind: str, value: str) -> bytes | None:
    """The digest a watch-list entry of `kind` stores for `value` (None if it normalises empty)."""
    return _digest("triage_watch", kind, WATCH_NORMALISERS[WatchKind(kind)](value))


def request_watch_digests(identifiers: Identifiers) -> dict[bytes, str]:
    """digest -> watch kind, for every identifier of a request (compared at view time)."""
    values = [(WatchKind.NAME, key) for key in name_keys(identifiers.name, min_words=1)]
    values += [(WatchKind.PHONE, phone) for phone in identifiers.phones]
    values += [(WatchKind.HANDLE, handle) for handle in identifiers.handles]
    values += [(WatchKind.EMAIL, email) for email in identifiers.emails]
    found: dict[bytes, str] = {}
    for kind, value in values:
        digest = _digest("triage_watch", kind, value)
        if digest is not None:
            found[digest] = str(kind)
    return found


def case_matches(identifiers: Identifiers, *, exclude: object = None) -> dict[str, set[str]]:
    """kind ("name", "phone") -> ids of the cases, in any compartment, equal to this request.

    Through the cross index (corridor.cases.crosscheck): the name as typed, the order-free
    name in any script, the phone. Computed from the opened request each time, so nothing
    stored joins a request to a case. `exclude`: the request's own case. The caller counts
    and audits the lookup (corridor.triage.crosscheck).
    """
    return case_matches_many([(identifiers, exclude)])[0]


def case_matches_many(requests: Sequence[tuple[Identifiers, object]]) -> list[dict[str, set[str]]]:
    """`case_matches` of many requests (a page), in one query whatever their number."""
    lookups = [request_lookups(found.name, found.phones) for found, _exclude in requests]
    matched = cross_matches(current_keyring(), lookups)
    for (_found, exclude), kinds in zip(requests, matched, strict=True):
        for kind in list(kinds):
            kinds[kind].discard(str(exclude))
            if not kinds[kind]:
                del kinds[kind]
    return matched
