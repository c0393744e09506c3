"""Load on the public request form: sustained submissions to /help/ against a real server.

Run with `make bench-intake` (or `.venv/bin/python bench/intake_load.py --help`). The script

1. creates its own PostgreSQL database (`corridor_bench_intake`, beside the one named by
   --database-url, which it never touches), migrates it, and opens an intake desk through
   Corridor's real actions;
2. starts gunicorn (sync workers) on 127.0.0.1 serving Corridor plus one bench-only view,
   `/bench/minimal/`, a public, CSRF-exempt Django view that parses the same POST body and
   answers a few bytes: the baseline of what Django and the server cost before intake work;
3. from this process (a second process, over loopback) sends the same form posts to the
   baseline and then to /help/ for --seconds each, from --concurrency client threads, and
   prints throughput and p50/p99 latency for both;
4. afterwards opens every stored submission with the desk's intake key and checks that
   each accepted request is there and decrypts: lost must be 0;
5. stops the server and drops the database.

Aim (issue #4): at least 200 submissions a second with p99 under 250 ms on the 2-core machine.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from benchdb import BENCH_DIR, REPO_DIR, bench_environment, bench_organisation, throwaway_database

BENCH_DATABASE = "corridor_bench_intake"
ROLE_VARIABLE = "CORRIDOR_BENCH_ROLE"
AIM_RATE = 200.0
AIM_P99_MS = 250.0
MESSAGE = (
    "Здравствуйте. Мне нужна помощь: родственники узнали обо мне и угрожают, телефон "
    "проверяют, из дома выходить не дают. Могу писать только вечером. Паспорт у меня, "
    "загранпаспорта нет. Прошу связаться через мессенджер, не звонить. "
)
CODENAME = re.compile(rb'codename-shown" lang="ru">([^<]+)<')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="each phase (60)")
    parser.add_argument("--warmup", type=float, default=5.0, help="untimed, before each (5)")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads (8)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (4)")
    parser.add_argument(
        "--database-url",
        default="postgres://postgres@127.0.0.1:5432/test",
        help="a PostgreSQL server; the bench creates and drops its own "
        f"`{BENCH_DATABASE}` database there and never touches the named one",
    )
    parser.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    return parser.parse_args()


# --- the server side: imported by gunicorn with CORRIDOR_BENCH_ROLE=server ------------------


def _server_application() -> Any:
    from django.conf import settings

    settings.ROOT_URLCONF = __name__
    # The bench sends more requests in a minute than the default hourly limits allow.
    settings.CORRIDOR_INTAKE_LIMITS = {"submissions_per_hour": 10_000_000}
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


def _server_urlpatterns() -> list[Any]:
    from django.http import HttpRequest, HttpResponse
    from django.urls import include, path
    from django.views.decorators.csrf import csrf_exempt

    from corridor.accounts.decorators import public

    @public
    @csrf_exempt
    def minimal(request: HttpRequest) -> HttpResponse:
        return HttpResponse(f"ok {len(request.POST)}", content_type="text/plain")

    return [path("bench/minimal/", minimal), path("", include("corridor.urls"))]


if os.environ.get(ROLE_VARIABLE) == "server":
    application = _server_application()
    urlpatterns = _server_urlpatterns()


# --- set-up: database, desk, server ---------------------------------------------------------


def _environment(database_url: str, workdir: Path) -> dict[str, str]:
    return {
        **bench_environment(database_url, workdir),
        "ALLOWED_HOSTS": "127.0.0.1",
        # Throwaway secrets of a throwaway database, never printed.
        "SECRET_KEY": secrets.token_urlsafe(40),
        "CORRIDOR_INTAKE_PEPPER": secrets.token_urlsafe(32),
        "CORRIDOR_KDF_OPSLIMIT": "1",  # staff key wrapping at set-up only: not measured
        "CORRIDOR_KDF_MEMLIMIT": "8192",
    }


@dataclass
class Desk:
    user_id: int
    private_key: bytes


def desk_build() -> Desk:
    """An organisation and a triage member who opens the intake desk (real actions)."""
    import django

    django.setup()
    from django.core.management import call_command

    from corridor.accounts.actions import staff_create
    from corridor.accounts.roles import Role
    from corridor.intake.actions import intake_desk_create
    from corridor.vault import actions as vault_actions
    from corridor.vault.actions import compartment_create, membership_grant
    from corridor.vault.keyring import Keyring, keyring_activated

    vault_actions.RECOVERY_KDF_OPSLIMIT = 1  # set-up only, as above
    vault_actions.RECOVERY_KDF_MEMLIMIT = 8192
    call_command("migrate", verbosity=0)
    admin, admin_keyring = bench_organisation()
    triager, triager_key = staff_create(
        username="triager", role=Role.TRIAGE, passphrase=secrets.token_urlsafe(24), actor_id=None
    )
    compartment = compartment_create(actor_id=admin.pk, name="Intake desk", member_ids=[admin.pk])
    membership_grant(
        keyring=admin_keyring, actor_id=admin.pk, compartment=compartment, user_id=triager.pk
    )
    with keyring_activated(Keyring(user_id=triager.pk, private_key=triager_key)):
        intake_desk_create(actor_id=triager.pk, compartment=compartment)
    return Desk(triager.pk, triager_key)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(env: dict[str, str], port: int, workers: int) -> Any:
    command = [
        str(REPO_DIR / ".venv" / "bin" / "gunicorn"),
        "--pythonpath", f"{REPO_DIR},{BENCH_DIR}",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--worker-class", "sync",
        "--log-level", "warning",
        "intake_load:application",
    ]  # fmt: skip
    process = subprocess.Popen(command, env={**os.environ, **env, ROLE_VARIABLE: "server"})
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                status, _ = _request(port, "GET", "/help/", b"")
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit("gunicorn did not start")
            time.sleep(0.2)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


# --- CPU accounting: what each request costs, whatever else the machine is doing ----------


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process, from /proc (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _server_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [master, *(int(p) for p in children.read_text().split())]


def _postgres_pids() -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


@dataclass
class CpuMeter:
    """CPU seconds used by the server's processes, its database backends and this client."""

    master: int
    start: dict[int, float] = field(default_factory=dict)
    client_start: float = 0.0

    def _pids(self) -> list[int]:
        return _server_pids(self.master) + _postgres_pids()

    def begin(self) -> None:
        self.start = {pid: _cpu_seconds(pid) for pid in self._pids()}
        self.client_start = time.process_time()

    def end(self) -> tuple[float, float]:
        """(server + database CPU seconds, client CPU seconds) since begin()."""
        used = sum(_cpu_seconds(pid) - self.start.get(pid, 0.0) for pid in self._pids())
        return used, time.process_time() - self.client_start


