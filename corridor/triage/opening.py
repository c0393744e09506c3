"""Opening requests for one desk member, for the length of one page.

Requests are sealed to the intake key; `corridor.intake.actions.submissions_open` opens them
with the viewer's keyring (the intake private key is a vault field of the desk
compartment). A page may need the same request several times (the list, its flags, a burst
comparison), so an opener keeps what it opened in memory for that page only: nothing
decrypted is written anywhere or outlives the request (T1, T2).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from corridor.audit.log import audit_record_many
from corridor.intake.actions import submissions_open, submissions_open_record
from corridor.intake.models import Submission
from corridor.triage.identifiers import Identifiers, identifiers_of
from corridor.vault.keyring import Keyring, current_keyring


class PayloadOpener:
    """Opens submissions with one keyring, each once per page, in batches.

    `deferred=True`: reads are not audited as they happen; the page records them all with
    `record_reads()` in its one transaction (corridor.triage.pages.threads_flagged does).
    The other records a page opens (cases compared, watch-list notes shown) are audited
    through `read_others`, with the same timing.
    """

    def __init__(self, keyring: Keyring | None = None, *, deferred: bool = False) -> None:
        self._keyring = keyring or current_keyring()
        self._deferred = deferred
        self._payloads: dict[uuid.UUID, dict[str, Any]] = {}
        self._unrecorded: list[uuid.UUID] = []
        self._others: dict[tuple[str, str], list[str]] = {}

    @property
    def keyring(self) -> Keyring:
        return self._keyring

    def open_many(self, submissions: Iterable[Submission]) -> None:
        """Open every submission not opened yet on this page (each intake key once)."""
        missing = [s for s in submissions if s.pk not in self._payloads]
        if not missing:
            return
        opened = submissions_open(missing, self._keyring, audit=not self._deferred)
        self._payloads.update(opened)
        if self._deferred:
            self._unrecorded += list(opened)

    def read_others(self, *, action: str, object_type: str, object_ids: Iterable[str]) -> None:
        """Audit other records this page opened with the keyring: now, or if deferred with
        the page's `record_reads()`."""
        ids = list(object_ids)
        if not self._deferred:
            with transaction.atomic():
                self._others_record({(action, object_type): ids})
            return
        self._others.setdefault((action, object_type), []).extend(ids)

    def _others_record(self, others: dict[tuple[str, str], list[str]]) -> None:
        for (action, object_type), ids in others.items():
            audit_record_many(
                actor_id=self._keyring.user_id,
                action=action,
                object_type=object_type,
                object_ids=list(dict.fromkeys(ids)),
            )

    def record_reads(self) -> None:
        """Audit the reads not recorded yet (inside the caller's transaction)."""
        if self._unrecorded:
            submissions_open_record(actor_id=self._keyring.user_id, submission_ids=self._unrecorded)
            self._unrecorded = []
        self._others_record(self._others)
        self._others = {}

    def payload(self, submission: Submission) -> dict[str, Any]:
        if submission.pk not in self._payloads:
            self.open_many([submission])
        return self._payloads[submission.pk]

    def identifiers(self, submission: Submission) -> Identifiers:
        return identifiers_of(self.payload(submission))


@dataclass
class OpenedThread:
    """A request and its follow-ups, opened: what the desk reads and the flags compare."""

    head: Submission
    submissions: list[Submission]
    payloads: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)

    @property
    def payload(self) -> dict[str, Any]:
        return self.payloads[self.head.pk]

    @property
    def identifiers(self) -> Identifiers:
        """The head's identifiers with every follow-up's added."""
        found = identifiers_of(self.payload)
        for submission in self.submissions[1:]:
            found = found.merged(identifiers_of(self.payloads[submission.pk]))
        return found


def threads_open(heads: Iterable[Submission], opener: PayloadOpener) -> list[OpenedThread]:
    """Open each request with its follow-ups (one query for all follow-ups)."""
    heads = list(heads)
    follow_ups: dict[uuid.UUID, list[Submission]] = {head.pk: [] for head in heads}
    for submission in Submission.objects.filter(thread_id__in=list(follow_ups)).order_by(
        "position", "received_hour"
    ):
        follow_ups[submission.thread_id].append(submission)  # type: ignore[index]
    opener.open_many([s for head in heads for s in (head, *follow_ups[head.pk])])
    threads = []
    for head in heads:
        submissions = [head, *follow_ups[head.pk]]
        payloads = {s.pk: opener.payload(s) for s in submissions}
        threads.append(OpenedThread(head=head, submissions=submissions, payloads=payloads))
    return threads
