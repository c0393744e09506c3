"""Finding a case by name or phone without a plaintext index.

Each name and alias of a case is parsed by the linkage engine (`name_parse`): every word
becomes a canonical Latin key with its name group applied (Магомед, Magomed, Mahomed and
Magomet all give one key; so do Хусейн and Khusein), in any order. The case stores one keyed
hash per key, one for the order-free full name and one for the phone in E.164, under its
compartment's own index key (corridor.vault.fields.index_digest). A query is hashed under
the index key of every compartment the searcher holds and matches the cases holding every
one of its name keys, or its phone.

Without a member's key and the server's index secret a seized database shows only opaque
16-byte terms per case (how many, and which cases of one compartment share one):
docs/decisions/0006-case-pipeline.md, 0011-index-keys.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db.models import Count, Exists, OuterRef, Q

from corridor.cases.crosscheck import CrossSourceBatch, cross_source_write
from corridor.cases.models import Case, CaseSearchTerm
from corridor.linkage.names import name_parse
from corridor.linkage.phones import phone_normalise
from corridor.vault.bulk import rows_insert
from corridor.vault.fields import index_digest, index_digests

# Kinds of term, hashed in (domain separation) but never stored
KIND_WORD = "case_term_name"
KIND_FULL_NAME = "case_term_full"
KIND_PHONE = "case_term_phone"

_LETTER = re.compile(r"[^\W\d_]")


def _name_keys(name: str) -> tuple[list[str], str]:
    """(canonical keys of the words, order-free full-name key) of one name."""
    parsed = name_parse(name)
    keys = [*parsed.tokens, parsed.patronymic] if parsed.patronymic else list(parsed.tokens)
    return keys, parsed.key if len(parsed.tokens) > 1 else ""


def full_name_key(name: str) -> str:
    """The order-free, script-free key a case's full-name term hashes ("" for a single word):
    triage matches a request against cases with exactly this rule."""
    return _name_keys(name)[1]


def search_terms(
    full_name: str, aliases: Iterable[str], phone: str, *, compartment_id: int, version: int
) -> set[bytes]:
    """The keyed-hash terms of a case's names and phone, under its compartment's index key."""
    found: set[bytes | None] = set()

    def digest(kind: str, value: str) -> bytes | None:
        return index_digest(kind, value, compartment_id=compartment_id, version=version)

    for name in (full_name, *aliases):
        keys, full = _name_keys(name or "")
        found.update(digest(KIND_WORD, key) for key in keys)
        found.add(digest(KIND_FULL_NAME, full))
    found.add(digest(KIND_PHONE, phone_normalise(phone or "")))
    return {term for term in found if term is not None}


def _case_terms(case: Case) -> set[bytes]:
    return search_terms(
        case.full_name or "",
        case.aliases or [],
        case.phone or "",
        compartment_id=case.compartment_id,
        version=case.key_version,
    )


def case_search_terms_rebuild(case: Case) -> None:
    """Replace the case's terms (and its sealed cross-check list) with its current ones.

    Call inside the transaction that changed them, so a search never sees old names.
    """
    CaseSearchTerm.objects.filter(case=case).delete()
    CaseSearchTerm.objects.bulk_create(CaseSearchTerm(case=case, term=t) for t in _case_terms(case))
    cross_source_write(case)


def compartment_search_terms_rebuild(compartment_id: int) -> int:
    """Rebuild the terms and cross-check lists of every case of a compartment (a re-key, or
    a new index secret: the active keyring opens the compartment's current key). Returns the
    number of cases."""
    CaseSearchTerm.objects.filter(case__compartment_id=compartment_id).delete()
    cases = (
        Case.objects.filter(compartment_id=compartment_id)
        .only(*Case.KEY_FIELDS, "full_name_sealed", "aliases_sealed", "phone_sealed")
        .iterator(chunk_size=500)
    )
    lists = CrossSourceBatch(compartment_id)
    done = 0
    batch: list[tuple[object, bytes]] = []
    for case in cases:
        batch += [(case.pk, term) for term in _case_terms(case)]
        lists.add(case)
        done += 1
        if len(batch) >= 5000:
            rows_insert(CaseSearchTerm, ("case_id", "term"), batch)
            batch = []
    rows_insert(CaseSearchTerm, ("case_id", "term"), batch)
    lists.flush()
    return done


def _holding_all(terms: list[bytes], needed: int) -> Q:
    """Cases holding `needed` of `terms`: every key of the query, in the case's compartment.

    `terms` holds each key once per compartment the searcher opens; a case holds only its
    own compartment's, each once, so holding `needed` means holding every key. One term: a
    plain id subquery, which PostgreSQL walks in list order. Several: one grouped pass over
    the (term, case) index, so that the planner never intersects per-term subqueries by
    scanning every case.
    """
    if not terms:
        return Q(pk__in=[])
    if needed == 1:
        return Q(pk__in=CaseSearchTerm.objects.filter(term__in=terms).values("case_id"))
    holding = (
        CaseSearchTerm.objects.filter(term__in=terms)
        .values("case_id")
        .annotate(held=Count("*"))
        .filter(held=needed)
        .values("case_id")
    )
    return Q(pk__in=holding)


def search_filter(query: str) -> Q:
    """Cases all of whose name keys the query holds, or whose phone it is; never empty-matches.

    A query without letters is read as a phone number only. The query's patronymic is not
    required: many records omit it.
    """
    if not _LETTER.search(query):
        return _holding_all(index_digests(KIND_PHONE, phone_normalise(query)), 1)
    keys = [key for key in dict.fromkeys(name_parse(query).tokens) if key]  # each term once
    terms = [term for key in keys for term in index_digests(KIND_WORD, key)]
    return _holding_all(terms, len(keys))


def exact_name_first(query: str) -> Exists | None:
    """An annotation true for cases whose whole name (any order) is the query's, for ordering."""
    parsed = name_parse(query)
    terms = index_digests(KIND_FULL_NAME, parsed.key) if len(parsed.tokens) > 1 else []
    if not terms:
        return None
    return Exists(CaseSearchTerm.objects.filter(case_id=OuterRef("pk"), term__in=terms))
