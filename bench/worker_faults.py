"""The worker under fire: connections cut again and again while check-ins go missed.

Run with `make bench-faults` (or `.venv/bin/python bench/worker_faults.py --help`). The
script builds a throwaway PostgreSQL database (`corridor_bench_faults`, beside the one
--database-url names), an organisation and 12 cases through Corridor's real actions, then
runs two phases of the same load, one after the other:

* writers (threads, each on its own connection) schedule check-ins that fall due within two
  seconds and are never kept, move the cases between vetting and accepted, and add
  expenses; each write begins as a request does (`close_old_connections`, which with
  CONN_HEALTH_CHECKS reopens a connection the database ended);
* the real worker, `manage.py work --interval 1`, as a subprocess that this script starts
  again a second after it exits (as systemd's Restart=always would), counting restarts;
* baseline phase: nothing else. Fault phase: every couple of seconds (at random) every
  other connection to the database is ended with pg_terminate_backend, the worker's
  and the writers' alike, as a database restart or a failover would.

After each phase it waits a few seconds for the worker to catch up, then reports: check-ins
that fell due in the phase against alerts raised for them, the delay from due time to alert
(median, p95, max), worker restarts, the passes and items the worker logged as failed, and
the writers' errors by class. What it should show: every due check-in alerted in both
phases, no restart, writers failing only when a cut lands in the middle of a write.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from benchdb import (
    REPO_DIR,
    bench_environment,
    bench_organisation,
    django_setup,
    throwaway_database,
    timing,
)

BENCH_DATABASE = "corridor_bench_faults"
CASES = 12
SETTLE_SECONDS = 6.0  # after a phase, the worker's time to raise what fell due in it


@dataclass
class Phase:
    name: str
    seconds: float
    kills: bool
    schedules: list[Any] = field(default_factory=list)  # (id, due time) of each scheduled
    writes: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    cuts: int = 0
    backends_cut: int = 0
    restarts: int = 0
    worker_log: str = ""
    ended_at: datetime | None = None  # when the writers stopped


class Worker:
    """`manage.py work` as a subprocess, started again a second after it exits."""

    def __init__(self, environment: dict[str, str], log_path: Path, interval: float) -> None:
        self.environment, self.log_path, self.interval = environment, log_path, interval
        self.restarts = 0
        self._stop = threading.Event()
        self._process: subprocess.Popen[bytes] | None = None
        self._thread = threading.Thread(target=self._supervise, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _supervise(self) -> None:
        with self.log_path.open("ab") as log:
            while not self._stop.is_set():
                self._process = subprocess.Popen(
                    [sys.executable, "manage.py", "work", "--interval", str(self.interval)],
                    cwd=REPO_DIR,
                    env=self.environment,
                    stdout=log,
                    stderr=log,
                )
                self._process.wait()
                if self._stop.is_set():
                    return
                self.restarts += 1
                self._stop.wait(1.0)

    def stop(self) -> None:
        self._stop.set()
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(2)  # SIGINT: the worker's clean stop
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._thread.join(timeout=20)


def _write(rng: random.Random, actor_id: int, cases: list[Any], phase: Phase) -> None:
    from django.utils import timezone

    from corridor.cases.actions import case_move_to_stage, expense_add
    from corridor.cases.models import Case
    from corridor.tasks.actions import checkin_schedule_create

    roll = rng.random()
    case = Case.objects.get(pk=rng.choice(cases).pk)
    if roll < 0.4:
        now = timezone.now()
        schedule = checkin_schedule_create(
            actor_id=actor_id,
            case=case,
            every_hours=24,
            grace_minutes=0,
            first_due_at=now + timedelta(seconds=rng.uniform(0.0, 2.0)),
            at=now,
        )
        phase.schedules.append((schedule.pk, schedule.next_due_at))
    elif roll < 0.7:
        accept = case.stage == "vetting"
        case_move_to_stage(
            actor_id=actor_id,
            case=case,
            to_stage="accepted" if accept else "vetting",
            reason="" if accept else "New doubts",
        )
    else:
        expense_add(
            actor_id=actor_id,
            case=case,
            category="food",
            amount="9.90",
            currency="EUR",
            spent_on=timezone.localdate(),
        )


def _writer(
    seed: int, keyring: Any, actor_id: int, cases: list[Any], phase: Phase, end: float
) -> None:
    from django.db import close_old_connections, connection

    from corridor.cases.pipeline import TransitionRefused
    from corridor.vault.keyring import keyring_activated

    rng = random.Random(seed)
    with keyring_activated(keyring):
        while time.monotonic() < end:
            close_old_connections()  # what a request does first
            try:
                _write(rng, actor_id, cases, phase)
                phase.writes += 1
            except TransitionRefused:
                phase.writes += 1  # another writer moved the case first
            except Exception as exc:  # noqa: BLE001 - counted and reported
                phase.errors[type(exc).__name__] += 1
                connection.close()
            time.sleep(rng.uniform(0.01, 0.05))
    connection.close()


def _killer(admin_url: str, database: str, phase: Phase, end: float, mean_gap: float) -> None:
    import psycopg

    rng = random.Random(7)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        while (pause := rng.expovariate(1.0 / mean_gap)) < end - time.monotonic():
            time.sleep(pause)
            ended = conn.execute(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [database],
            ).fetchone()
            phase.cuts += 1
            phase.backends_cut += int(ended[0]) if ended else 0


def phase_run(
    phase: Phase,
    *,
    keyring: Any,
    actor_id: int,
    cases: list[Any],
    environment: dict[str, str],
    workdir: Path,
    admin_url: str,
    writers: int,
    interval: float,
    mean_gap: float,
) -> None:
    from django.db import connections
    from django.utils import timezone

    log_path = workdir / f"worker-{phase.name}.log"
    worker = Worker(environment, log_path, interval)
    worker.start()
    time.sleep(2.0)  # the worker's first pass
    end = time.monotonic() + phase.seconds
    threads = [
        threading.Thread(target=_writer, args=(n, keyring, actor_id, cases, phase, end))
        for n in range(writers)
    ]
    if phase.kills:
        threads.append(
            threading.Thread(target=_killer, args=(admin_url, BENCH_DATABASE, phase, end, mean_gap))
        )
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.ended_at = timezone.now()
    time.sleep(SETTLE_SECONDS)
    worker.stop()
    with contextlib.suppress(Exception):  # this thread's connection may have been cut too
        connections.close_all()
    phase.restarts = worker.restarts
    phase.worker_log = log_path.read_text(errors="replace")


def phase_report(phase: Phase) -> dict[str, str]:
    from corridor.tasks.models import Alert

    assert phase.ended_at is not None
    due = {pk: at for pk, at in phase.schedules if at < phase.ended_at}
    alerts = dict(
        Alert.objects.filter(schedule_id__in=list(due)).values_list("schedule_id", "raised_at")
    )
    delays = [(alerts[pk] - due[pk]).total_seconds() for pk in alerts]
    delay = timing(delays) if delays else None
    failed_passes = phase.worker_log.count("pass failed")
    failed_items = phase.worker_log.count(" failed (") - failed_passes
    errors = ", ".join(f"{name} {count}" for name, count in phase.errors.most_common()) or "none"
    return {
        "connection cuts (backends ended)": (
            f"{phase.cuts} ({phase.backends_cut})" if phase.kills else "none"
        ),
        "writes done": str(phase.writes),
        "writer errors": errors,
        "check-ins due": str(len(due)),
        "alerts raised for them": str(len(alerts)),
        "alerts missing": str(len(due) - len(alerts)),
        "delay due->alert p50 / p95 / max": (
            f"{delay.p50_ms / 1000:.2f} / {delay.p95_ms / 1000:.2f} / {max(delays):.2f} s"
            if delay
            else "-"
        ),
        "worker restarts": str(phase.restarts),
        "worker passes failed / items failed": f"{failed_passes} / {failed_items}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default="postgres://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL server (the bench makes and drops its own database beside it)",
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="the fault phase (60)")
    parser.add_argument("--baseline-seconds", type=float, default=30.0, help="baseline (30)")
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--interval", type=float, default=1.0, help="the worker's --interval")
    parser.add_argument(
        "--cut-every", type=float, default=2.0, help="mean seconds between connection cuts"
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="corridor-bench-faults-"))
    try:
        with throwaway_database(args.database_url, BENCH_DATABASE, sqlite_dir=None) as url:
            django_setup(url, workdir)
            _run(args, url, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _run(args: argparse.Namespace, url: str, workdir: Path) -> None:
    from django.utils import timezone

    from corridor.cases.actions import case_create, case_move_to_stage
    from corridor.vault.actions import compartment_create
    from corridor.vault.keyring import keyring_activated

    admin, keyring = bench_organisation()
    north = compartment_create(actor_id=admin.pk, name="North")
    began = timezone.now() - timedelta(days=30)
    with keyring_activated(keyring):
        cases = [
            case_create(actor_id=admin.pk, compartment=north, full_name=f"Bench {n}", at=began)
            for n in range(CASES)
        ]
        for case in cases:
            case_move_to_stage(
                actor_id=admin.pk, case=case, to_stage="vetting", at=began + timedelta(days=1)
            )
    environment = {**bench_environment(url, workdir), "PATH": "/usr/bin:/bin"}
    phases = [
        Phase("baseline", args.baseline_seconds, kills=False),
        Phase("faults", args.seconds, kills=True),
    ]
    reports = []
    for phase in phases:
        print(f"{phase.name}: {phase.seconds:g} s, {args.writers} writers ...", flush=True)
        phase_run(
            phase,
            keyring=keyring,
            actor_id=admin.pk,
            cases=cases,
            environment=environment,
            workdir=workdir,
            admin_url=args.database_url,
            writers=args.writers,
            interval=args.interval,
            mean_gap=args.cut_every,
        )
        reports.append(phase_report(phase))
    width = max(len(key) for key in reports[0])
    print(f"\n{'':<{width}}  {'baseline':>22}  {'faults':>22}")
    for key in reports[0]:
        print(f"{key:<{width}}  {reports[0][key]:>22}  {reports[1][key]:>22}")


if __name__ == "__main__":
    main()
