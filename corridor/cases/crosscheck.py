"""The cases' side of the desk's cross-compartment duplicate check (corridor.vault.crossindex).

`cross_source_write` runs wherever a case's names or phone change (with its search terms):
it seals the case's server-keyed identifier hashes to the desk. Desk members turn pending
lists into `CaseCrossTerm`s (`cross_terms_materialise`) and look requests up with
`cross_matches`; the triage app counts, limits and audits each lookup. A re-key of the desk
compartment re-seals every list and rebuilds the terms (`cross_index_rekey`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from corridor.cases.models import Case, CaseCrossSource, CaseCrossTerm
from corridor.linkage.names import name_readings
from corridor.linkage.phones import phone_normalise
from corridor.vault.bulk import rows_insert, rows_update
from corridor.vault.crossindex import (
    cross_index,
    cross_index_open,
    cross_inner,
    cross_open,
    cross_seal,
    cross_term,
)
from corridor.vault.fields import normalise_text
from corridor.vault.keyring import Keyring
from corridor.vault.models import Compartment, CrossIndex

# What a cross hash was made from (hashed in, never stored)
FULL = "full"  # the linkage engine's order-free, script-free key of a name of two words or more
TYPED = "typed"  # the name as typed, case- and space-normalised
PHONE = "phone"  # E.164


def full_keys(name: str) -> list[str]:
    """The order-free, script-free key of a name of two words or more, for each reading of
    it, with and without the moved-space repair (decision 0045): a case and a request meet
    if any of their readings do."""
    found = [parsed.key for parsed in name_readings(name) if len(parsed.tokens) > 1]
    return list(dict.fromkeys(found)) if name else []


def _inners(values: Iterable[tuple[str, str]]) -> list[bytes]:
    found = {cross_inner(kind, value) for kind, value in values}
    return sorted(inner for inner in found if inner is not None)


def case_inners(full_name: str, aliases: Iterable[str], phone: str) -> list[bytes]:
    values = [(FULL, key) for name in (full_name, *aliases) for key in full_keys(name or "")]
    values += [(TYPED, normalise_text(full_name or "")), (PHONE, phone_normalise(phone or ""))]
    return _inners(values)


def cross_source_write(case: Case) -> None:
    """Seal the case's identifier hashes to the desk (nothing if no desk index exists yet)."""
    index = cross_index()
    if index is None:
        return
    sealed = cross_seal(
        index, case_inners(case.full_name or "", case.aliases or [], case.phone or "")
    )
    CaseCrossSource.objects.update_or_create(
        case=case, defaults={"version": index.version, "sealed": sealed, "materialised": False}
    )


class CrossSourceBatch:
    """Rewrites the lists of many cases of one compartment in bulk (a rebuild)."""

    def __init__(self, compartment_id: int) -> None:
        self.index = cross_index()
        if self.index is not None:
            CaseCrossTerm.objects.filter(case__compartment_id=compartment_id).delete()
            CaseCrossSource.objects.filter(case__compartment_id=compartment_id).delete()
        self._pending: list[tuple[object, int, bytes, bool]] = []

    def add(self, case: Case) -> None:
        if self.index is None:
            return
        inners = case_inners(case.full_name or "", case.aliases or [], case.phone or "")
        self._pending.append((case.pk, self.index.version, cross_seal(self.index, inners), False))
        if len(self._pending) >= 500:
            self.flush()

    def flush(self) -> None:
        rows_insert(
            CaseCrossSource, ("case_id", "version", "sealed", "materialised"), self._pending
        )
        self._pending = []


def _materialise(keyring: Keyring, index: CrossIndex, sources: list[CaseCrossSource]) -> None:
    CaseCrossTerm.objects.filter(case_id__in=[s.case_id for s in sources]).delete()
    rows_insert(
        CaseCrossTerm,
        ("case_id", "term"),
        [
            (source.case_id, cross_term(keyring, index, inner, index.version))
            for source in sources
            for inner in cross_open(keyring, index, bytes(source.sealed), source.version)
        ],
    )
    CaseCrossSource.objects.filter(pk__in=[s.pk for s in sources]).update(materialised=True)


def cross_terms_materialise(keyring: Keyring, *, batch: int = 2000) -> int:
    """Turn the lists written since the last look into terms (a desk member's keyring).

    Call inside a transaction. Returns the number of cases brought up to date.
    """
    index = cross_index()
    if index is None:
        return 0
    done = 0
    while True:
        pending = list(
            CaseCrossSource.objects.filter(materialised=False, version=index.version)[:batch]
        )
        if not pending:
            return done
        _materialise(keyring, index, pending)
        done += len(pending)


