"""Run Corridor's `corridor link` on one dataset and report wall time and peak memory as JSON.

The engine forks worker processes for the comparisons, so the peak is taken over the whole
process tree: the proportional set size (shared pages split between the processes sharing
them) of this process and its children, sampled every 50 ms, and never less than this
process's own peak resident set.
"""

from __future__ import annotations

import json
import resource
import sys
import threading
import time
from pathlib import Path

from corridor.linkage.cli import main


def _pss_kib(pid: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


def _children(pid: str) -> list[str]:
    found: list[str] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found.extend((task / "children").read_text().split())
    except OSError:
        return found
    return found


class TreeMemory:
    """Peak total PSS of this process and its descendants."""

    def __init__(self) -> None:
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            pids, total = ["self"], 0
            while pids:
                pid = pids.pop()
                total += _pss_kib(pid)
                pids.extend(_children(pid))
            self.peak_kib = max(self.peak_kib, total)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


if __name__ == "__main__":
    started = time.perf_counter()
    with TreeMemory() as memory:
        status = main([sys.argv[1], "--out", sys.argv[2], "--quiet"])
    seconds = time.perf_counter() - started
    peak_kib = max(memory.peak_kib, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    print(json.dumps({"status": status, "seconds": seconds, "peak_mib": peak_kib / 1024}))