# --- the client side -------------------------------------------------------------------------


def _request(port: int, method: str, path: str, body: bytes) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Host": "127.0.0.1"}
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def form_body(serial: int) -> bytes:
    """A typical request: every field filled, about 600 characters of Russian text."""
    return urlencode(
        {
            "name": "Хеда",
            "contact": f"@kheda_{serial}",
            "region": "Гудермес",
            "threat": "family",
            "urgency": "days",
            "message": f"{MESSAGE * 2}bench-{serial}",
        }
    ).encode()


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    accepted: dict[int, bytes] = field(default_factory=dict)  # serial -> codename
    seconds: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0

    def line(self) -> str:
        count = len(self.latencies)
        rate = count / self.seconds if self.seconds else 0.0
        ms = sorted(1000 * x for x in self.latencies)
        p50 = statistics.median(ms) if ms else float("nan")
        p99 = ms[min(len(ms) - 1, int(0.99 * len(ms)))] if ms else float("nan")
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items()))
        cpu = 1000 * self.server_cpu / count if count else float("nan")
        return (
            f"{self.name:<14} {count:>6} requests in {self.seconds:4.1f} s = {rate:6.1f}/s   "
            f"p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   server+db CPU {cpu:5.2f} ms/request "
            f"(client {1000 * self.client_cpu / max(count, 1):4.2f})   ({statuses})"
        )

    def capacity(self, cores: int) -> float:
        """Requests a second `cores` idle cores could serve at this CPU cost (client excluded)."""
        return cores * len(self.latencies) / self.server_cpu if self.server_cpu else 0.0

    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def p99_ms(self) -> float:
        ms = sorted(1000 * x for x in self.latencies)
        return ms[min(len(ms) - 1, int(0.99 * len(ms)))] if ms else float("inf")


class Serials:
    def __init__(self) -> None:
        self._next = 0
        self._lock = threading.Lock()

    def take(self) -> int:
        with self._lock:
            self._next += 1
            return self._next


