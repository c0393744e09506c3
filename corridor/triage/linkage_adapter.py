"""The linkage engine, fed with opened requests: fuzzy duplicates without a plaintext index.

`corridor.linkage.online.OnlineMatcher` finds the earlier records that are probably the
same person as a new one (Магомед Хасанов and Mahomed Khasanov, a phone one digit off). It
takes a keyed hash and a key index from its caller; this adapter gives it two indexes:

- requests: `LinkageKey` rows, the keyed hashes of each request's blocking keys under the
  desk compartment's index key (`desk_digest`, under a kind of its own), written when a desk
  member first opens it (the web process that receives requests has no key);
- cases: the search terms (`corridor.cases.search`) of the cases in the viewer's own
  compartments, read-only, each hashed under its compartment's index key. A case's
  order-free full name and phone are the only blocking keys they hold, so a case is a
  candidate when it shares one of those with the request; nothing about requests is stored
  beside the cases, and a seized database cannot join a request to a case (T1). Cases of
  other compartments are found only by the exact cross-compartment check (decision 0011).

Candidates are opened with the viewer's keys only (requests with the intake key, cases in
the viewer's compartments) and scored by the engine's model; the match carries the engine's
explanation, field by field, so the desk sees why. Each case opened to be scored is audited
(`triage.case_compare`), a match or not; the requests are audited by the page's opener.
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
from corridor.triage.terms import desk_digest
from corridor.vault.fields import index_digests
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
    digest = desk_digest(LINKAGE_KIND, key)
    assert digest is not None  # noqa: S101 - blocking keys are never empty
    return digest


class RequestKeyIndex:
    """The engine's KeyIndex over `LinkageKey`: record ids are submission ids.

    Its size is counted once per instance (one page): the engine reads it for every query.
    `preload` reads the postings of many keys in one query, for a page of requests.
    """

    def __init__(self) -> None:
        self._size: int | None = None
        self._postings: dict[bytes, list[str]] = {}

    def add(self, record_id: str, keys: Iterable[bytes]) -> None:
        LinkageKey.objects.bulk_create(
            LinkageKey(submission_id=uuid.UUID(record_id), digest=key) for key in set(keys)
        )

    def preload(self, keys: Iterable[bytes]) -> None:
        missing = {key for key in keys if key not in self._postings}
        if not missing:
            return
        for key in missing:
            self._postings[key] = []
        rows = LinkageKey.objects.filter(digest__in=list(missing)).values_list(
            "digest", "submission_id"
        )
        for digest, submission_id in rows:
            self._postings[bytes(digest)].append(str(submission_id))

    def postings(self, key: bytes) -> Sequence[str]:
        self.preload([key])
        return self._postings[key]

    def __len__(self) -> int:
        if self._size is None:
            self._size = SubmissionIndexed.objects.count()
        return self._size


def _case_key(key: str) -> bytes:
    """The blocking key itself, kept in memory for `CaseTermIndex`, which hashes it under each
    of the viewer's compartments; b"" where the cases hold no such term."""
    rule, _, value = key.partition(":")
    if rule == "phone" or (rule == "name" and " " in value):  # full names of two words or more
        return key.encode("utf-8")
    return b""


def _case_term_digests(key: bytes) -> list[bytes]:
    rule, _, value = key.decode("utf-8").partition(":")
    kind = case_search.KIND_PHONE if rule == "phone" else case_search.KIND_FULL_NAME
    return index_digests(kind, value)


class CaseTermIndex:
    """A read-only KeyIndex over the search terms of the viewer's cases: ids are case ids."""

    def __init__(self) -> None:
        self._size: int | None = None
        self._postings: dict[bytes, list[str]] = {}

    def add(self, record_id: str, keys: Iterable[bytes]) -> None:
        raise NotImplementedError("cases keep their own terms (corridor.cases.search)")

    def preload(self, keys: Iterable[bytes]) -> None:
        missing = {key for key in keys if key and key not in self._postings}
        if not missing:
            return
        by_digest: dict[bytes, bytes] = {}
        for key in missing:
            self._postings[key] = []
            by_digest.update(dict.fromkeys(_case_term_digests(key), key))
        rows = CaseSearchTerm.objects.filter(term__in=list(by_digest)).values_list(
            "term", "case_id"
        )
        for term, case_id in rows:
            self._postings[by_digest[bytes(term)]].append(str(case_id))

    def postings(self, key: bytes) -> Sequence[str]:
        if not key:
            return ()
        self.preload([key])
        return self._postings[key]

    def __len__(self) -> int:
        if self._size is None:
            self._size = Case.objects.count()
        return self._size


def request_matcher() -> OnlineMatcher:
    return OnlineMatcher(_request_key_hash, RequestKeyIndex())


