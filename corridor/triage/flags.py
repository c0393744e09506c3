"""The flags a desk member sees on a request, each with the reason it was raised.

- **duplicate**: another request or a case holds the same phone, handle, e-mail or name
  (any script, any order): equal keyed hashes, no other record opened to find them;
- **linkage**: the linkage engine finds another request or a case probably of the same
  person (probability at least `FUZZY_MINIMUM`), with its field-by-field explanation;
- **watch**: an identifier is on the watch list of identifiers known to be hostile;
- **burst**: at least `BURST_MIN_REQUESTS` requests arrived in the same hour bucket sharing
  one identifier, or with near-identical messages (rapidfuzz ratio at least
  `NEAR_IDENTICAL_RATIO` on messages of `MESSAGE_MIN_CHARS` characters or more).

Thresholds and what each flag can and cannot see: docs/decisions/0010-triage.md. Messages
name the kind of identifier and the other record, never the value.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rapidfuzz import fuzz, process

from corridor.cases.crosscheck import cross_terms_materialise
from corridor.cases.models import Case
from corridor.intake.models import Submission
from corridor.linkage.model import FieldEvidence
from corridor.triage.crosscheck import crosscheck_allow
from corridor.triage.identifiers import Identifiers, message_of
from corridor.triage.linkage_adapter import CASE, SUBMISSION, FuzzyMatch, Linkage
from corridor.triage.models import SubmissionTerm, TermKind, WatchEntry, WatchKind
from corridor.triage.opening import OpenedThread, PayloadOpener
from corridor.triage.terms import case_matches_many, request_terms, request_watch_digests
from corridor.vault.models import Membership

#: A burst: this request and at least two others in the same hour bucket.
BURST_MIN_REQUESTS = 3
#: rapidfuzz `fuzz.ratio` (0-100) from which two messages count as near-identical.
NEAR_IDENTICAL_RATIO = 90.0
#: Shorter messages ("помогите", "help") are alike by nature and are not compared.
MESSAGE_MIN_CHARS = 20
#: A term shared by more records than this is shown as one line ("42 requests share this
#: name"), not as 42 links: a common name says little, and the page must stay readable.
DUPLICATES_LISTED = 10
#: Most requests of one hour opened to compare messages (a flood beyond it is a burst anyway).
BURST_BUCKET_CAP = 500
#: Most other requests of a burst linked from a request (and declined together in one step).
BURST_LISTED = 50

DUPLICATE, LINKAGE, WATCH, BURST = "duplicate", "linkage", "watch", "burst"
Key = TypeVar("Key")

EVIDENCE_FIELDS = {
    "name": gettext_lazy("name"),
    "patronymic": gettext_lazy("patronymic"),
    "birth_date": gettext_lazy("date of birth"),
    "phone": gettext_lazy("phone"),
}
# The linkage engine's agreement levels (corridor.linkage.compare), for the explanation.
LEVEL_LABELS = {
    "missing": gettext_lazy("missing"),
    "disagree": gettext_lazy("disagree"),
    "one word agrees": gettext_lazy("one word agrees"),
    "similar": gettext_lazy("similar"),
    "words missing": gettext_lazy("words missing"),
    "exact, common": gettext_lazy("exact, common"),
    "exact": gettext_lazy("exact"),
    "exact, rare": gettext_lazy("exact, rare"),
    "close, with typos": gettext_lazy("close, with typos"),
    "same year, one side year only": gettext_lazy("same year, one side year only"),
    "close": gettext_lazy("close"),
    "day and month swapped": gettext_lazy("day and month swapped"),
    "day and month agree, year mistyped": gettext_lazy("day and month agree, year mistyped"),
    "one digit apart": gettext_lazy("one digit apart"),
}


@dataclass
class Flag:
    code: str
    message: str
    link: str = ""
    probability: float | None = None
    evidence: tuple[FieldEvidence, ...] = ()
    note: str = ""  # a watch-list entry's note
    members: tuple[uuid.UUID, ...] = ()  # a burst: the other requests in it (first threads)

    @property
    def percent(self) -> str:
        return "" if self.probability is None else f"{self.probability:.0%}"

    @property
    def explanation(self) -> list[str]:
        return [
            f"{EVIDENCE_FIELDS.get(item.field, item.field)}: "
            f"{LEVEL_LABELS.get(item.level, item.level)} ({item.bits:+.1f})"
            for item in self.evidence
            if item.level != "missing"
        ]


def _kinds_text(kinds: Iterable[str]) -> str:
    return ", ".join(str(TermKind(kind).label) for kind in sorted(set(kinds)))


def _hour(value: datetime) -> str:
    return f"{value:%Y-%m-%d %H:00}"


@dataclass
class _Other:
    """Another record this request resembles: the exact kinds and the engine's score."""

    kind: str  # "submission" or "case"
    record_id: str
    kinds: set[str] = field(default_factory=set)
    match: FuzzyMatch | None = None


