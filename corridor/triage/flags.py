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
from typing import TypeVar

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rapidfuzz import fuzz, process

from corridor.cases.models import Case
from corridor.intake.models import Submission
from corridor.linkage.model import FieldEvidence
from corridor.triage.identifiers import message_of
from corridor.triage.linkage_adapter import CASE, SUBMISSION, FuzzyMatch, Linkage
from corridor.triage.models import SubmissionTerm, TermKind, WatchEntry, WatchKind
from corridor.triage.opening import OpenedThread, PayloadOpener
from corridor.triage.terms import case_matches, request_terms, request_watch_digests
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
    common = []
    for term, records in holders.items():
        if len(records) > DUPLICATES_LISTED:
            common.append((kind_of[term], len(records)))
            continue
        for record in records:
            listed[record].add(kind_of[term])
    return listed, common


def _request_duplicates(
    thread: OpenedThread, terms: list[tuple[str, bytes]]
) -> tuple[dict[str, set[str]], list[tuple[str, int]]]:
    """Other requests sharing a term of this one: {thread id: kinds}, and common terms."""
    rows = (
        SubmissionTerm.objects.filter(digest__in=[digest for _kind, digest in terms])
        .exclude(thread_id=thread.head.pk)
        .values_list("thread_id", "digest")
    )
    holders: dict[str, set[str]] = defaultdict(set)
    for thread_id, digest in rows:
        holders[bytes(digest).hex()].add(str(thread_id))
    return _listed(holders, {digest.hex(): kind for kind, digest in terms})


def _duplicate_flags(thread: OpenedThread, page: FlagPage) -> list[Flag]:
    identifiers = thread.identifiers
    others: dict[tuple[str, str], _Other] = {}
    requests, common = _request_duplicates(thread, request_terms(identifiers))
    for thread_id, kinds in requests.items():
        others[(SUBMISSION, thread_id)] = _Other(SUBMISSION, thread_id, kinds)
    own_case = thread.head.case_id
    cases_held = case_matches(identifiers, exclude=own_case)
    cases, common_in_cases = _listed(cases_held, {kind: kind for kind in cases_held})
    for case_id, kinds in cases.items():
        others[(CASE, case_id)] = _Other(CASE, case_id, kinds)
    for match in page.linkage.matches(
        thread_id=thread.head.pk, identifiers=identifiers, own_case=own_case
    ):
        other = others.setdefault(
            (match.kind, str(match.record_id)), _Other(match.kind, str(match.record_id))
        )
        other.match = match
    heads = Submission.objects.in_bulk(
        [uuid.UUID(o.record_id) for o in others.values() if o.kind != CASE]
    )
    case_rows = Case.objects.select_related("compartment").in_bulk(
        [uuid.UUID(o.record_id) for o in others.values() if o.kind == CASE]
    )
    flags = [
        Flag(
            DUPLICATE,
            _("%(count)d other requests share this %(kind)s: too many to list.")
            % {"count": count, "kind": TermKind(kind).label},
        )
        for kind, count in common
    ]
    flags += [
        Flag(
            DUPLICATE,
            _("%(count)d cases share this %(kind)s: too many to list.")
            % {"count": count, "kind": TermKind(kind).label},
        )
        for kind, count in common_in_cases
    ]
    for other in others.values():
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
    digests = request_watch_digests(thread.identifiers)
    if watched is not None:
        digests = {digest: kind for digest, kind in digests.items() if digest in watched}
    if not digests:
        return []
    entries = WatchEntry.objects.filter(digest__in=list(digests))
    return [(digests[bytes(entry.digest)], entry) for entry in entries]


def _watch_flags(thread: OpenedThread, page: FlagPage) -> list[Flag]:
    link = reverse("triage:watchlist")
    return [
        Flag(
            WATCH,
            _("On the watch list: %(kind)s.") % {"kind": WatchKind(kind).label},
            link=link,
            note=entry.note or "",
        )
        for kind, entry in watch_hits(thread, page.watched)
    ]


