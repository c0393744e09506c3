"""Work shared out between processes forked from the parent, on every core.

Pure Python is bound to one core per process. A batch run therefore forks workers that
inherit the parent's memory (the requests, the normalised records, the blocks), so nothing
large is copied or pickled on the way in; each worker does every `workers`-th share of the
task and sends back flat, cheaply pickled results (bytes, tuples of strings).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from typing import Any

#: Below this many records a batch is worked in-process: forking costs more than it saves,
#: and a web worker linking a desk's handful of requests should not fork at all.
PARALLEL_MIN_RECORDS = 50_000

Task = Callable[[int, int], Any]

# Set by the parent just before forking; the workers inherit it.
_TASK: Task | None = None


def _run_share(share: tuple[int, int]) -> Any:
    if _TASK is None:
        raise RuntimeError("forked() must set the task before the workers start")
    return _TASK(*share)


def forked(task: Task, records: int) -> list[Any]:
    """`task(worker, workers)` for every worker, in forked processes when the batch is large
    enough and the platform can fork, else once in-process as `task(0, 1)`."""
    global _TASK
    workers = os.cpu_count() or 1
    if (
        records < PARALLEL_MIN_RECORDS
        or workers < 2
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        return [task(0, 1)]
    _TASK = task
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return pool.map(_run_share, [(worker, workers) for worker in range(workers)])
    finally:
        _TASK = None