def _listed(
    holders: dict[str, set[str]], kind_of: dict[str, str]
) -> tuple[dict[str, set[str]], list[tuple[str, int]]]:
    """Split {term: record ids} into {record id: kinds} for terms held by a few records, and
    (kind, count) for terms so common that listing their holders would drown the page."""
    listed: dict[str, set[str]] = defaultdict(set)
    common: list[tuple[str, int]] = []
    names = 0  # the readings of a request's one name (terms.name_keys) are said once
    for term, records in holders.items():
        if len(records) <= DUPLICATES_LISTED:
            for record in records:
                listed[record].add(kind_of[term])
        elif kind_of[term] == TermKind.NAME:
            names = max(names, len(records))
        else:
            common.append((kind_of[term], len(records)))
    if names:
        common.append((str(TermKind.NAME), names))
    return listed, common


def _request_duplicates(
    thread: OpenedThread, terms: list[tuple[str, bytes]], holders: dict[bytes, set[str]]
) -> tuple[dict[str, set[str]], list[tuple[str, int]]]:
    """Other requests sharing a term of this one: {thread id: kinds}, and common terms.

    `holders`: digest -> ids of the threads holding it, read once for the page.
    """
    own = str(thread.head.pk)
    others: dict[str, set[str]] = {}
    for _kind, digest in terms:
        found = holders.get(digest, set()) - {own}
        if found:
            others[digest.hex()] = found
    return _listed(others, {digest.hex(): kind for kind, digest in terms})


def _term_holders(digests: set[bytes]) -> dict[bytes, set[str]]:
    """digest -> ids of the threads whose requests hold it (one query for a page)."""
    holders: dict[bytes, set[str]] = defaultdict(set)
    if digests:
        rows = SubmissionTerm.objects.filter(digest__in=list(digests)).values_list(
            "thread_id", "digest"
        )
        for thread_id, digest in rows:
            holders[bytes(digest)].add(str(thread_id))
    return holders


@dataclass
class _Resemblance:
    """What one request resembles, before the other records are read for their labels."""

    others: dict[tuple[str, str], _Other]
    common: list[tuple[str, int]]
    common_in_cases: list[tuple[str, int]]


def _resemblance(
    thread: OpenedThread,
    identifiers: Identifiers,
    requests: tuple[dict[str, set[str]], list[tuple[str, int]]],
    cases_held: dict[str, set[str]],
    linkage: Linkage,
) -> _Resemblance:
    others: dict[tuple[str, str], _Other] = {}
    listed, common = requests
    for thread_id, kinds in listed.items():
        others[(SUBMISSION, thread_id)] = _Other(SUBMISSION, thread_id, kinds)
    cases, common_in_cases = _listed(cases_held, {kind: kind for kind in cases_held})
    for case_id, kinds in cases.items():
        others[(CASE, case_id)] = _Other(CASE, case_id, kinds)
    for match in linkage.matches(
        thread_id=thread.head.pk, identifiers=identifiers, own_case=thread.head.case_id
    ):
        other = others.setdefault(
            (match.kind, str(match.record_id)), _Other(match.kind, str(match.record_id))
        )
        other.match = match
    return _Resemblance(others, common, common_in_cases)


