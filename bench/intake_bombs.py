"""Files that cost far more to clean than to send, posted to /help/ against a real server (T5).

Run with `make bench-bombs` (or `.venv/bin/python bench/intake_bombs.py --help`). The server
is the one `bench/intake_load.py` runs (its own PostgreSQL database, an intake desk opened
with Corridor's actions, gunicorn with sync workers on 127.0.0.1). For each phase, the
bench sends `--posts` requests at once (4), each with 5 files, and samples the resident
memory of every server process (the gunicorn master, its workers and the cleaning
children they fork) every 10 ms:

- baseline: 5 ordinary photos (640 x 480 JPEG, about 20 KB each) a request;
- review PNG: the review's bomb, a 126 KB PNG of 6,320 x 6,320 pixels, 5 a request
  (refused: 160 MB decoded passes the budget of a file);
- worst accepted: 5 PNGs of 4,096 x 4,096 (64 MiB decoded each, 320 MiB a request: the
  most one request may decode), accepted;
- big JPEG: 5 JPEGs of 6,320 x 6,320 (610 KB) a request, decoded at half size, accepted;
- PDF bomb: 5 PDFs of 9 KB whose object stream unpacks to 4 million numbers a request
  (each child stops at its CPU or memory limit; the file is refused).

It prints, per phase, what was accepted and refused, the wall time, the server's CPU
seconds, and the peak increase over the idle server of the summed RSS (which counts the
pages a forked child shares with its worker twice) and of the summed PSS (shared pages
split). Afterwards every accepted request is opened with the desk's key, with each of its
files: lost must be 0. Aim (issue 9, finding 2): a peak RSS increase of at most 512 MB in
every phase.
"""

from __future__ import annotations

import argparse
import http.client
import io
import os
import re
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchdb import BENCH_DIR, REPO_DIR, throwaway_database

BENCH_DATABASE = "corridor_bench_bombs"
AIM_RSS_MB = 512
CODENAME = re.compile(rb'codename-shown" lang="en">([^<]+)<')
REFUSAL = re.compile(rb'<(?:p class="refusal"|ul class="errors")[^>]*>(?:<li>)?([^<]+)<')
FILES_A_POST = 5


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=4, help="posts sent at once (4)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (4)")
    parser.add_argument(
        "--phases", nargs="*", help="only these phases (the baseline and the others by name)"
    )
    parser.add_argument(
        "--database-url",
        default="postgres://postgres@127.0.0.1:5432/test",
        help=f"a PostgreSQL server; the bench creates and drops its own `{BENCH_DATABASE}`",
    )
    return parser.parse_args()


# --- the files ------------------------------------------------------------------------------


def _photo(serial: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (640, 480), (serial % 255, 90, 140)).save(out, format="JPEG", quality=85)
    return out.getvalue()


def phases() -> list[tuple[str, Callable[[int], list[tuple[str, bytes]]]]]:
    from corridor.intake.tests.images import jpeg_of_size, png_of_size
    from corridor.intake.tests.pdfs import pdf_of_numbers

    review_png = png_of_size(6320, 6320)
    worst_png = png_of_size(4096, 4096)
    big_jpeg = jpeg_of_size(6320, 6320)
    pdf_bomb = pdf_of_numbers(40, 99_000, compressed=True)

    def files(name: str, data: bytes) -> Callable[[int], list[tuple[str, bytes]]]:
        return lambda serial: [(f"{n}-{name}", data) for n in range(FILES_A_POST)]

    return [
        ("baseline", lambda s: [(f"{n}.jpg", _photo(s + n)) for n in range(FILES_A_POST)]),
        ("review PNG", files("bomb.png", review_png)),
        ("worst accepted", files("worst.png", worst_png)),
        ("big JPEG", files("big.jpg", big_jpeg)),
        ("PDF bomb", files("bomb.pdf", pdf_bomb)),
    ]


# --- memory of the server's processes -------------------------------------------------------


def _tree(pid: int) -> list[int]:
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        stack += [int(c) for c in children]
    return found