def run_phase(
    name: str,
    port: int,
    path: str,
    seconds: float,
    concurrency: int,
    serials: Serials,
    meter: CpuMeter | None = None,
) -> Phase:
    phase = Phase(name)
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client() -> None:
        while time.monotonic() < stop_at:
            serial = serials.take()
            body = form_body(serial)
            started = time.perf_counter()
            try:
                status, content = _request(port, "POST", path, body)
            except OSError:
                status, content = 0, b""
            elapsed = time.perf_counter() - started
            codename = CODENAME.search(content)
            with lock:
                phase.latencies.append(elapsed)
                phase.statuses[status] += 1
                if codename:
                    phase.accepted[serial] = codename[1]

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    if meter is not None:
        meter.begin()
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.seconds = time.monotonic() - began
    if meter is not None:
        phase.server_cpu, phase.client_cpu = meter.end()
    return phase


# --- afterwards: every accepted request is stored and decrypts ------------------------------


def verify(desk: Desk, accepted: dict[int, bytes]) -> tuple[int, int, int, float]:
    """(stored rows, decrypted, lost, seconds) for the accepted requests."""
    from corridor.intake import codename as codenames
    from corridor.intake.actions import _intake_private_key, thread_find
    from corridor.intake.models import IntakeKey, Submission
    from corridor.intake.sealing import payload_unseal
    from corridor.vault.keyring import Keyring

    started = time.perf_counter()
    keyring = Keyring(user_id=desk.user_id, private_key=desk.private_key)
    keys = {k.pk: _intake_private_key(k.pk, keyring) for k in IntakeKey.objects.all()}
    found: set[int] = set()
    stored = decrypted = 0
    rows = Submission.objects.values_list("intake_key_id", "sealed").iterator(chunk_size=2000)
    for intake_key_id, sealed in rows:
        stored += 1
        payload = payload_unseal(keys[intake_key_id], bytes(sealed))
        decrypted += 1
        serial = re.search(r"bench-(\d+)$", payload["message"])
        if serial:
            found.add(int(serial[1]))
    lost = len(set(accepted) - found)
    # A sample of the codenames handed out opens its thread.
    for codename in list(accepted.values())[:20]:
        positions = codenames.codename_positions(codename.decode())
        if thread_find(positions) is None:
            lost += 1
    return stored, decrypted, lost, time.perf_counter() - started


def main() -> None:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="corridor-intake-bench-"))
    sys.path[:0] = [str(REPO_DIR), str(BENCH_DIR)]
    try:
        with throwaway_database(args.database_url, BENCH_DATABASE, sqlite_dir=None) as bench_url:
            env = _environment(bench_url, workdir)
            os.environ.update(env)
            desk = desk_build()
            from django.db import connections

            connections.close_all()
            port = args.port or _free_port()
            serials = Serials()
            print(
                f"gunicorn: {args.workers} sync workers on 127.0.0.1:{port}; "
                f"{args.concurrency} client threads; {args.seconds:.0f} s a phase; "
                f"{os.cpu_count()} cores"
            )
            load_before = os.getloadavg()[0]
            with server(env, port, args.workers) as process:
                meter = CpuMeter(process.pid)
                results = []
                for name, path in (
                    ("minimal view", "/bench/minimal/"),
                    ("/help/ submit", "/help/"),
                ):
                    run_phase(name, port, path, args.warmup, args.concurrency, serials)
                    results.append(
                        run_phase(name, port, path, args.seconds, args.concurrency, serials, meter)
                    )
            print(
                f"machine load average (1 min) {load_before:.1f} before, "
                f"{os.getloadavg()[0]:.1f} after: other processes share these cores"
            )
            for phase in results:
                print(phase.line())
            for phase in results:
                print(
                    f"{phase.name}: {os.cpu_count()} idle cores would serve about "
                    f"{phase.capacity(os.cpu_count() or 1):.0f}/s at this server+db CPU cost"
                )
            intake = results[1]
            stored, decrypted, lost, took = verify(desk, intake.accepted)
            print(
                f"afterwards: {stored} rows stored, {decrypted} decrypted with the desk key, "
                f"{len(intake.accepted)} accepted in the timed phase, lost {lost} "
                f"(checked in {took:.1f} s)"
            )
            met = intake.rate() >= AIM_RATE and intake.p99_ms() < AIM_P99_MS and lost == 0
            print(
                f"aim (>= {AIM_RATE:.0f}/s, p99 < {AIM_P99_MS:.0f} ms, lost 0): "
                + ("met" if met else "NOT MET")
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
