"""Finding a case by name or phone without a plaintext index.

Each name and alias of a case is parsed by the linkage engine (`name_parse`): every word
becomes a canonical Latin key with its name group applied (Магомед, Magomed, Mahomed and
Magomet all give one key; so do Хусейн and Khusein), in any order. The case stores one keyed
hash (the organisation's index key, corridor.vault.fields.index_digest) per key, one for the
order-free full name and one for the phone in E.164. A query is parsed the same way and
matches the cases holding every one of its name keys, or its phone.

Without the index key a seized database shows only opaque 16-byte terms per case (how
many, and which cases share one): docs/decisions/0006-case-pipeline.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db.models import Count, Exists, OuterRef, Q

from corridor.cases.models import Case, CaseSearchTerm
from corridor.linkage.names import name_parse
from corridor.linkage.phones import phone_normalise
from corridor.vault.fields import index_digest

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


def search_terms(full_name: str, aliases: Iterable[str], phone: str) -> set[bytes]:
    """The keyed-hash terms of a case's names and phone (needs the unlocked index key)."""
    found: set[bytes | None] = set()
    for name in (full_name, *aliases):
        keys, full = _name_keys(name or "")
        found.update(index_digest(KIND_WORD, key) for key in keys)
        found.add(index_digest(KIND_FULL_NAME, full))
    found.add(index_digest(KIND_PHONE, phone_normalise(phone or "")))
    return {term for term in found if term is not None}


def case_search_terms_rebuild(case: Case) -> None:
    """Replace the case's terms with those of its current names and phone.

    Call inside the transaction that changed them, so a search never sees old names.
    """
    CaseSearchTerm.objects.filter(case=case).delete()
    terms = search_terms(case.full_name or "", case.aliases or [], case.phone or "")
    CaseSearchTerm.objects.bulk_create(CaseSearchTerm(case=case, term=term) for term in terms)


def _holding_all(terms: list[bytes]) -> Q:
    """Cases holding every one of `terms`.

    One term: a plain id subquery, which PostgreSQL walks in list order. Several: one
    grouped pass over the (term, case) index, so that the planner never intersects per-term
    subqueries by scanning every case.
    """
    if len(terms) == 1:
        return Q(pk__in=CaseSearchTerm.objects.filter(term=terms[0]).values("case_id"))
    holding = (
        CaseSearchTerm.objects.filter(term__in=terms)
        .values("case_id")
        .annotate(held=Count("*"))
        .filter(held=len(terms))
        .values("case_id")
    )
    return Q(pk__in=holding)


def search_filter(query: str) -> Q:
    """Cases all of whose name keys the query holds, or whose phone it is; never empty-matches.

    A query without letters is read as a phone number only. The query's patronymic is not
    required: many records omit it.
    """
    if not _LETTER.search(query):
        phone = index_digest(KIND_PHONE, phone_normalise(query))
        return _holding_all([phone]) if phone is not None else Q(pk__in=[])
    keys = dict.fromkeys(name_parse(query).tokens)  # a case holds each term once
    terms = [term for term in (index_digest(KIND_WORD, key) for key in keys) if term is not None]
    return _holding_all(terms) if terms else Q(pk__in=[])


def exact_name_first(query: str) -> Exists | None:
    """An annotation true for cases whose whole name (any order) is the query's, for ordering."""
    parsed = name_parse(query)
    term = index_digest(KIND_FULL_NAME, parsed.key) if len(parsed.tokens) > 1 else None
    if term is None:
        return None
    return Exists(CaseSearchTerm.objects.filter(case_id=OuterRef("pk"), term=term))