def _duplicate_flags(
    found: _Resemblance,
    page: FlagPage,
    heads: dict[uuid.UUID, Submission],
    case_rows: dict[uuid.UUID, Case],
) -> list[Flag]:
    flags = [
        Flag(
            DUPLICATE,
            _("%(count)d other requests share this %(kind)s: too many to list.")
            % {"count": count, "kind": TermKind(kind).label},
        )
        for kind, count in found.common
    ]
    flags += [
        Flag(
            DUPLICATE,
            _("%(count)d cases share this %(kind)s: too many to list.")
            % {"count": count, "kind": TermKind(kind).label},
        )
        for kind, count in found.common_in_cases
    ]
    for other in found.others.values():
        code = DUPLICATE if other.kinds else LINKAGE
        if other.kind == CASE:
            case = case_rows.get(uuid.UUID(other.record_id))
            if case is None:
                continue
            member = case.compartment_id in page.member_compartments
            what = _("a case in the compartment “%(compartment)s”") % {
                "compartment": case.compartment.name
            }
            link = reverse("cases:detail", kwargs={"case_id": case.pk}) if member else ""
            if not member:
                what += " " + _("(you are not a member: ask its members)")
        else:
            head = heads.get(uuid.UUID(other.record_id))
            if head is None:
                continue
            what = _("the request of %(hour)s (%(status)s)") % {
                "hour": _hour(head.received_hour),
                "status": head.get_status_display(),
            }
            link = reverse("triage:request", kwargs={"submission_id": head.pk})
        if other.kinds:
            message = _("Same %(kinds)s as %(other)s.") % {
                "kinds": _kinds_text(other.kinds),
                "other": what,
            }
        else:
            message = _("Probably the same person as %(other)s.") % {"other": what}
        flags.append(
            Flag(
                code,
                message,
                link=link,
                probability=other.match.probability if other.match else None,
                evidence=other.match.explanation.evidence if other.match else (),
            )
        )
    return flags


def watch_hits(
    thread: OpenedThread, watched: set[bytes] | None = None
) -> list[tuple[str, WatchEntry]]:
    """(kind, entry) for every watch-list entry an identifier of the request equals.

    `watched`: every digest on the list, if the caller loaded them once for a whole page.
    """
    return _watch_hits_many([thread.identifiers], watched)[0]


def _watch_hits_many(
    identifiers: list[Identifiers], watched: set[bytes] | None = None
) -> list[list[tuple[str, WatchEntry]]]:
    """`watch_hits` of many requests, in at most one query."""
    wanted = []
    for found in identifiers:
        digests = request_watch_digests(found)
        if watched is not None:
            digests = {digest: kind for digest, kind in digests.items() if digest in watched}
        wanted.append(digests)
    every = {digest for digests in wanted for digest in digests}
    entries: dict[bytes, list[WatchEntry]] = defaultdict(list)
    if every:
        for entry in WatchEntry.objects.filter(digest__in=list(every)):
            entries[bytes(entry.digest)].append(entry)
    return [
        [(kind, entry) for digest, kind in digests.items() for entry in entries.get(digest, ())]
        for digests in wanted
    ]


def _watch_flags(hits: list[tuple[str, WatchEntry]], *, notes: bool) -> list[Flag]:
    """The watch-list flags; with `notes`, each entry's note is opened for the page to show."""
    link = reverse("triage:watchlist")
    return [
        Flag(
            WATCH,
            _("On the watch list: %(kind)s.") % {"kind": WatchKind(kind).label},
            link=link,
            note=(entry.note or "") if notes else "",
        )
        for kind, entry in hits
    ]


def _term_burst_flags(threads: list[OpenedThread]) -> dict[uuid.UUID, list[Flag]]:
    """Bursts of shared identifiers, for every request of a page: two aggregate queries.

    The requests' own terms give (hour, kind, digest) keys; one grouped count over those
    hours and digests tells how many threads share each key in its hour.
    """
    own = SubmissionTerm.objects.filter(thread_id__in=[t.head.pk for t in threads]).values_list(
        "thread_id", "received_hour", "kind", "digest"
    )
    keys: dict[uuid.UUID, set[tuple[datetime, str, bytes]]] = defaultdict(set)
    for thread_id, hour, kind, digest in own:
        keys[thread_id].add((hour, kind, bytes(digest)))
    if not keys:
        return {}
    rows = list(
        SubmissionTerm.objects.filter(
            received_hour__in={hour for found in keys.values() for hour, _k, _d in found},
            digest__in=list({digest for found in keys.values() for _h, _k, digest in found}),
        )
        .values("received_hour", "kind", "digest")
        .annotate(threads=Count("thread", distinct=True))
        .filter(threads__gte=BURST_MIN_REQUESTS)
    )
    members = _term_burst_members(rows)
    flags: dict[uuid.UUID, list[Flag]] = defaultdict(list)
    for thread_id, found in keys.items():
        # A request's one name has a term per reading where its readings differ
        # (terms.name_keys): one name burst per hour, the largest its readings are part of.
        # A phone or handle is a term of its own, each in its own burst.
        largest: dict[tuple[datetime, str, bytes], dict[str, Any]] = {}
        for row in rows:
            key = (row["received_hour"], row["kind"], bytes(row["digest"]))
            slot = (*key[:2], b"") if row["kind"] == TermKind.NAME else key
            told = largest.get(slot)
            if key in found and (told is None or row["threads"] > told["threads"]):
                largest[slot] = row
        for row in largest.values():
            key = (row["received_hour"], row["kind"], bytes(row["digest"]))
            flags[thread_id].append(
                Flag(
                    BURST,
                    _(
                        "Possibly coordinated: %(count)d requests in the hour of %(hour)s "
                        "share this %(kind)s."
                    )
                    % {
                        "count": row["threads"],
                        "hour": _hour(row["received_hour"]),
                        "kind": TermKind(row["kind"]).label,
                    },
                    members=_others(members[key], thread_id),
                )
            )
    return flags


