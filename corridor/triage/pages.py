"""What the inbox and the request page need: requests opened, indexed once, and flagged.

The first desk member to open a request computes its keyed hashes (the web process that
received it holds no key); every inbox visit also indexes a bounded backlog of requests not
opened yet, oldest first, so duplicates and bursts are found among requests nobody has read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy

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
#: Requests not opened yet that one inbox visit indexes (oldest first).
BACKLOG_LIMIT = 200


def backlog_index(*, actor_id: int, opener: PayloadOpener, limit: int = BACKLOG_LIMIT) -> int:
    pending = Submission.objects.filter(triage_indexed__isnull=True).order_by("received_hour")
    items = [(s, opener.identifiers(s)) for s in pending[:limit]]
    return len(submissions_index(actor_id=actor_id, items=items))


def threads_index(*, actor_id: int, threads: Iterable[OpenedThread]) -> None:
    items = [
        (s, identifiers_of(thread.payloads[s.pk])) for thread in threads for s in thread.submissions
    ]
    submissions_index(actor_id=actor_id, items=items)


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
    *, actor_id: int, heads: Iterable[Submission], opener: PayloadOpener
) -> list[FlaggedThread]:
    """Open, index and flag each request (with its follow-ups), for one desk member."""
    threads = threads_open(heads, opener)
    threads_index(actor_id=actor_id, threads=threads)
    page = FlagPage(opener=opener, actor_id=actor_id)
    return [FlaggedThread(thread, thread_flags(thread, page)) for thread in threads]
