"""Lockdown at 100,000 cases: the time to destroy every user's key wraps and every session.

Run with `make bench-lockdown` (or `.venv/bin/python bench/lockdown.py --help`). Builds a
throwaway database with N cases (100,000 by default) in one compartment, 20 compartments,
40 staff who are members of all of them and 200 live sessions, then measures, each in a fresh
child process:

* baseline: one full read of every case's key columns (a table scan the size of the data);
* duress: `duress_respond` for one of the 40 staff (what a duress login's second factor
  does: that user's wraps, memberships and other sessions, and the alert; decision 0026);
* lockdown: `organisation_lockdown` as `manage.py lockdown --yes` runs it, with the secure
  delete and the scrub (SQLite checkpoint, PostgreSQL VACUUM FULL of the wrap and session
  tables).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

from benchdb import bench_organisation, django_setup, throwaway_database
from index_rebuild import in_child

BENCH_DATABASE = "corridor_bench_lockdown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--database-url", default="", help="postgres://... (default: SQLite)")
    args = parser.parse_args()
    random.seed(7)
    workdir = Path(tempfile.mkdtemp(prefix="corridor-lockdown-bench-"))
    os.environ["CORRIDOR_BENCH_OUT"] = str(workdir / "seconds")
    try:
        with throwaway_database(args.database_url, BENCH_DATABASE, sqlite_dir=workdir) as url:
            django_setup(url, workdir)
            from cases_bench import bulk_cases
            from django.contrib.sessions.backends.db import SessionStore
            from django.db import connection
            from django.utils import timezone

            from corridor.accounts.actions import staff_create
            from corridor.accounts.models import StaffSession, User
            from corridor.accounts.roles import Role
            from corridor.cases.models import Case
            from corridor.emergency.actions import duress_respond, organisation_lockdown
            from corridor.vault.actions import compartment_create, membership_grant
            from corridor.vault.models import KeyWrap

            admin, keyring = bench_organisation()
            north = compartment_create(actor_id=admin.pk, name="North", member_ids=[admin.pk])
            compartments = [north] + [
                compartment_create(actor_id=admin.pk, name=f"C{i}", member_ids=[admin.pk])
                for i in range(19)
            ]
            for i in range(40):
                user, _key = staff_create(
                    username=f"staff{i}", role=Role.CASEWORKER, passphrase="x" * 24, actor_id=None
                )
                for compartment in compartments:
                    membership_grant(
                        keyring=keyring, actor_id=admin.pk, compartment=compartment, user_id=user.pk
                    )
                for _ in range(5):
                    store = SessionStore()
                    store["_vault_sk"] = os.urandom(80).hex()
                    store.create()
                    StaffSession.objects.create(session_key=store.session_key, user=user)
            bulk_cases(
                args.cases, keyring=keyring, assignees=[admin.pk], now=timezone.now() - timedelta(1)
            )
            wraps = KeyWrap.objects.filter(user__isnull=False).count()
            print(
                f"lockdown bench: {connection.vendor}, {Case.objects.count():,} cases, "
                f"{wraps:,} user key wraps, {StaffSession.objects.count()} sessions",
                flush=True,
            )

            def baseline() -> None:
                for _row in Case.objects.values_list("id", "wrapped_data_key").iterator(2000):
                    pass

            def lockdown() -> None:
                organisation_lockdown(actor_id=None)

            def duress() -> None:
                duress_respond(user=User.objects.get(username="staff0"), session_key="")

            base = in_child(baseline)[0]
            duress_seconds = in_child(duress)[0]
            assert not KeyWrap.objects.filter(user__username="staff0").exists()  # noqa: S101
            seconds, rss = in_child(lockdown)
            assert not KeyWrap.objects.filter(user__isnull=False).exists()  # noqa: S101
            print(f"{'baseline: scan every case':<32} {base:>8.2f} s")
            print(f"{'duress of one user':<32} {duress_seconds:>8.2f} s")
            print(f"{'lockdown (with scrub)':<32} {seconds:>8.2f} s  peak RSS {rss:.0f} MiB")
            print(f"lockdown under 5 s: {'yes' if seconds < 5 else 'NO'}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