def _term_burst_members(
    rows: list[dict[str, Any]],
) -> dict[tuple[datetime, str, bytes], list[uuid.UUID]]:
    """The threads of each burst key (hour, kind, digest), oldest first: one query."""
    hot = {(row["received_hour"], row["kind"], bytes(row["digest"])) for row in rows}
    members: dict[tuple[datetime, str, bytes], list[uuid.UUID]] = defaultdict(list)
    if not hot:
        return members
    found = (
        SubmissionTerm.objects.filter(
            received_hour__in={hour for hour, _k, _d in hot},
            digest__in=list({digest for _h, _k, digest in hot}),
        )
        .values_list("received_hour", "kind", "digest", "thread_id")
        .distinct()
        .order_by("thread_id")
    )
    for hour, kind, digest, thread_id in found:
        key = (hour, kind, bytes(digest))
        if key in hot and thread_id not in members[key]:
            members[key].append(thread_id)
    return members


def _others(members: Iterable[uuid.UUID], own: uuid.UUID) -> tuple[uuid.UUID, ...]:
    return tuple(member for member in members if member != own)[:BURST_LISTED]


def near_identical_counts(messages: dict[Key, str]) -> dict[Key, int]:
    """For each message, how many others are near-identical to it (long messages only)."""
    return {key: len(others) for key, others in near_identical_others(messages).items()}


def near_identical_others(messages: dict[Key, str]) -> dict[Key, list[Key]]:
    """For each message, the keys of the others near-identical to it (long messages only)."""
    long = {key: text for key, text in messages.items() if len(text) >= MESSAGE_MIN_CHARS}
    keys, texts = list(long), list(long.values())
    others: dict[Key, list[Key]] = {key: [] for key in messages}
    for index, text in enumerate(texts):
        found = process.extract(
            text, texts, scorer=fuzz.ratio, score_cutoff=NEAR_IDENTICAL_RATIO, limit=None
        )
        others[keys[index]] = [keys[position] for _, _, position in found if position != index]
    return others


class HourMessages:
    """The messages of every request received in an hour, opened once per page.

    Only hours holding at least `BURST_MIN_REQUESTS` requests can hold a burst: one grouped
    count finds them, and only their requests are opened (at most `BURST_BUCKET_CAP` each).
    """

    def __init__(self, opener: PayloadOpener) -> None:
        self._opener = opener
        self._others: dict[datetime, dict[uuid.UUID, list[uuid.UUID]]] = {}

    def prepare(self, heads: Iterable[Submission]) -> None:
        hours = {head.received_hour for head in heads} - set(self._others)
        if not hours:
            return
        for hour in hours:
            self._others[hour] = {}
        firsts = Submission.objects.filter(received_hour__in=hours, thread__isnull=True)
        busy = list(
            firsts.values("received_hour")
            .annotate(requests=Count("pk"))
            .filter(requests__gte=BURST_MIN_REQUESTS)
            .values_list("received_hour", flat=True)
        )
        if not busy:
            return
        chosen: dict[datetime, list[uuid.UUID]] = defaultdict(list)
        in_busy = firsts.filter(received_hour__in=busy).order_by("received_hour", "pk")
        for pk, hour in in_busy.values_list("pk", "received_hour"):
            if len(chosen[hour]) < BURST_BUCKET_CAP:
                chosen[hour].append(pk)
        submissions = list(
            Submission.objects.filter(pk__in=[pk for pks in chosen.values() for pk in pks])
        )
        self._opener.open_many(submissions)
        for hour in chosen:
            in_hour = [s for s in submissions if s.received_hour == hour]
            self._others[hour] = near_identical_others(
                {s.pk: message_of(self._opener.payload(s)) for s in in_hour}
            )

    def near_identical(self, head: Submission) -> list[uuid.UUID]:
        """The other first requests of the hour whose message is near-identical to `head`'s."""
        self.prepare([head])
        return self._others[head.received_hour].get(head.pk, [])