def _kib(path: str, key: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def memory_mb(master: int) -> tuple[float, float]:
    """(summed RSS, summed PSS) of the server's processes, in MB."""
    pids = _tree(master)
    rss = sum(_kib(f"/proc/{p}/status", "VmRSS:") for p in pids)
    pss = sum(_kib(f"/proc/{p}/smaps_rollup", "Pss:") for p in pids)
    return rss / 1024, pss / 1024


def cpu_seconds(master: int) -> float:
    """User + system CPU of the master and its workers, with the children they waited for
    (the cleaning children), from /proc."""
    total = 0
    for pid in _tree(master):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15])
    return total / os.sysconf("SC_CLK_TCK")


class Sampler(threading.Thread):
    def __init__(self, master: int, workers: int) -> None:
        super().__init__(daemon=True)
        self.master = master
        self.workers = workers
        self.peak_rss = self.peak_pss = 0.0
        self.children = 0
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            rss, pss = memory_mb(self.master)
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            cleaning = len(_tree(self.master)) - 1 - self.workers
            self.children = max(self.children, cleaning)
            time.sleep(0.01)


# --- the posts ------------------------------------------------------------------------------


def multipart(fields: dict[str, str], files: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = secrets.token_hex(16)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    for name, data in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; '
            f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        )
        parts.append(head.encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), boundary


def post(port: int, serial: int, files: list[tuple[str, bytes]]) -> tuple[int, bytes]:
    fields = {"message": f"Нужна помощь, документы во вложении. bench-{serial}", "urgency": "now"}
    body, boundary = multipart(fields, files)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request(
            "POST",
            "/help/en/",
            body=body,
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Host": "127.0.0.1",
            },
        )
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@dataclass
class Phase:
    name: str
    idle_rss: float
    idle_pss: float
    outcomes: Counter[str] = field(default_factory=Counter)
    accepted: dict[int, int] = field(default_factory=dict)  # serial -> files sent
    seconds: float = 0.0
    cpu: float = 0.0
    peak_rss: float = 0.0
    peak_pss: float = 0.0
    children: int = 0

    def line(self) -> str:
        outcomes = ", ".join(f"{k} x{v}" for k, v in sorted(self.outcomes.items()))
        return (
            f"{self.name:<15} {self.seconds:5.1f} s  server CPU {self.cpu:5.1f} s  "
            f"peak RSS +{self.peak_rss - self.idle_rss:6.1f} MB  "
            f"peak PSS +{self.peak_pss - self.idle_pss:6.1f} MB  "
            f"cleaning children at once {self.children}  | {outcomes}"
        )


def run_phase(
    name: str,
    make: Callable[[int], list[tuple[str, bytes]]],
    port: int,
    master: int,
    posts: int,
    serials: list[int],
    idle: tuple[float, float],
    workers: int,
) -> Phase:
    """Send `posts` requests at once; memory is compared with the `idle` server's."""
    phase = Phase(name, *idle)
    bodies = []
    for _ in range(posts):
        serials[0] += 1
        bodies.append((serials[0], make(serials[0])))
    lock = threading.Lock()

    def client(serial: int, files: list[tuple[str, bytes]]) -> None:
        try:
            status, content = post(port, serial, files)
        except OSError as error:
            status, content = 0, type(error).__name__.encode()
        refusal = REFUSAL.search(content)
        with lock:
            if CODENAME.search(content):
                phase.outcomes[f"{status} accepted"] += 1
                phase.accepted[serial] = len(files)
            else:
                text = refusal[1].decode()[:60] if refusal else content[:60].decode("latin-1")
                phase.outcomes[f"{status} refused: {text}"] += 1

    sampler = Sampler(master, workers)
    cpu_before = cpu_seconds(master)
    sampler.start()
    threads = [threading.Thread(target=client, args=body) for body in bodies]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.seconds = time.monotonic() - began
    time.sleep(0.1)
    sampler.stopping.set()
    sampler.join()
    phase.cpu = cpu_seconds(master) - cpu_before
    phase.peak_rss, phase.peak_pss = sampler.peak_rss, sampler.peak_pss
    phase.children = sampler.children
    return phase


