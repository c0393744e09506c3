"""Rebuilding every search hash of a compartment at 100,000 cases: time and peak memory.

Run with `make bench-index` (or `.venv/bin/python bench/index_rebuild.py --help`). A re-key
(someone leaves a compartment) now rebuilds every keyed hash of that compartment under the
new index key in the same transaction (docs/decisions/0011-index-keys.md). The script builds
a throwaway database with N cases (100,000 by default) in one compartment, the worst case for
one re-key, an intake desk whose cross index is open, and then measures, each in a fresh
child process so that its peak memory is its own:

* baseline: one pass that decrypts the names, aliases and phone of every case, the floor any
  rebuild pays (the re-key cannot rebuild terms without reading the values);
* rebuild: `compartment_index_rebuild` of the compartment (its records' blind indexes, its
  cases' search terms, their sealed cross-check lists), as `manage.py index_rebuild` runs it;
* re-key: `membership_revoke` of one member, which re-wraps every data key and rebuilds.

Each line gives the wall time, the peak resident memory of the child (ru_maxrss) and the
ratio to the baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchdb import bench_organisation, django_setup, throwaway_database

BENCH_DATABASE = "corridor_bench_index"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument(
        "--database-url", default="", help="postgres://... (default: a temporary SQLite file)"
    )
    return parser.parse_args()


def build(count: int) -> dict[str, Any]:
    from cases_bench import bulk_cases
    from django.utils import timezone

    from corridor.accounts.actions import staff_create
    from corridor.accounts.roles import Role
    from corridor.intake.actions import intake_desk_create
    from corridor.vault.actions import compartment_create, membership_grant
    from corridor.vault.keyring import keyring_activated

    admin, keyring = bench_organisation()
    north = compartment_create(actor_id=admin.pk, name="North Caucasus", member_ids=[admin.pk])
    leaver, _key = staff_create(
        username="leaver", role=Role.CASEWORKER, passphrase="x" * 24, actor_id=None
    )
    membership_grant(keyring=keyring, actor_id=admin.pk, compartment=north, user_id=leaver.pk)
    started = time.perf_counter()
    bulk_cases(count, keyring=keyring, assignees=[admin.pk], now=timezone.now() - timedelta(1))
    # The desk opens after the cases exist: opening it writes their sealed cross-check lists.
    desk = compartment_create(actor_id=admin.pk, name="Intake triage", member_ids=[admin.pk])
    with keyring_activated(keyring):
        intake_desk_create(actor_id=admin.pk, compartment=desk)
    return {
        "admin": admin,
        "keyring": keyring,
        "north": north,
        "leaver": leaver,
        "build_s": time.perf_counter() - started,
    }


def in_child(work: Callable[[], None]) -> tuple[float, float]:
    """(seconds, peak RSS in MiB) of `work` run in a forked child with its own connection."""
    from django.db import connections

    connections.close_all()
    pid = os.fork()
    if pid == 0:  # the child: a fresh connection, then the work
        code = 0
        try:
            started = time.perf_counter()
            work()
            Path(os.environ["CORRIDOR_BENCH_OUT"]).write_text(str(time.perf_counter() - started))
        except BaseException:  # noqa: BLE001 - report and leave the child
            import traceback

            traceback.print_exc()
            code = 1
        os._exit(code)
    _pid, status, usage = os.wait4(pid, 0)
    if status != 0:
        raise SystemExit("the measured step failed")
    seconds = float(Path(os.environ["CORRIDOR_BENCH_OUT"]).read_text())
    return seconds, usage.ru_maxrss / 1024


def main() -> None:
    args = parse_args()
    random.seed(5)
    workdir = Path(tempfile.mkdtemp(prefix="corridor-index-bench-"))
    os.environ["CORRIDOR_BENCH_OUT"] = str(workdir / "seconds")
    try:
        with throwaway_database(args.database_url, BENCH_DATABASE, sqlite_dir=workdir) as url:
            django_setup(url, workdir)
            from django.db import connection

            world = build(args.cases)
            print(
                f"index bench: {connection.vendor}, {args.cases:,} cases in one compartment, "
                f"built in {world['build_s']:.0f} s (real encryption, terms, cross-check lists)",
                flush=True,
            )
            from corridor.cases.models import Case, CaseCrossSource, CaseSearchTerm
            from corridor.vault.actions import compartment_index_rebuild, membership_revoke
            from corridor.vault.keyring import keyring_activated

            keyring, north = world["keyring"], world["north"]

            def baseline() -> None:
                with keyring_activated(keyring):
                    for case in Case.objects.only(
                        *Case.KEY_FIELDS, "full_name_sealed", "aliases_sealed", "phone_sealed"
                    ).iterator(chunk_size=500):
                        _ = (case.full_name, case.aliases, case.phone)

            def rebuild() -> None:
                compartment_index_rebuild(keyring=keyring, compartment=north, actor_id=None)

            def rekey() -> None:
                membership_revoke(
                    keyring=keyring,
                    actor_id=world["admin"].pk,
                    compartment=north,
                    user_id=world["leaver"].pk,
                )

            terms = CaseSearchTerm.objects.count()
            results = {name: in_child(step) for name, step in [
                ("baseline: decrypt names and phones", baseline),
                ("rebuild: compartment_index_rebuild", rebuild),
                ("re-key: membership_revoke", rekey),
            ]}  # fmt: skip
            base = results["baseline: decrypt names and phones"][0]
            print(f"{terms:,} search terms, {CaseCrossSource.objects.count():,} cross-check lists")
            header = f"{'step':<38} {'seconds':>9} {'peak RSS MiB':>13} {'x baseline':>11}"
            print(header + "\n" + "-" * len(header))
            for name, (seconds, rss) in results.items():
                print(f"{name:<38} {seconds:>9.1f} {rss:>13.0f} {seconds / base:>11.1f}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
