"""The lock order of decision 0018 as a house rule a reviewer need not remember.

Every row lock is FOR NO KEY UPDATE: PostgreSQL checks foreign keys at commit, with a FOR
KEY SHARE lock on each referenced row, while the writer holds the audit chain head; a FOR
UPDATE lock on a case (or a compartment, a shelter...) held by a transaction waiting for the
head would deadlock with that check. The only FOR UPDATE lock is the head's own, which no
row refers to. corridor/cases/tests/test_lock_order.py replays the deadlocks on PostgreSQL.
"""

from __future__ import annotations

import re
from pathlib import Path

CORRIDOR = Path(__file__).resolve().parent.parent / "corridor"
LOCK = re.compile(r"select_for_update\((?P<args>[^)]*)\)")
# The audit chain head: a singleton row no foreign key refers to (corridor/audit/log.py).
HEAD_LOCK = "AuditHead.objects.select_for_update()"


def _sources() -> list[Path]:
    return [
        path
        for path in CORRIDOR.rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts
    ]


def test_it_locks_every_row_for_no_key_update() -> None:
    # Given every module of the application
    offenders = []
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        for match in LOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            if "no_key=True" in match["args"]:
                continue
            start = text.rfind("\n", 0, match.start()) + 1
            if text[start : match.end()].strip().endswith(HEAD_LOCK):
                continue
            offenders.append(f"{path.relative_to(CORRIDOR.parent)}:{line}")
    # Then every row lock but the audit head's is FOR NO KEY UPDATE
    assert offenders == [], f"use select_for_update(no_key=True) (decision 0018): {offenders}"


def test_it_finds_a_lock_that_breaks_the_rule() -> None:
    # Given a module that locks a case FOR UPDATE, then one that locks it FOR NO KEY UPDATE
    bad = "row = Case.objects.select_for_update().get(pk=pk)"
    good = "row = Case.objects.select_for_update(no_key=True).get(pk=pk)"
    # Then the rule's pattern flags the first and not the second
    assert "no_key=True" not in LOCK.search(bad)["args"]  # type: ignore[index]
    assert "no_key=True" in LOCK.search(good)["args"]  # type: ignore[index]
