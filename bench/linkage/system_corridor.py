"""Run Corridor's `corridor link` on one dataset and report wall time and peak memory as JSON."""

from __future__ import annotations

import json
import resource
import sys
import time

from corridor.linkage.cli import main

if __name__ == "__main__":
    started = time.perf_counter()
    status = main([sys.argv[1], "--out", sys.argv[2], "--quiet"])
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"status": status, "seconds": seconds, "peak_mib": peak_kib / 1024}))