def cross_index_rekey(keyring: Keyring, index: CrossIndex, previous_version: int) -> int:
    """Re-seal every list to the desk's new key pair and rebuild every term (in the re-key).

    `index` already carries the new version and public key; the keyring opens both versions.
    Lists sealed at an older version than `previous_version` cannot be opened any more and
    are dropped with their terms (their case joins the check again at its next edit).
    """
    CaseCrossTerm.objects.all().delete()
    CaseCrossSource.objects.exclude(version=previous_version).delete()
    done = 0
    sources = CaseCrossSource.objects.order_by("pk").iterator(chunk_size=500)
    batch: list[tuple[bytes, int, bool, int]] = []
    terms: list[tuple[object, bytes]] = []
    for source in sources:
        inners = cross_open(keyring, index, bytes(source.sealed), source.version)
        batch.append((cross_seal(index, inners), index.version, True, source.pk))
        terms += [(source.case_id, cross_term(keyring, index, i, index.version)) for i in inners]
        if len(batch) == 500:
            rows_update(CaseCrossSource, ("sealed", "version", "materialised"), batch)
            rows_insert(CaseCrossTerm, ("case_id", "term"), terms)
            done += len(batch)
            batch, terms = [], []
    rows_update(CaseCrossSource, ("sealed", "version", "materialised"), batch)
    rows_insert(CaseCrossTerm, ("case_id", "term"), terms)
    return done + len(batch)


def cross_sources_fill_on_open(sender: object, *, keyring: Keyring, **kwargs: object) -> None:
    cross_sources_fill(keyring)


def cross_sources_fill(keyring: Keyring) -> int:
    """Write the lists of the cases this keyring opens that have none (the desk opened after
    they were written). Cases in compartments it does not hold wait for one of their members
    (`manage.py index_rebuild`) or their next edit."""
    from corridor.vault.keyring import keyring_activated

    held = {pk for pk, _version in keyring.searchable()}
    done = 0
    with keyring_activated(keyring):
        missing = (
            Case.objects.filter(compartment_id__in=held, cross_source__isnull=True)
            .only(*Case.KEY_FIELDS, "full_name_sealed", "aliases_sealed", "phone_sealed")
            .iterator(chunk_size=500)
        )
        for case in missing:
            cross_source_write(case)
            done += 1
    return done


def request_lookups(name: str, phones: Iterable[str]) -> dict[str, list[bytes]]:
    """kind ("name", "phone") -> the inner hashes a request's identifiers are looked up by."""
    found: dict[str, list[bytes]] = {}
    readings = [(FULL, key) for key in full_keys(name)]
    names = _inners([*readings, (TYPED, normalise_text(name))]) if name else []
    if names:
        found["name"] = names
    numbers = _inners((PHONE, phone) for phone in phones)
    if numbers:
        found["phone"] = numbers
    return found


def cross_matches(
    keyring: Keyring, lookups: Sequence[Mapping[str, list[bytes]]]
) -> list[dict[str, set[str]]]:
    """Per request: kind -> ids of the cases, in any compartment, equal to it on that kind.

    One query for all requests. The caller is a desk member whose lookups were counted and
    audited (corridor.triage.crosscheck).
    """
    index = cross_index()
    if index is None:
        return [{} for _ in lookups]
    plans = [
        {
            kind: {cross_term(keyring, index, inner, index.version) for inner in inners}
            for kind, inners in lookup.items()
        }
        for lookup in lookups
    ]
    every = {term for plan in plans for terms in plan.values() for term in terms}
    holders: dict[bytes, set[str]] = defaultdict(set)
    if every:
        rows = CaseCrossTerm.objects.filter(term__in=list(every)).values_list("term", "case_id")
        for term, case_id in rows:
            holders[bytes(term)].add(str(case_id))
    found = []
    for plan in plans:
        kinds: dict[str, set[str]] = {}
        for kind, terms in plan.items():
            cases = set().union(*(holders.get(term, set()) for term in terms))
            if cases:
                kinds[kind] = cases
        found.append(kinds)
    return found


def case_indexes_rebuild(
    sender: object,
    *,
    compartment: Compartment,
    keyring: Keyring,
    previous_version: int | None = None,
    **kwargs: object,
) -> None:
    """On `compartment_index_rebuilt`: the compartment's case terms and cross-check lists; if
    it is the desk's and its key changed, the cross index's key pair and every list."""
    from corridor.cases.search import compartment_search_terms_rebuild

    index = cross_index()
    desk = index is not None and index.compartment_id == compartment.pk
    if index is not None and desk and previous_version not in (None, compartment.key_version):
        index = cross_index_open(keyring=keyring, compartment=compartment)
        cross_index_rekey(keyring, index, previous_version)  # type: ignore[arg-type]
    compartment_search_terms_rebuild(compartment.pk)
    if desk:
        cross_terms_materialise(keyring)
