"""Audit entries for reads a view forgot: the production side of the read check (T3).

`corridor.vault.reads.reads_check` sends `reads_unaudited` at the end of a request that
opened records it wrote no entry for (outside strict mode, where the request fails instead).
Each such record gets a `vault.read_unaudited` entry in the same request, so the read is
never missing from the chain, and the action itself says a view needs fixing.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import transaction

from corridor.audit.log import audit_record_many


def reads_unaudited_record(
    sender: Any, *, actor_id: int | None, objects: list[tuple[str, str]], **kwargs: Any
) -> None:
    by_type: dict[str, list[str]] = defaultdict(list)
    for object_type, object_id in objects:
        by_type[object_type].append(object_id)
    with transaction.atomic():
        for object_type, object_ids in sorted(by_type.items()):
            audit_record_many(
                actor_id=actor_id,
                action="vault.read_unaudited",
                object_type=object_type,
                object_ids=sorted(object_ids),
            )