def _term_burst_flags(thread: OpenedThread) -> list[Flag]:
    own = SubmissionTerm.objects.filter(thread_id=thread.head.pk).values_list(
        "received_hour", "kind", "digest"
    )
    keys = {(hour, kind, bytes(digest)) for hour, kind, digest in own}
    if not keys:
        return []
    rows = (
        SubmissionTerm.objects.filter(
            received_hour__in={hour for hour, _kind, _digest in keys},
            digest__in=[digest for _hour, _kind, digest in keys],
        )
        .values("received_hour", "kind", "digest")
        .annotate(threads=Count("thread", distinct=True))
        .filter(threads__gte=BURST_MIN_REQUESTS)
    )
    flags = []
    for row in rows:
        if (row["received_hour"], row["kind"], bytes(row["digest"])) in keys:
            flags.append(
                Flag(
                    BURST,
                    _("%(count)d requests in the hour of %(hour)s share this %(kind)s.")
                    % {
                        "count": row["threads"],
                        "hour": _hour(row["received_hour"]),
                        "kind": TermKind(row["kind"]).label,
                    },
                )
            )
    return flags


def near_identical_counts(messages: dict[Key, str]) -> dict[Key, int]:
    """For each message, how many others are near-identical to it (long messages only)."""
    long = {key: text for key, text in messages.items() if len(text) >= MESSAGE_MIN_CHARS}
    keys, texts = list(long), list(long.values())
    counts = dict.fromkeys(messages, 0)
    for index, text in enumerate(texts):
        found = process.extract(
            text, texts, scorer=fuzz.ratio, score_cutoff=NEAR_IDENTICAL_RATIO, limit=None
        )
        counts[keys[index]] = sum(1 for _, _, position in found if position != index)
    return counts


class HourMessages:
    """The messages of every request received in an hour, opened once per page."""

    def __init__(self, opener: PayloadOpener) -> None:
        self._opener = opener
        self._counts: dict[datetime, dict[uuid.UUID, int]] = {}

    def near_identical(self, head: Submission) -> int:
        hour = head.received_hour
        if hour not in self._counts:
            heads = Submission.objects.filter(received_hour=hour, thread__isnull=True)[
                :BURST_BUCKET_CAP
            ]
            self._counts[hour] = near_identical_counts(
                {s.pk: message_of(self._opener.payload(s)) for s in heads}
            )
        return self._counts[hour].get(head.pk, 0)


def _text_burst_flags(thread: OpenedThread, hours: HourMessages) -> list[Flag]:
    others = hours.near_identical(thread.head)
    if others + 1 < BURST_MIN_REQUESTS:
        return []
    return [
        Flag(
            BURST,
            _("%(count)d requests in the hour of %(hour)s carry near-identical messages.")
            % {"count": others + 1, "hour": _hour(thread.head.received_hour)},
        )
    ]


class FlagPage:
    """What flagging needs once per page for one desk member: the opened requests, the
    linkage engine, the hours' messages, the member's compartments, the watch list's digests."""

    def __init__(self, *, opener: PayloadOpener, actor_id: int) -> None:
        self.opener = opener
        self.linkage = Linkage(opener)
        self.hours = HourMessages(opener)
        self.member_compartments = set(
            Membership.objects.filter(user_id=actor_id).values_list("compartment_id", flat=True)
        )
        self.watched = {bytes(d) for d in WatchEntry.objects.values_list("digest", flat=True)}


def thread_flags(thread: OpenedThread, page: FlagPage) -> list[Flag]:
    """Every flag of one opened request, watch-list hits first."""
    return [
        *_watch_flags(thread, page),
        *_duplicate_flags(thread, page),
        *_term_burst_flags(thread),
        *_text_burst_flags(thread, page.hours),
    ]