def _text_burst_flags(thread: OpenedThread, hours: HourMessages) -> list[Flag]:
    others = hours.near_identical(thread.head)
    if len(others) + 1 < BURST_MIN_REQUESTS:
        return []
    return [
        Flag(
            BURST,
            _(
                "Possibly coordinated: %(count)d requests in the hour of %(hour)s carry "
                "near-identical messages."
            )
            % {"count": len(others) + 1, "hour": _hour(thread.head.received_hour)},
            members=_others(sorted(others), thread.head.pk),
        )
    ]


def _crosscheck_refused() -> Flag:
    return Flag(
        DUPLICATE,
        _(
            "Not checked against the cases of other compartments: you have reached the "
            "limit of %(limit)d such checks an hour. Ask a colleague at the desk, or look "
            "again next hour."
        )
        % {"limit": settings.CORRIDOR_CROSSCHECK_PER_HOUR},
    )


class FlagPage:
    """What flagging needs once per page for one desk member: the opened requests, the
    linkage engine, the hours' messages, the member's compartments, the watch list's digests.

    `prepare(threads)` flags a whole page in a fixed number of queries, whatever the number
    of requests in the desk: terms, cases, linkage postings and candidates, watch-list
    entries, burst counts and the other records named are each read once for the page.
    `notes`: open the note of each watch-list entry hit (the request page shows them; the
    inbox only marks the row), each such read audited through the opener (T3).
    """

    def __init__(self, *, opener: PayloadOpener, actor_id: int, notes: bool = False) -> None:
        self.opener = opener
        self.notes = notes
        self.linkage = Linkage(opener)
        self.hours = HourMessages(opener)
        self.actor_id = actor_id
        self.member_compartments = set(
            Membership.objects.filter(user_id=actor_id).values_list("compartment_id", flat=True)
        )
        self.watched = {bytes(d) for d in WatchEntry.objects.values_list("digest", flat=True)}
        self._flags: dict[uuid.UUID, list[Flag]] = {}

    def prepare(self, threads: Iterable[OpenedThread]) -> None:
        threads = [thread for thread in threads if thread.head.pk not in self._flags]
        if not threads:
            return
        identifiers = [thread.identifiers for thread in threads]
        terms = [request_terms(found) for found in identifiers]
        holders = _term_holders({digest for found in terms for _kind, digest in found})
        allowed = crosscheck_allow(
            actor_id=self.actor_id, submission_ids=[thread.head.pk for thread in threads]
        )
        with transaction.atomic():
            cross_terms_materialise(self.opener.keyring)
        checked = [
            (found, thread.head.case_id)
            for found, thread in zip(identifiers, threads, strict=True)
            if thread.head.pk in allowed
        ]
        matched = iter(case_matches_many(checked))
        in_cases = [next(matched) if thread.head.pk in allowed else {} for thread in threads]
        self.linkage.prepare(identifiers)
        watch = _watch_hits_many(identifiers, self.watched)
        term_bursts = _term_burst_flags(threads)
        self.hours.prepare(thread.head for thread in threads)
        resemblances = [
            _resemblance(
                thread, found, _request_duplicates(thread, own_terms, holders), held, self.linkage
            )
            for thread, found, own_terms, held in zip(
                threads, identifiers, terms, in_cases, strict=True
            )
        ]
        others = [other for found in resemblances for other in found.others.values()]
        heads = Submission.objects.in_bulk(
            [uuid.UUID(o.record_id) for o in others if o.kind != CASE]
        )
        case_rows = Case.objects.select_related("compartment").in_bulk(
            [uuid.UUID(o.record_id) for o in others if o.kind == CASE]
        )
        if self.notes:
            self.opener.read_others(
                action="triage.watch_hit",
                object_type="triage.WatchEntry",
                object_ids=[str(entry.pk) for hits in watch for _kind, entry in hits],
            )
        for thread, hits, found in zip(threads, watch, resemblances, strict=True):
            self._flags[thread.head.pk] = [
                *_watch_flags(hits, notes=self.notes),
                *_duplicate_flags(found, self, heads, case_rows),
                *([] if thread.head.pk in allowed else [_crosscheck_refused()]),
                *term_bursts.get(thread.head.pk, []),
                *_text_burst_flags(thread, self.hours),
            ]

    def flags(self, thread: OpenedThread) -> list[Flag]:
        self.prepare([thread])
        return self._flags[thread.head.pk]


def thread_flags(thread: OpenedThread, page: FlagPage) -> list[Flag]:
    """Every flag of one opened request, watch-list hits first (`page.prepare` a whole
    page's requests first to read what they need together)."""
    return page.flags(thread)
