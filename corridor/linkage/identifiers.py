"""The identifier graph: phones and handles that stand behind people with different names.

A trap often looks like one phone number used for requests under several names (police
running fake profiles, a detainee forced to call friends, T4 in the security design). After
clustering, every identifier shared by two or more clusters whose names are incompatible is
reported with the records and the name comparison that make it suspicious. Flags carry record
ids and levels, never the names or numbers themselves, so that they can be logged and stored
without becoming a plaintext index.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from corridor.linkage.compare import NAME_COMPATIBLE, NAME_LEVELS


@dataclass(frozen=True, slots=True)
class IdentifierFlag:
    """One identifier shared by clusters whose names disagree."""

    identifier_kind: str
    record_ids: tuple[str, ...]
    clusters: tuple[str, ...]
    name_disagreements: tuple[tuple[str, str, str], ...]


def identifier_flags(
    record_ids: Sequence[str],
    identifiers: Sequence[tuple[str, ...]],
    labels: Sequence[int],
    name_level_between: Callable[[int, int], int],
    named: Sequence[bool],
) -> list[IdentifierFlag]:
    """Flags for identifiers shared across clusters with incompatible names.

    `name_level_between(i, j)` compares the names of records i and j; a missing name is not
    evidence of a trap and is ignored. Each cluster is represented by its first holder of
    the identifier that gives a name (`named[i]`), so that a nameless request drawn into a
    trap's cluster does not hide the trap's name.
    """
    holders: dict[str, list[int]] = defaultdict(list)
    for index, record_identifiers in enumerate(identifiers):
        for identifier in record_identifiers:
            holders[identifier].append(index)
    flags = []
    for identifier, indices in sorted(holders.items()):
        representatives: dict[int, int] = {}
        for index in indices:
            held = representatives.setdefault(labels[index], index)
            if not named[held] and named[index]:
                representatives[labels[index]] = index
        if len(representatives) < 2:
            continue
        disagreements = _name_disagreements(
            list(representatives.values()), record_ids, name_level_between
        )
        if disagreements:
            flags.append(
                IdentifierFlag(
                    identifier_kind=identifier.split(":", 1)[0],
                    record_ids=tuple(record_ids[i] for i in indices),
                    clusters=tuple(record_ids[label] for label in representatives),
                    name_disagreements=tuple(disagreements),
                )
            )
    return flags


def _name_disagreements(
    representatives: list[int],
    record_ids: Sequence[str],
    name_level_between: Callable[[int, int], int],
) -> list[tuple[str, str, str]]:
    found = []
    for position, left in enumerate(representatives):
        for right in representatives[position + 1 :]:
            level = name_level_between(left, right)
            if 0 <= level < NAME_COMPATIBLE:
                found.append((record_ids[left], record_ids[right], NAME_LEVELS[level]))
    return found
