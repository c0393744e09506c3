"""One client floods the public form while another person sends one request a second.

Run with `make bench-flood` (or `.venv/bin/python bench/intake_flood.py --help`). Issue 9,
finding 5: the hourly limits were global only, so one client sending as fast as it could
took the hour's budget and everyone after it was told their request was not sent. The
script

1. creates its own PostgreSQL database (`corridor_bench_flood`, beside the one named by
   --database-url, which it never touches), migrates it and opens an intake desk;
2. runs two phases of --seconds each against gunicorn (the repository's gunicorn.conf.py,
   sync workers), with the same hourly budget, from two loopback source addresses (Linux
   routes all of 127.0.0.0/8 to loopback, so 127.0.0.2 and 127.0.0.3 are two distinct
   peers to the server):
   - the baseline, with the per-peer limits off (`CORRIDOR_INTAKE_FLOOD = {"enabled":
     False}`): the behaviour before this change, global limits only;
   - the per-peer limits on (corridor/intake/flood.py);
   in each, --flood-threads threads post the form as fast as they can from 127.0.0.2, and
   one thread posts it once a second from 127.0.0.3 (the "ordinary" person);
3. afterwards opens every stored request with the desk's key: every codename handed out in
   either phase must be stored (lost 0);
4. dumps the database (pg_dump) and scans it, the log file, gunicorn's stdout and stderr
   and everything else the server wrote for either address, in text and packed form;
5. stops the server and drops the database.

The hour is compressed into the phase: the budget (--budget, 1,200 an hour) is one the
flooder empties in well under a minute on two cores, and the per-peer share is raised
(--share, 10%: 120 per worker process) so that the ordinary person's 60 requests from one
address fit in theirs. Aim: at least 99% of the ordinary requests accepted with the
per-peer limits on, lost 0, no address in any file.
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchdb import BENCH_DIR, REPO_DIR, throwaway_database

BENCH_DATABASE = "corridor_bench_flood"
ROLE_VARIABLE = "CORRIDOR_BENCH_ROLE"
FLOODER = "127.0.0.2"
PERSON = "127.0.0.3"
AIM_ACCEPTED = 0.99
# The Russian form's refusal when the hour's global budget is spent (limits.refusal).
GLOBAL_REFUSAL = "Сейчас к нам приходит слишком много обращений".encode()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="each phase (60)")
    parser.add_argument("--flood-threads", type=int, default=3, help="flooding threads (3)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (4)")
    parser.add_argument(
        "--budget", type=int, default=1200, help="submissions per hour, both phases (1200)"
    )
    parser.add_argument(
        "--share", type=float, default=0.1, help="per-peer share of the budget (0.1)"
    )
    parser.add_argument(
        "--database-url",
        default="postgres://postgres@127.0.0.1:5432/test",
        help="a PostgreSQL server; the bench creates and drops its own "
        f"`{BENCH_DATABASE}` database there and never touches the named one",
    )
    return parser.parse_args()


# --- the server side: imported by gunicorn with CORRIDOR_BENCH_ROLE=server ------------------


def _server_application() -> Any:
    from django.conf import settings

    settings.CORRIDOR_INTAKE_LIMITS = {
        "submissions_per_hour": int(os.environ["CORRIDOR_BENCH_BUDGET"])
    }
    settings.CORRIDOR_INTAKE_FLOOD = {
        "enabled": os.environ["CORRIDOR_BENCH_PER_PEER"] == "1",
        "share": float(os.environ["CORRIDOR_BENCH_SHARE"]),
    }
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


if os.environ.get(ROLE_VARIABLE) == "server":
    application = _server_application()


# --- set-up ---------------------------------------------------------------------------------


@contextmanager
def server(
    env: dict[str, str], workdir: Path, port: int, workers: int, name: str
) -> Iterator[None]:
    command = [
        str(REPO_DIR / ".venv" / "bin" / "gunicorn"),
        "--config", str(REPO_DIR / "gunicorn.conf.py"),
        "--pythonpath", f"{REPO_DIR},{BENCH_DIR}",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--worker-class", "sync",
        "intake_flood:application",
    ]  # fmt: skip
    with (
        (workdir / f"{name}.stdout").open("wb") as out,
        (workdir / f"{name}.stderr").open("wb") as err,
    ):
        process = subprocess.Popen(  # noqa: S603 (our own gunicorn)
            command, env={**os.environ, **env, ROLE_VARIABLE: "server"}, stdout=out, stderr=err
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if _request(port, "GET", "/help/", b"", "127.0.0.1")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit("gunicorn did not start")
            time.sleep(0.2)
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


# --- the clients ----------------------------------------------------------------------------


def _request(port: int, method: str, path: str, body: bytes, source: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=60, source_address=(source, 0)
    )
    try:
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"http://127.0.0.1:{port}",
        }
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@dataclass
class Sender:
    """What one client (the flooder, or the person) sent and got back in a phase."""

    name: str
    statuses: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    accepted: dict[int, bytes] = field(default_factory=dict)  # serial -> codename
    first_global_refusal: float | None = None

    def count(self) -> int:
        return sum(self.statuses.values())

    def record(self, serial: int, status: int, page: bytes, elapsed: float, at: float) -> None:
        from intake_load import CODENAME

        codename = CODENAME.search(page)
        if codename:
            self.accepted[serial] = codename[1]
            kind = "accepted"
        elif status == 429 and GLOBAL_REFUSAL in page:
            kind = "refused: global limit"
            if self.first_global_refusal is None:
                self.first_global_refusal = at
        elif status == 429:
            kind = "refused: per peer"
        else:
            kind = f"other {status}"
        self.statuses[kind] += 1
        self.latencies.append(elapsed)


class Serials:
    def __init__(self) -> None:
        self._next = 0
        self._lock = threading.Lock()

    def take(self) -> int:
        with self._lock:
            self._next += 1
            return self._next


def run_phase(port: int, seconds: float, threads: int, serials: Serials) -> tuple[Sender, Sender]:
    from intake_load import form_body

    flooder, person = Sender("flooder"), Sender("person")
    lock = threading.Lock()
    began = time.monotonic()
    stop_at = began + seconds

    def send(sender: Sender, source: str) -> None:
        serial = serials.take()
        started = time.perf_counter()
        try:
            status, page = _request(port, "POST", "/help/", form_body(serial), source)
        except OSError:
            status, page = 0, b""
        elapsed = time.perf_counter() - started
        with lock:
            sender.record(serial, status, page, elapsed, time.monotonic() - began)

    def flood() -> None:
        while time.monotonic() < stop_at:
            send(flooder, FLOODER)

    def trickle() -> None:
        tick = 0
        while True:
            due = began + tick
            if due >= stop_at:
                return
            time.sleep(max(0.0, due - time.monotonic()))
            send(person, PERSON)
            tick += 1

    workers = [threading.Thread(target=flood) for _ in range(threads)]
    workers.append(threading.Thread(target=trickle))
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return flooder, person


# --- afterwards -----------------------------------------------------------------------------


def _address_patterns() -> dict[str, bytes]:
    patterns = {}
    for address in (FLOODER, PERSON):
        patterns[address] = address.encode()
        patterns[f"{address} packed"] = ipaddress.ip_address(address).packed
        patterns[f"{address} mapped"] = f"::ffff:{address}".encode()
    return patterns


def address_scan(workdir: Path, database_url: str) -> tuple[list[str], int, int]:
    """(hits, files scanned, bytes scanned) over everything the server wrote and the database."""
    from django.db import connection

    dump = workdir / "database.sql"
    settings_dict = connection.settings_dict
    with dump.open("wb") as out:
        subprocess.run(  # noqa: S603
            [
                "pg_dump",
                "-h",
                settings_dict.get("HOST") or "127.0.0.1",
                "-p",
                str(settings_dict.get("PORT") or 5432),
                "-U",
                settings_dict.get("USER") or "postgres",
                str(settings_dict["NAME"]),
            ],  # fmt: skip
            stdout=out,
            check=True,
        )
    # The scan is not blind: the dump holds what is stored in clear (the desk's compartment).
    if b"Intake desk" not in dump.read_bytes():
        raise SystemExit("the database dump does not hold the compartment's name: scan broken")
    patterns = _address_patterns()
    hits, files, size = [], 0, 0
    for path in sorted(p for p in workdir.rglob("*") if p.is_file()):
        data = path.read_bytes()
        files, size = files + 1, size + len(data)
        hits += [f"{label} in {path.name}" for label, p in patterns.items() if p in data]
    return hits, files, size


def _ms(samples: list[float], fraction: float) -> float:
    ordered = sorted(1000 * s for s in samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def report(name: str, flooder: Sender, person: Sender, seconds: float) -> None:
    print(f"\n{name}")
    for sender in (flooder, person):
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(sender.statuses.items()))
        print(
            f"  {sender.name:<8} {sender.count():>6} sent ({sender.count() / seconds:6.1f}/s), "
            f"{len(sender.accepted):>5} accepted   p50 {statistics.median(sender.latencies) * 1000:6.1f} ms"
            f"   p99 {_ms(sender.latencies, 0.99):7.1f} ms   ({statuses})"
        )
    share = len(person.accepted) / person.count() if person.count() else 0.0
    ran_out = (
        f"; the budget ran out for the person {person.first_global_refusal:.0f} s in"
        if person.first_global_refusal is not None
        else ""
    )
    print(f"  the person's requests accepted: {100 * share:.1f}%{ran_out}")


def main() -> None:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="corridor-flood-bench-"))
    sys.path[:0] = [str(REPO_DIR), str(BENCH_DIR)]
    try:
        with throwaway_database(args.database_url, BENCH_DATABASE, sqlite_dir=None) as bench_url:
            from intake_load import _environment, _free_port, desk_build, verify

            env = {
                **_environment(bench_url, workdir),
                "CORRIDOR_BENCH_BUDGET": str(args.budget),
                "CORRIDOR_BENCH_SHARE": str(args.share),
                "LOG_LEVEL": "DEBUG",  # whatever the server logs, at any level, is scanned
            }
            os.environ.update(env)
            desk = desk_build()
            from django.db import connections

            from corridor.intake.models import RateBucket

            connections.close_all()
            print(
                f"gunicorn: {args.workers} sync workers; flooder: {args.flood_threads} threads "
                f"from {FLOODER} at full speed; person: one request a second from {PERSON}; "
                f"{args.seconds:.0f} s a phase; budget {args.budget} an hour in both phases; "
                f"per-peer share {args.share:.0%} ({int(args.share * args.budget)} a worker); "
                f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}"
            )
            serials = Serials()
            accepted: dict[int, bytes] = {}
            results = {}
            for name, per_peer in (
                ("global limits only (baseline)", "0"),
                ("per-peer limits on", "1"),
            ):
                RateBucket.objects.all().delete()  # each phase starts the hour afresh
                connections.close_all()
                port = _free_port()
                label = "baseline" if per_peer == "0" else "per-peer"
                with server(
                    {**env, "CORRIDOR_BENCH_PER_PEER": per_peer}, workdir, port, args.workers, label
                ):
                    flooder, person = run_phase(port, args.seconds, args.flood_threads, serials)
                results[name] = (flooder, person)
                accepted |= flooder.accepted | person.accepted
            for name, (flooder, person) in results.items():
                report(name, flooder, person, args.seconds)
            stored, decrypted, lost, took = verify(desk, accepted)
            print(
                f"\nafterwards: {stored} requests stored, {decrypted} decrypted with the desk key, "
                f"{len(accepted)} codenames handed out in both phases, lost {lost} "
                f"(checked in {took:.1f} s)"
            )
            hits, files, size = address_scan(workdir, bench_url)
            print(
                f"address scan: {files} files ({size / 1e6:.1f} MB: pg_dump, log, gunicorn's "
                f"stdout and stderr) searched for {FLOODER} and {PERSON} in text and packed "
                f"form: {len(hits)} found" + (f" ({', '.join(hits)})" if hits else "")
            )
            _flooder, person = results["per-peer limits on"]
            share = len(person.accepted) / person.count() if person.count() else 0.0
            met = share >= AIM_ACCEPTED and lost == 0 and not hits
            print(
                f"aim (>= {AIM_ACCEPTED:.0%} of the person's requests accepted with per-peer "
                "limits, lost 0, no address in any file): " + ("met" if met else "NOT MET")
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