def verify(desk: Any, accepted: dict[int, int]) -> tuple[int, int, int]:
    """(accepted requests found, files opened, lost): every stored request opens with the
    desk's key and so does each of its files, as a readable image or PDF; an accepted one is
    lost if it is missing or has not all its files."""
    from PIL import Image
    from pypdf import PdfReader

    from corridor.intake.actions import _intake_private_key
    from corridor.intake.models import IntakeKey, Submission, SubmissionAttachment
    from corridor.intake.sealing import file_unseal, payload_unseal
    from corridor.vault.keyring import Keyring

    keyring = Keyring(user_id=desk.user_id, private_key=desk.private_key)
    keys = {k.pk: _intake_private_key(k.pk, keyring) for k in IntakeKey.objects.all()}
    found: dict[int, int] = {}
    opened = 0
    for submission in Submission.objects.all():
        key = keys[submission.intake_key_id]
        serial = re.search(
            r"bench-(\d+)$", payload_unseal(key, bytes(submission.sealed))["message"]
        )
        files = 0
        for attachment in SubmissionAttachment.objects.filter(submission=submission):
            clean = file_unseal(key, bytes(attachment.sealed))
            if clean.content_type == "application/pdf":
                assert PdfReader(io.BytesIO(clean.content)).pages
            else:
                Image.open(io.BytesIO(clean.content)).load()
            files += 1
        opened += files
        if serial:
            found[int(serial[1])] = files
    lost = sum(1 for serial, count in accepted.items() if found.get(serial) != count)
    return len(set(found) & set(accepted)), opened, lost


def _bounds() -> str:
    try:
        from corridor.intake import attachments, cleaning
        from corridor.intake.image_clean import MAX_DECODED_BYTES
    except ImportError:  # the code before decision 0014, measured for comparison
        return "no bound on decoding"
    return (
        f"{cleaning.cleaning_slots()} cleaning slot(s); a child may use "
        f"{cleaning.CHILD_MEMORY >> 20} MiB over its worker and {cleaning.CHILD_CPU_SECONDS} s "
        f"of CPU; a file may decode to {MAX_DECODED_BYTES >> 20} MiB, a request to "
        f"{attachments.MAX_REQUEST_DECODED_BYTES >> 20} MiB"
    )


def main() -> None:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="corridor-bombs-bench-"))
    sys.path[:0] = [str(REPO_DIR), str(BENCH_DIR)]
    try:
        with throwaway_database(args.database_url, BENCH_DATABASE, sqlite_dir=None) as url:
            from intake_load import _environment, _free_port, desk_build, server

            env = _environment(url, workdir)
            os.environ.update(env)
            desk = desk_build()
            from django.db import connections

            connections.close_all()
            port = _free_port()
            print(
                f"gunicorn: {args.workers} sync workers; {args.posts} posts at once, "
                f"{FILES_A_POST} files each; {os.cpu_count()} cores; {_bounds()}"
            )
            load_before = os.getloadavg()[0]
            serials = [0]
            results = []
            with server(env, port, args.workers) as process:
                time.sleep(1)  # every worker up
                for _ in range(2):  # each worker's first requests (templates, connections)
                    run_phase(
                        "warm-up",
                        phases()[0][1],
                        port,
                        process.pid,
                        args.workers,
                        serials,
                        (0.0, 0.0),
                        args.workers,
                    )
                idle = memory_mb(process.pid)
                print(f"idle server: RSS {idle[0]:.0f} MB, PSS {idle[1]:.0f} MB (the zero below)")
                for name, make in phases():
                    if args.phases and name not in args.phases:
                        continue
                    phase = run_phase(
                        name, make, port, process.pid, args.posts, serials, idle, args.workers
                    )
                    results.append(phase)
                    print(phase.line(), flush=True)
            print(
                f"machine load average (1 min) {load_before:.1f} before, "
                f"{os.getloadavg()[0]:.1f} after: other sessions share these cores"
            )
            accepted = {s: n for phase in results for s, n in phase.accepted.items()}
            found, opened, lost = verify(desk, accepted)
            print(
                f"afterwards: {len(accepted)} requests accepted, {found} found and opened with "
                f"{opened} files, lost {lost}"
            )
            worst = max(phase.peak_rss - phase.idle_rss for phase in results)
            met = worst <= AIM_RSS_MB and lost == 0
            print(
                f"aim (peak RSS increase <= {AIM_RSS_MB} MB in every phase, lost 0): "
                f"{'met' if met else 'NOT MET'} (worst +{worst:.0f} MB)"
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