def linkage_keys_add_many(items: Iterable[tuple[Submission, Identifiers]]) -> None:
    """The blocking keys of many requests, in one bulk insert (inside the indexing action)."""
    matcher = request_matcher()
    LinkageKey.objects.bulk_create(
        LinkageKey(submission_id=submission.pk, digest=digest)
        for submission, identifiers in items
        for digest in {key for _rule, key in matcher.hashed_keys(request_features(identifiers))}
    )


@dataclass(frozen=True)
class FuzzyMatch:
    """A request (its thread's first submission) or case probably of the same person."""

    kind: str
    record_id: uuid.UUID
    probability: float
    explanation: Explanation


class Linkage:
    """The engine's matchers over requests and over cases, for one page.

    `prepare` reads what the queries of a whole page need at once: the postings of every
    blocking key (one query per index), the candidate requests (one query, opened in one
    batch) and the candidate cases (one query); `matches` then scores from memory.
    """

    def __init__(self, opener: PayloadOpener) -> None:
        self._opener = opener
        self._request_index = RequestKeyIndex()
        self._case_index = CaseTermIndex()
        self._requests = OnlineMatcher(_request_key_hash, self._request_index)
        self._cases = OnlineMatcher(_case_key, self._case_index)
        # submission id -> (its thread's id, features); case id -> features (None: not ours)
        self._request_features: dict[str, tuple[str, Features]] = {}
        self._case_features: dict[str, Features | None] = {}

    def prepare(self, identifiers: Iterable[Identifiers]) -> None:
        features = [request_features(found) for found in identifiers]
        features = [f for f in features if f.name or f.phone]
        self._request_index.preload(
            digest for f in features for _rule, digest in self._requests.hashed_keys(f)
        )
        self._case_index.preload(
            digest for f in features for _rule, digest in self._cases.hashed_keys(f)
        )
        requests: set[str] = set()
        cases: set[str] = set()
        for f in features:
            requests.update(self._requests.candidates(f)[0])
            cases.update(self._cases.candidates(f)[0])
        self._requests_load(requests)
        self._cases_load(cases)

    def _requests_load(self, record_ids: Iterable[str]) -> None:
        missing = [pk for pk in record_ids if pk not in self._request_features]
        if not missing:
            return
        submissions = list(Submission.objects.filter(pk__in=missing))
        self._opener.open_many(submissions)
        for submission in submissions:
            self._request_features[str(submission.pk)] = (
                str(submission.thread_id or submission.pk),
                request_features(identifiers_of(self._opener.payload(submission))),
            )

    def _cases_load(self, record_ids: Iterable[str]) -> None:
        missing = [pk for pk in record_ids if pk not in self._case_features]
        if not missing:
            return
        keyring = current_keyring()
        self._case_features.update(dict.fromkeys(missing))
        cases = Case.objects.filter(pk__in=missing).only(
            *Case.KEY_FIELDS, "full_name", "phone", "messengers"
        )
        opened = []
        for case in cases:
            if not keyring.may_open(case.compartment_id, case.key_version):
                continue
            self._case_features[str(case.pk)] = features_extract(
                Request(
                    record_id=str(case.pk),
                    full_name=case.full_name or "",
                    phone=case.phone or "",
                    handles=tuple(case.messengers or ()),
                )
            )
            opened.append(str(case.pk))
        # The desk member's keys opened these cases' names and phones to score them: a read
        # of each case, audited like any other (T3), whether or not it turns out a match.
        self._opener.read_others(
            action="triage.case_compare", object_type="case", object_ids=opened
        )

    def _request_fetch(self, exclude_thread: uuid.UUID) -> FeatureFetch:
        def fetch(record_ids: Sequence[str]) -> Mapping[str, Features]:
            self._requests_load(record_ids)
            found: dict[str, Features] = {}
            for record_id in record_ids:
                known = self._request_features.get(record_id)
                if known is not None and known[0] != str(exclude_thread):
                    found.setdefault(known[0], known[1])
            return found

        return fetch

    def _case_fetch(self, exclude_case: uuid.UUID | None) -> FeatureFetch:
        def fetch(record_ids: Sequence[str]) -> Mapping[str, Features]:
            self._cases_load(record_ids)
            found: dict[str, Features] = {}
            for record_id in record_ids:
                features = self._case_features.get(record_id)
                if features is not None and record_id != str(exclude_case):
                    found[record_id] = features
            return found

        return fetch

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
        matches = [
            FuzzyMatch(SUBMISSION, uuid.UUID(m.record_id), m.probability, m.explanation)
            for m in self._requests.query(features, self._request_fetch(thread_id), minimum)
        ]
        matches += [
            FuzzyMatch(CASE, uuid.UUID(m.record_id), m.probability, m.explanation)
            for m in self._cases.query(features, self._case_fetch(own_case), minimum)
        ]
        return sorted(matches, key=lambda match: match.probability, reverse=True)
