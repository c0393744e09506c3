"""Backup and restore at 100,000 cases: time, peak memory, size against the plain dump.

Run with `make bench-backup` (or `.venv/bin/python bench/backup_bench.py --help`). The script
builds a throwaway database with N cases (100,000 by default; real encryption, search terms,
a transition each, bulk-written as bench/cases_bench.py does), then measures, each step in a
child process so that its peak memory (ru_maxrss) is its own:

* baseline: the plain dump of the same database in the same run, unencrypted and unsigned
  (SQLite: the online backup API into a file; PostgreSQL: `pg_dump --format=custom`);
* backup: `manage.py backup --out FILE` (snapshot, archive, age encryption, signature);
* verify: `manage.py backup_verify FILE` (signature and structure, no decryption);
* restore: `manage.py restore FILE` with two shares on stdin, into a fresh empty database.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from benchdb import REPO_DIR, bench_environment, django_setup, throwaway_database

BENCH_DATABASE = "corridor_bench_backup"
RESTORE_DATABASE = "corridor_bench_restore"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument(
        "--database-url", default="", help="postgres://... (default: a temporary SQLite file)"
    )
    return parser.parse_args()


LAUNCHER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def measured(args: list[str], env: dict[str, str], stdin: str = "") -> tuple[float, float]:
    """(seconds, peak RSS in MiB) of a child process; exits if it fails."""
    started = time.perf_counter()
    # A small launcher runs the command: a child forked straight from this (large) process
    # would report this process's memory as its own peak before its exec.
    launcher = [sys.executable, "-c", LAUNCHER, *args]
    process = subprocess.Popen(  # noqa: S603 - our own commands
        launcher,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None  # noqa: S101
    process.stdin.write(stdin)
    process.stdin.close()
    out = process.stdout.read() if process.stdout else ""
    err = process.stderr.read() if process.stderr else ""
    status = process.wait()
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"{' '.join(args[:3])} failed:\n{out}\n{err}")
    return seconds, int(err.strip().splitlines()[-1]) / 1024


def main() -> None:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="corridor-backup-bench-"))
    try:
        with throwaway_database(args.database_url, BENCH_DATABASE, sqlite_dir=workdir) as url:
            django_setup(url, workdir)
            from cases_bench import bulk_cases
            from django.db import connection
            from django.utils import timezone
            from vaultbench.models import TwinCase, TwinTransition

            from corridor.accounts.actions import organisation_init
            from corridor.vault.actions import compartment_create, user_keys_unlock
            from corridor.vault.keyring import Keyring

            passphrase = "bench passphrase, never printed " + os.urandom(8).hex()
            admin, shares = organisation_init(
                name="Bench network", admin_username="admin", admin_passphrase=passphrase,
                threshold=2, shares=3,
            )  # fmt: skip
            keyring = Keyring(
                user_id=admin.pk,
                private_key=user_keys_unlock(user_id=admin.pk, passphrase=passphrase),
            )
            compartment_create(actor_id=admin.pk, name="North Caucasus", member_ids=[admin.pk])
            started = time.perf_counter()
            bulk_cases(
                args.cases, keyring=keyring, assignees=[admin.pk], now=timezone.now() - timedelta(1)
            )
            TwinTransition.objects.all().delete()  # the plaintext twins other benches compare with
            TwinCase.objects.all().delete()
            vendor = connection.vendor
            if vendor == "sqlite":
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM")
            print(
                f"backup bench: {vendor}, {args.cases:,} cases built in "
                f"{time.perf_counter() - started:.0f} s",
                flush=True,
            )
            connection.close()
            env = {**os.environ, **bench_environment(url, workdir)}
            manage = [sys.executable, str(REPO_DIR / "manage.py")]
            plain = workdir / "plain.dump"
            if vendor == "sqlite":
                db_path = url.removeprefix("sqlite:///")
                code = (
                    "import sqlite3,sys; s=sqlite3.connect(sys.argv[1]); d=sqlite3.connect(sys.argv[2]);"
                    " s.backup(d); d.close()"
                )
                base = measured([sys.executable, "-c", code, db_path, str(plain)], env)
            else:
                base = measured(
                    ["pg_dump", "--format=custom", "--no-owner", "--file", str(plain), url], env
                )
            startup = measured([*manage, "shell", "-c", "pass"], env)
            out = workdir / "corridor.backup.age"
            backup = measured([*manage, "backup", "--out", str(out)], env)
            verify = measured([*manage, "backup_verify", str(out)], env)
            plain_size, backup_size = plain.stat().st_size, out.stat().st_size
            restore_env = dict(env)
            restore_env["CORRIDOR_VAR_DIR"] = str(workdir / "restored")
            with open(workdir / "audit-public.key", encoding="ascii") as pin:
                restore_env["CORRIDOR_AUDIT_PUBLIC_KEY"] = pin.read().strip()
            restore_env["CORRIDOR_AUDIT_CHECKPOINT_LOG"] = str(workdir / "audit-checkpoints.jsonl")
            with throwaway_database(
                args.database_url, RESTORE_DATABASE, sqlite_dir=workdir / "restored"
            ) as fresh:
                (workdir / "restored").mkdir(exist_ok=True)
                if fresh.startswith("sqlite:///"):
                    fresh = f"sqlite:///{workdir / 'restored' / 'fresh.sqlite3'}"
                restore_env["DATABASE_URL"] = fresh
                restore = measured(
                    [*manage, "restore", str(out)], restore_env, "\n".join(shares[:2]) + "\n\n"
                )
                audit = measured([*manage, "audit_verify"], restore_env)
            print(
                f"  startup of manage.py  {startup[0]:7.1f} s  {startup[1]:7.0f} MiB peak  (in every line below)"
            )
            print(
                f"  baseline plain dump   {base[0]:7.1f} s  {base[1]:7.0f} MiB peak  {plain_size / 2**20:8.1f} MiB"
            )
            print(
                f"  backup (age, signed)  {backup[0]:7.1f} s  {backup[1]:7.0f} MiB peak  "
                f"{backup_size / 2**20:8.1f} MiB  ({backup_size / plain_size:.3f} x the plain dump, "
                f"{backup[0] / max(base[0], 1e-9):.1f} x its time)"
            )
            print(f"  backup_verify         {verify[0]:7.1f} s  {verify[1]:7.0f} MiB peak")
            print(f"  restore (2 shares)    {restore[0]:7.1f} s  {restore[1]:7.0f} MiB peak")
            print(f"  audit_verify restored {audit[0]:7.1f} s  {audit[1]:7.0f} MiB peak")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
