"""The linkage engine, fed with opened requests: fuzzy duplicates without a plaintext index.

`corridor.linkage.online.OnlineMatcher` finds the earlier records that are probably the
same person as a new one (Магомед Хасанов and Mahomed Khasanov, a phone one digit off). It
takes a keyed hash and a key index from its caller; this adapter gives it the
organisation's index key (`index_digest`, under a kind of its own) and two indexes:

- requests: `LinkageKey` rows, the keyed hashes of each request's blocking keys, written
  when a desk member first opens it (the web process that receives requests has no key);
- cases: the cases' own search terms (`corridor.cases.search`), read-only. A case's
  order-free full name and phone are the only blocking keys they hold, so a case is a
  candidate when it shares one of those with the request; nothing about requests is stored
  beside the cases, and a seized database cannot join a request to a case (T1).

Candidates are opened with the viewer's keys only (requests with the intake key, cases in
the viewer's compartments) and scored by the engine's model; the match carries the engine's
explanation, field by field, so the desk sees why.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from corridor.cases import search as case_search
from corridor.cases.models import Case, CaseSearchTerm
from corridor.intake.models import Submission
from corridor.linkage.features import Features, Request, features_extract
from corridor.linkage.model import Explanation
from corridor.linkage.online import FeatureFetch, OnlineMatcher
from corridor.triage.identifiers import Identifiers, identifiers_of
from corridor.triage.models import LinkageKey, SubmissionIndexed
from corridor.triage.opening import PayloadOpener
from corridor.vault.fields import index_digest
from corridor.vault.keyring import current_keyring

LINKAGE_KIND = "triage_linkage"
#: Matches below this probability are not shown: the engine's own threshold for a link.
FUZZY_MINIMUM = 0.5
SUBMISSION = "submission"
CASE = "case"


def request_features(identifiers: Identifiers) -> Features:
    """The engine's features of a request (its first phone; handles and e-mails as ids)."""
    return features_extract(
        Request(
            record_id="",
            full_name=identifiers.name,
            phone=identifiers.phones[0] if identifiers.phones else "",
            birth_date=identifiers.birth_date,
            handles=(*identifiers.handles, *identifiers.emails),
        )
    )


def _request_key_hash(key: str) -> bytes:
    digest = index_digest(LINKAGE_KIND, key)
    assert digest is not None  # noqa: S101 - blocking keys are never empty
    return digest


class RequestKeyIndex:
    """The engine's KeyIndex over `LinkageKey`: record ids are submission ids.

    Its size is counted once per instance (one page): the engine reads it for every query.
    """

    _size: int | None = None

    def add(self, record_id: str, keys: Iterable[bytes]) -> None:
        LinkageKey.objects.bulk_create(
            LinkageKey(submission_id=uuid.UUID(record_id), digest=key) for key in set(keys)
        )

    def postings(self, key: bytes) -> Sequence[str]:
        found = LinkageKey.objects.filter(digest=key).values_list("submission_id", flat=True)
        return [str(pk) for pk in found]

    def __len__(self) -> int:
        if self._size is None:
            self._size = SubmissionIndexed.objects.count()
        return self._size


def _case_key_hash(key: str) -> bytes:
    """The case search term a blocking key corresponds to, or b"" where the cases hold none."""
    rule, _, value = key.partition(":")
    digest = None
    if rule == "phone":
        digest = index_digest(case_search.KIND_PHONE, value)
    elif rule == "name" and " " in value:  # cases keep full-name terms of two words or more
        digest = index_digest(case_search.KIND_FULL_NAME, value)
    return digest or b""


class CaseTermIndex:
    """A read-only KeyIndex over the cases' search terms: record ids are case ids."""

    _size: int | None = None

    def add(self, record_id: str, keys: Iterable[bytes]) -> None:
        raise NotImplementedError("cases keep their own terms (corridor.cases.search)")

    def postings(self, key: bytes) -> Sequence[str]:
        if not key:
            return ()
        found = CaseSearchTerm.objects.filter(term=key).values_list("case_id", flat=True)
        return [str(pk) for pk in found]

    def __len__(self) -> int:
        if self._size is None:
            self._size = Case.objects.count()
        return self._size


def request_matcher() -> OnlineMatcher:
    return OnlineMatcher(_request_key_hash, RequestKeyIndex())


def linkage_keys_add(submission: Submission, identifiers: Identifiers) -> None:
    """Store a request's blocking keys as keyed hashes (inside the indexing action)."""
    request_matcher().add(str(submission.pk), request_features(identifiers))


@dataclass(frozen=True)
class FuzzyMatch:
    """A request (its thread's first submission) or case probably of the same person."""

    kind: str
    record_id: uuid.UUID
    probability: float
    explanation: Explanation


def _request_fetch(opener: PayloadOpener, exclude_thread: uuid.UUID) -> FeatureFetch:
    def fetch(record_ids: Sequence[str]) -> Mapping[str, Features]:
        found: dict[str, Features] = {}
        for submission in Submission.objects.filter(pk__in=list(record_ids)):
            if (submission.thread_id or submission.pk) == exclude_thread:
                continue
            key = str(submission.thread_id or submission.pk)
            features = request_features(identifiers_of(opener.payload(submission)))
            found.setdefault(key, features)
        return found

    return fetch


def _case_fetch(exclude_case: uuid.UUID | None) -> FeatureFetch:
    keyring = current_keyring()

    def fetch(record_ids: Sequence[str]) -> Mapping[str, Features]:
        found: dict[str, Features] = {}
        cases = Case.objects.filter(pk__in=list(record_ids)).only(
            *Case.KEY_FIELDS, "full_name", "phone", "messengers"
        )
        for case in cases:
            if case.pk == exclude_case or not keyring.may_open(
                case.compartment_id, case.key_version
            ):
                continue
            found[str(case.pk)] = features_extract(
                Request(
                    record_id=str(case.pk),
                    full_name=case.full_name or "",
                    phone=case.phone or "",
                    handles=tuple(case.messengers or ()),
                )
            )
        return found

    return fetch


class Linkage:
    """The engine's matchers over requests and over cases, for one page."""

    def __init__(self, opener: PayloadOpener) -> None:
        self._opener = opener
        self._requests = request_matcher()
        self._cases = OnlineMatcher(_case_key_hash, CaseTermIndex())

    def matches(
        self,
        *,
        thread_id: uuid.UUID,
        identifiers: Identifiers,
        own_case: uuid.UUID | None = None,
        minimum: float = FUZZY_MINIMUM,
    ) -> list[FuzzyMatch]:
        """Other requests and the viewer's cases that are probably this request's person."""
        features = request_features(identifiers)
        if not features.name and not features.phone:
            return []
        fetch = _request_fetch(self._opener, thread_id)
        matches = [
            FuzzyMatch(SUBMISSION, uuid.UUID(m.record_id), m.probability, m.explanation)
            for m in self._requests.query(features, fetch, minimum)
        ]
        matches += [
            FuzzyMatch(CASE, uuid.UUID(m.record_id), m.probability, m.explanation)
            for m in self._cases.query(features, _case_fetch(own_case), minimum)
        ]
        return sorted(matches, key=lambda match: match.probability, reverse=True)
