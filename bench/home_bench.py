"""The coordinator's home page and the funnel chart at N cases, against the plain case list,
in the same run.

Run with `make bench-home` (or `.venv/bin/python bench/home_bench.py --help`). The script
builds its own throwaway database (`corridor_bench_home` beside the one named by
--database-url on PostgreSQL, or a temporary SQLite file) with the country board bench's
world (bench/board_bench.py: N cases, 100,000 by default, with pipeline histories and
applications in two compartments, in bulk with real record keys), makes its user a
coordinator, logs in through the real views and times, alternating:

* home: GET `core:home`, the coordinator's page (funnel, stages by month, alerts, overdue
  tasks, shelters, waits per destination) for the whole four-year history;
* funnel: GET `reports:chart_svg` (the funnel drawn by pygal) for the same period;
* list: GET `cases:list`, the newest 50 cases (the baseline).

Aim: home and funnel p95 under 300 ms at 100,000 cases on PostgreSQL.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from benchdb import django_setup, throwaway_database
from board_bench import build_world, measure
from cases_bench import _load, logged_in_client

BENCH_DATABASE = "corridor_bench_home"
AIM_P95_MS = 300.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="cases in all (100000)")
    parser.add_argument("--repeat", type=int, default=100, help="timed requests per page (100)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests first (10)")
    parser.add_argument(
        "--database-url",
        default="",
        help="a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/test: the bench "
        f"creates and drops its own `{BENCH_DATABASE}` database there. Default: SQLite.",
    )
    parser.add_argument(
        "--bench-database",
        default=BENCH_DATABASE,
        help=f"the name of the throwaway database on PostgreSQL ({BENCH_DATABASE})",
    )
    return parser.parse_args()


def pages(client: Any, period: dict[str, str]) -> dict[str, Any]:
    def get(path: str, params: dict[str, str] | None = None) -> Any:
        def op() -> Any:
            response = client.get(path, params or {})
            assert response.status_code == 200, (response.status_code, response.content[:300])
            return response

        return op

    return {
        "case list (GET)": get("/cases/"),
        "coordinator home (GET)": get("/", period),
        "funnel chart (GET)": get("/reports/charts/funnel.svg", period),
    }


def main() -> None:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="corridor-home-bench-"))
    try:
        with throwaway_database(args.database_url, args.bench_database, sqlite_dir=workdir) as url:
            print(f"home bench: before setup, {_load()}", flush=True)
            started = time.perf_counter()
            django_setup(url, workdir, environment={"ALLOWED_HOSTS": "testserver"})
            from django.db import connection
            from django.utils import timezone

            from corridor.accounts.models import User
            from corridor.accounts.roles import Role

            world, made, _compartments = build_world(args.cases)
            User.objects.filter(pk=world.worker.pk).update(role=Role.COORDINATOR)
            # The world is written in bulk, past the actions that keep the stage counts.
            from corridor.cases.stagecounts import stage_counts_rebuild

            rebuilt = time.perf_counter()
            rows, _wrong = stage_counts_rebuild()
            print(
                f"home bench: stage counts rebuilt ({rows:,} rows) in "
                f"{time.perf_counter() - rebuilt:.1f} s",
                flush=True,
            )
            today = timezone.localdate()
            period = {"start": f"{today.year - 4}-{today.month:02d}", "end": f"{today:%Y-%m}"}
            print(
                f"home bench: {connection.vendor}, {made['cases']:,} cases, "
                f"{made['transitions']:,} transitions; setup "
                f"{time.perf_counter() - started:.0f} s; period {period}",
                flush=True,
            )
            ops = pages(logged_in_client(world), period)
            print(f"{args.repeat} requests per page after {args.warmup} warm-up; {_load()}")
            results = measure(ops, args.repeat, args.warmup)
            header = f"{'page':<24} {'p50':>10} {'p95':>10}  aim: p95 < {AIM_P95_MS:.0f} ms"
            print(header + "\n" + "-" * len(header))
            for name, (p50, p95) in results.items():
                met = (
                    ""
                    if name.startswith("case list")
                    else ("  met" if p95 < AIM_P95_MS else "  NOT MET")
                )
                print(f"{name:<24} {p50:>7.1f} ms {p95:>7.1f} ms{met}")
            print(f"after the run: {_load()}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
