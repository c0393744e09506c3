"""Rebuilding the desk's keyed hashes when the desk compartment's index key changes.

A re-key of the desk compartment (someone left the desk) rotates its index key, so every
request term, linkage key and watch-list digest is recomputed under the new key in the same
transaction, from the requests and entries opened with the re-key's keyring: a departed
member's copy of the old key matches nothing stored afterwards (decision 0011).
"""

from __future__ import annotations

from typing import Any

from corridor.intake.actions import submissions_open
from corridor.intake.models import Submission, intake_desk
from corridor.triage.actions import submissions_index
from corridor.triage.identifiers import identifiers_of
from corridor.triage.models import LinkageKey, SubmissionIndexed, SubmissionTerm, WatchEntry
from corridor.triage.terms import watch_digest
from corridor.vault.keyring import Keyring
from corridor.vault.models import Compartment

CHUNK = 500


def desk_indexes_rebuild(
    sender: Any,
    *,
    compartment: Compartment,
    keyring: Keyring,
    actor_id: int | None = None,
    **kwargs: Any,
) -> None:
    desk = intake_desk()
    if desk is None or desk.compartment_id != compartment.pk:
        return
    entries = list(
        WatchEntry.objects.filter(compartment=compartment).only(
            *WatchEntry.KEY_FIELDS, "kind", "value_sealed", "digest"
        )
    )
    for entry in entries:
        entry.digest = watch_digest(entry.kind, entry.value or "") or b""
    WatchEntry.objects.bulk_update(entries, ["digest"], batch_size=CHUNK)
    indexed = list(
        Submission.objects.filter(triage_indexed__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    SubmissionTerm.objects.all().delete()
    LinkageKey.objects.all().delete()
    SubmissionIndexed.objects.all().delete()
    for start in range(0, len(indexed), CHUNK):
        chunk = list(Submission.objects.filter(pk__in=indexed[start : start + CHUNK]))
        payloads = submissions_open(chunk, keyring, audit=False)
        submissions_index(
            actor_id=actor_id, items=[(s, identifiers_of(payloads[s.pk])) for s in chunk]
        )
