"""Keyed hashes of a request's identifiers: what the duplicate, burst and watch-list flags compare.

Every digest is the organisation's keyed BLAKE2b (`corridor.vault.fields.index_digest`,
16 bytes) of a normalised value under a kind of its own, so the same phone gives unrelated
digests as a request term, a watch-list entry and a case index: without the index key a
seized database cannot join requests to the watch list or to cases, only requests to
requests (which the duplicate and burst flags need, docs/decisions/0010-triage.md). A
desk member's keyring computes them; the web process that receives requests has no key.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q

from corridor.cases import search as case_search
from corridor.cases.models import Case, CaseSearchTerm
from corridor.linkage.features import handle_normalise
from corridor.linkage.names import name_parse
from corridor.linkage.phones import phone_normalise
from corridor.triage.identifiers import Identifiers, email_normalise
from corridor.triage.models import TermKind, WatchKind
from corridor.vault.fields import index_digest, index_value


def name_key(name: str, *, min_words: int = 2) -> str:
    """The linkage engine's order-free, script-free key of a name ("" below `min_words`).

    A single given name ("Руслан") is shared by too many people to flag anything.
    """
    parsed = name_parse(name) if name else None
    if parsed is None or len(parsed.tokens) < min_words:
        return ""
    return parsed.key


def _digest(prefix: str, kind: str, normalised: str) -> bytes | None:
    return index_digest(f"{prefix}_{kind}", normalised)


def request_terms(identifiers: Identifiers) -> list[tuple[str, bytes]]:
    """(kind, digest) of every identifier of a request, as `SubmissionTerm` stores them."""
    values = [(TermKind.NAME, name_key(identifiers.name))]
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
    WatchKind.NAME: lambda value: name_key(value, min_words=1),
}


def watch_digest(kind: str, value: str) -> bytes | None:
    """The digest a watch-list entry of `kind` stores for `value` (None if it normalises empty)."""
    return _digest("triage_watch", kind, WATCH_NORMALISERS[WatchKind(kind)](value))


def request_watch_digests(identifiers: Identifiers) -> dict[bytes, str]:
    """digest -> watch kind, for every identifier of a request (compared at view time)."""
    values = [(WatchKind.NAME, name_key(identifiers.name, min_words=1))]
    values += [(WatchKind.PHONE, phone) for phone in identifiers.phones]
    values += [(WatchKind.HANDLE, handle) for handle in identifiers.handles]
    values += [(WatchKind.EMAIL, email) for email in identifiers.emails]
    found: dict[bytes, str] = {}
    for kind, value in values:
        digest = _digest("triage_watch", kind, value)
        if digest is not None:
            found[digest] = str(kind)
    return found


def _present(digests: Iterable[bytes | None]) -> set[bytes]:
    return {digest for digest in digests if digest is not None}


def case_matches(identifiers: Identifiers, *, exclude: object = None) -> dict[str, set[str]]:
    """kind ("name", "phone") -> ids of the cases that equal this request on it exactly.

    Uses the cases' own indexes: the name as typed (`Case.name_index`), the order-free name in
    any script and the phone (`corridor.cases.search` terms). Computed from the opened request
    each time, so nothing stored joins a request to a case. `exclude`: the request's own case.
    """
    return case_matches_many([(identifiers, exclude)])[0]


def case_matches_many(requests: list[tuple[Identifiers, object]]) -> list[dict[str, set[str]]]:
    """`case_matches` of many requests (a page), in two queries whatever their number."""
    # Per request and kind: the search terms and the typed blind indexes that would match.
    plans: list[dict[str, tuple[set[bytes], set[bytes], set[bytes]]]] = []
    for identifiers, _exclude in requests:
        plan: dict[str, tuple[set[bytes], set[bytes], set[bytes]]] = {}
        if identifiers.name:
            plan[TermKind.NAME] = (
                _present(
                    [
                        index_digest(
                            case_search.KIND_FULL_NAME, case_search.full_name_key(identifiers.name)
                        )
                    ]
                ),
                _present([index_value("name", identifiers.name)]),
                set(),
            )
        if identifiers.phones:
            plan[TermKind.PHONE] = (
                _present(index_digest(case_search.KIND_PHONE, p) for p in identifiers.phones),
                set(),
                _present(index_value("phone", p, "phone") for p in identifiers.phones),
            )
        plans.append(plan)
    all_terms = {t for plan in plans for terms, _n, _p in plan.values() for t in terms}
    names = {n for plan in plans for _t, typed, _p in plan.values() for n in typed}
    phones = {p for plan in plans for _t, _n, typed in plan.values() for p in typed}
    by_term: dict[bytes, set[str]] = defaultdict(set)
    by_name: dict[bytes, set[str]] = defaultdict(set)
    by_phone: dict[bytes, set[str]] = defaultdict(set)
    if all_terms:
        held = CaseSearchTerm.objects.filter(term__in=list(all_terms)).values_list(
            "term", "case_id"
        )
        for term, case_id in held:
            by_term[bytes(term)].add(str(case_id))
    if names or phones:
        typed_match = Q(name_index__in=list(names)) | Q(phone_index__in=list(phones))
        rows = Case.objects.filter(typed_match).values_list("pk", "name_index", "phone_index")
        for pk, name_index, phone_index in rows:
            if name_index is not None:
                by_name[bytes(name_index)].add(str(pk))
            if phone_index is not None:
                by_phone[bytes(phone_index)].add(str(pk))
    found: list[dict[str, set[str]]] = []
    for (_identifiers, exclude), plan in zip(requests, plans, strict=True):
        kinds: dict[str, set[str]] = {}
        for kind, (terms, typed_names, typed_phones) in plan.items():
            cases: set[str] = set()
            for term in terms:
                cases |= by_term.get(term, set())
            for name in typed_names:
                cases |= by_name.get(name, set())
            for phone in typed_phones:
                cases |= by_phone.get(phone, set())
            cases.discard(str(exclude))
            if cases:
                kinds[kind] = cases
        found.append(kinds)
    return found
