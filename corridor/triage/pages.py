"""What the inbox and the request page need: requests opened, indexed once, and flagged.

The first desk member to open a request computes its keyed hashes (the web process that
received it holds no key); every inbox visit also indexes a bounded backlog of requests not
opened yet (`BACKLOG_LIMIT`, newest first: the hours the inbox shows first), so duplicates
and bursts are found among requests nobody has read. A flood of thousands is indexed over
successive visits, each in one transaction, without slowing any one visit much.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy

from corridor.audit.log import audit_record_many
from corridor.intake.models import Submission
from corridor.triage.actions import submissions_index
from corridor.triage.display import urgency_label
from corridor.triage.flags import BURST, DUPLICATE, LINKAGE, WATCH, Flag, FlagPage, thread_flags
from corridor.triage.identifiers import identifiers_of
from corridor.triage.opening import OpenedThread, PayloadOpener, threads_open

FLAG_LABELS = {
    WATCH: gettext_lazy("watch list"),
    DUPLICATE: gettext_lazy("duplicate"),
    LINKAGE: gettext_lazy("same person?"),
    BURST: gettext_lazy("burst"),
}
#: Requests not opened yet that one inbox visit indexes besides its own (newest first).
BACKLOG_LIMIT = 50


def _backlog(opener: PayloadOpener, *, limit: int, exclude: list[uuid.UUID]) -> list[Submission]:
    """Up to `limit` submissions nobody has indexed yet, newest first, opened."""
    pending = list(
        Submission.objects.filter(triage_indexed__isnull=True)
        .exclude(pk__in=exclude)
        .order_by("-received_hour", "pk")[:limit]
    )
    opener.open_many(pending)
    return pending


@dataclass
class FlaggedThread:
    thread: OpenedThread
    flags: list[Flag]

    @property
    def watch(self) -> bool:
        return any(flag.code == WATCH for flag in self.flags)

    @property
    def badges(self) -> list[tuple[str, str, int]]:
        """(code, label, count) of each kind of flag, for the inbox."""
        counts: dict[str, int] = {}
        for flag in self.flags:
            counts[flag.code] = counts.get(flag.code, 0) + 1
        return [
            (code, str(FLAG_LABELS[code]), counts[code]) for code in FLAG_LABELS if code in counts
        ]

    @property
    def urgency(self) -> str:
        return urgency_label(self.thread.payload)


def threads_flagged(
    *,
    actor_id: int,
    heads: Iterable[Submission],
    opener: PayloadOpener,
    backlog: int = 0,
    listed: bool = False,
    notes: bool = False,
) -> list[FlaggedThread]:
    """Open, index and flag each request (with its follow-ups), for one desk member.

    A fixed number of queries whatever the size of the desk: the requests are opened in
    batches, indexed with the `backlog` newest requests nobody has indexed yet (one
    `submissions_index` transaction, only if any is new), and flagged together
    (`FlagPage.prepare`). Reads an opener defers are recorded at the end in one transaction
    (one `audit_record_many`), with the `triage.list` entries of the page if `listed`; they
    are recorded even if flagging fails, since the requests were opened. So are the cases the
    linkage engine opened to compare and, with `notes` (the request page), the watch-list
    entries whose notes were opened.
    """
    rows: list[FlaggedThread] = []
    try:
        threads = threads_open(heads, opener)
        items = [
            (s, identifiers_of(thread.payloads[s.pk]))
            for thread in threads
            for s in thread.submissions
        ]
        if backlog:
            pending = _backlog(opener, limit=backlog, exclude=[s.pk for s, _ids in items])
            items += [(s, opener.identifiers(s)) for s in pending]
        submissions_index(actor_id=actor_id, items=items)
        page = FlagPage(opener=opener, actor_id=actor_id, notes=notes)
        page.prepare(threads)
        rows = [FlaggedThread(thread, thread_flags(thread, page)) for thread in threads]
    finally:
        with transaction.atomic():
            opener.record_reads()
            if listed and rows:
                audit_record_many(
                    actor_id=actor_id,
                    action="triage.list",
                    object_type="intake.Submission",
                    object_ids=[str(row.thread.head.pk) for row in rows],
                )
    return rows
