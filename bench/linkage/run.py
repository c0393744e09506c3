"""Benchmark Corridor's linkage engine against Splink on synthetic requests with ground truth.

    .venv/bin/python bench/linkage/run.py [--sizes 10000,100000,1000000] [--systems corridor,splink]

Each system runs in its own subprocess so that its peak resident memory is its own. Scores
are pairwise: a pair of requests is a true link when the same person wrote both.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import write_dataset  # noqa: E402
from online_latency import online_latency  # noqa: E402

SYSTEMS = {"corridor": HERE / "system_corridor.py", "splink": HERE / "system_splink.py"}
# Generated data (hundreds of MB at a million records) stays out of the repository.
DATA = Path(tempfile.gettempdir()) / "corridor-linkage-bench"


def _pairs(groups: Counter[object]) -> int:
    return sum(n * (n - 1) // 2 for n in groups.values())


def pairwise_scores(truth_path: Path, output_path: Path) -> tuple[float, float, float]:
    """Pairwise precision, recall and F1 from the contingency of clusters and persons."""
    with truth_path.open(encoding="utf-8") as handle:
        truth = {row["id"]: row["person"] for row in csv.DictReader(handle)}
    with output_path.open(encoding="utf-8") as handle:
        found = {row["id"]: row["cluster"] for row in csv.DictReader(handle)}
    if set(found) != set(truth):
        raise SystemExit(f"{output_path}: ids do not match the input")
    true_pairs = _pairs(Counter(truth.values()))
    found_pairs = _pairs(Counter(found.values()))
    both = _pairs(Counter((found[i], truth[i]) for i in truth))
    precision = both / found_pairs if found_pairs else 1.0
    recall = both / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def run_system(system: str, requests: Path, truth: Path, size: int) -> dict[str, object]:
    output = DATA / f"{system}-{size}.csv"
    completed = subprocess.run(
        [sys.executable, str(SYSTEMS[system]), str(requests), str(output)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if completed.returncode != 0:
        tail = completed.stderr.strip().splitlines()[-3:]
        return {"system": system, "size": size, "error": " | ".join(tail)}
    measured = json.loads(completed.stdout.strip().splitlines()[-1])
    precision, recall, f1 = pairwise_scores(truth, output)
    return {
        "system": system,
        "size": size,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        **measured,
    }


def _row(result: dict[str, object]) -> str:
    if "error" in result:
        return f"{result['system']:<9} {result['size']:>9}  failed: {result['error']}"
    return (
        f"{result['system']:<9} {result['size']:>9} {result['precision']:>9.4f} {result['recall']:>7.4f}"
        f" {result['f1']:>7.4f} {result['seconds']:>9.1f} {result['peak_mib']:>9.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--systems", default="corridor,splink")
    parser.add_argument(
        "--online-size",
        type=int,
        default=None,
        help="stored requests for the online query test (default: the largest size; 0: skip it)",
    )
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    systems = args.systems.split(",")
    DATA.mkdir(exist_ok=True)
    print(
        f"{'system':<9} {'records':>9} {'precision':>9} {'recall':>7} {'F1':>7} {'seconds':>9} {'peak MiB':>9}"
    )
    for size in sizes:
        started = time.perf_counter()
        requests, truth = write_dataset(size, DATA)
        print(f"# {size} requests generated in {time.perf_counter() - started:.1f}s", flush=True)
        for system in systems:
            print(_row(run_system(system, requests, truth, size)), flush=True)
    if args.online_size == 0:
        return
    online_size = args.online_size or max(sizes)
    requests, _ = write_dataset(online_size, DATA)
    latency = online_latency(requests)
    print(
        f"online: {latency['queries']} queries against {latency['stored']} stored requests: "
        f"median {latency['median_ms']:.2f} ms, p99 {latency['p99_ms']:.2f} ms, max {latency['max_ms']:.2f} ms"
    )


if __name__ == "__main__":
    main()
