"""The administrators' audit log page and its filters at 1,000,000 entries.

Run with `.venv/bin/python bench/audit_bench.py --database-url postgres://...` (PostgreSQL
only: the entries are written by one INSERT ... SELECT over generate_series). The bench
builds its own throwaway database (`corridor_bench_audit` beside the one named, or
--bench-database), an organisation whose administrator logs in through the real views, and N
entries spread over two years, 40 people and the action codes of `corridor/audit/names.py`
(their hashes are random: the page does not verify the chain). It then times, alternating,
GET `audit:log` unfiltered and with each filter: person, action prefix (`case.`), one
record, a day range, and all four together.

Aim (issue 14): every filter p95 under 300 ms at 1,000,000 entries.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from benchdb import django_setup, throwaway_database, totp_code
from board_bench import measure
from cases_bench import _load

BENCH_DATABASE = "corridor_bench_audit"
AIM_P95_MS = 300.0
PASSPHRASE = "audit bench passphrase, long enough"  # noqa: S105 (a throwaway database)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000, help="entries (1000000)")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page (30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests first (3)")
    parser.add_argument("--database-url", required=True, help="a PostgreSQL server")
    parser.add_argument("--bench-database", default=BENCH_DATABASE)
    return parser.parse_args()


def entries_write(n: int, actor_ids: list[int]) -> None:
    from django.db import connection

    from corridor.audit.models import AuditEntry, AuditHead
    from corridor.audit.names import ACTION_NAMES

    actions = sorted(ACTION_NAMES)
    table = AuditEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(seq), 0) FROM {table}")  # noqa: S608
        first = cursor.fetchone()[0]
        cursor.execute(
            f"INSERT INTO {table}"  # noqa: S608 (names only)
            " (seq, time, actor_id, action, object_type, object_id, prev_hash, entry_hash)"
            " SELECT %s + g, now() - (g * interval '63 seconds'),"
            " (%s::bigint[])[1 + g %% %s],"
            " (%s::text[])[1 + (g * 7) %% %s], 'case',"
            " md5((g %% 200000)::text),"
            " decode(md5(g::text) || md5((g + 1)::text), 'hex'),"
            " decode(md5((g + 2)::text) || md5((g + 3)::text), 'hex')"
            " FROM generate_series(1, %s) AS g",
            [first, actor_ids, len(actor_ids), actions, len(actions), n],
        )
        # The chain head follows, so the entries the bench's own requests write come after.
        head = AuditHead._meta.db_table
        cursor.execute(
            f"UPDATE {head} SET seq = %s,"  # noqa: S608 (names only)
            f" entry_hash = (SELECT entry_hash FROM {table} WHERE seq = %s) WHERE id = 1",
            [first + n, first + n],
        )
        cursor.execute(f"ANALYZE {table}")


def main() -> None:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="corridor-audit-bench-"))
    try:
        with throwaway_database(args.database_url, args.bench_database, sqlite_dir=None) as url:
            started = time.perf_counter()
            django_setup(url, workdir, environment={"ALLOWED_HOSTS": "testserver"})
            from django.test import Client
            from django_otp.plugins.otp_totp.models import TOTPDevice

            from corridor.accounts.actions import organisation_init, staff_create

            admin, _shares = organisation_init(
                name="Audit bench",
                admin_username="admin",
                admin_passphrase=PASSPHRASE,
                threshold=2,
                shares=3,
            )
            device = TOTPDevice.objects.create(user=admin, name="bench", confirmed=True)
            people = [admin.pk]
            for number in range(39):
                user, _key = staff_create(
                    username=f"worker{number}",
                    role="caseworker",
                    passphrase=PASSPHRASE,
                    actor_id=None,
                )
                people.append(user.pk)
            entries_write(args.entries, people)
            print(
                f"audit bench: {args.entries:,} entries; setup "
                f"{time.perf_counter() - started:.0f} s; {_load()}",
                flush=True,
            )
            client = Client()
            response = client.post(
                "/accounts/login/", {"username": "admin", "passphrase": PASSPHRASE}
            )
            assert response.status_code == 302, response.content[:300]
            response = client.post("/accounts/login/code/", {"token": totp_code(device)})
            assert response.status_code == 302

            from corridor.audit.models import AuditEntry

            record = AuditEntry.objects.order_by("-seq").values_list("object_id", flat=True)[0]

            def get(params: dict[str, str]) -> Any:
                def op() -> Any:
                    response = client.get("/audit/", params)
                    assert response.status_code == 200, response.content[:300]
                    return response

                return op

            ops = {
                "log, no filter": get({}),
                "person": get({"person": "worker7"}),
                "action prefix case.": get({"action": "case."}),
                "one record": get({"record": record}),
                "day range (a week)": get({"since": "2026-01-01", "until": "2026-01-07"}),
                "all four": get(
                    {
                        "person": "worker7",
                        "action": "case.",
                        "record": record,
                        "since": "2025-01-01",
                        "until": "2026-12-31",
                    }
                ),
            }
            results = measure(ops, args.repeat, args.warmup)
            header = f"{'page':<24} {'p50':>10} {'p95':>10}  aim: p95 < {AIM_P95_MS:.0f} ms"
            print(header + "\n" + "-" * len(header))
            for name, (p50, p95) in results.items():
                met = "  met" if p95 < AIM_P95_MS else "  NOT MET"
                print(f"{name:<24} {p50:>7.1f} ms {p95:>7.1f} ms{met}")
            print(f"after the run: {_load()}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
