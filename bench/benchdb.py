"""The benches' throwaway database and the Django set-up on it, shared by the bench scripts.

Every bench builds its own database and removes it afterwards: a temporary SQLite file, or a
database of its own beside the one a --database-url names on PostgreSQL (the named one is
never touched). Import it from a script in bench/ (`import benchdb`: the script's folder is
on sys.path when it runs).
"""

from __future__ import annotations

import os
import secrets
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent


def _postgres_admin(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement)


@contextmanager
def throwaway_database(database_url: str, name: str, *, sqlite_dir: Path | None) -> Iterator[str]:
    """The DATABASE_URL of an empty database that is removed afterwards.

    No `database_url`: a SQLite file in `sqlite_dir` (None: the bench runs on PostgreSQL
    only). Otherwise a database called `name` on the same PostgreSQL server, dropped first
    if a failed run left it behind.
    """
    if not database_url and sqlite_dir is not None:
        yield f"sqlite:///{sqlite_dir / 'bench.sqlite3'}"
        return
    parts = urlsplit(database_url)
    if parts.scheme not in {"postgres", "postgresql"}:
        default = " (SQLite is the default)" if sqlite_dir is not None else ""
        raise SystemExit(f"--database-url: only postgres:// is supported{default}")
    bench_url = urlunsplit(parts._replace(path=f"/{name}"))
    _postgres_admin(database_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _postgres_admin(database_url, f"CREATE DATABASE {name}")
    try:
        yield bench_url
    finally:
        from django.db import connections

        connections.close_all()
        _postgres_admin(database_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def bench_environment(database_url: str, workdir: Path) -> dict[str, str]:
    """corridor.settings' environment for a bench: its database, files and log in `workdir`."""
    return {
        "DATABASE_URL": database_url,
        "CORRIDOR_VAR_DIR": str(workdir),
        "CORRIDOR_LOG_FILE": str(workdir / "bench.log"),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "corridor.settings",
    }


def django_setup(
    database_url: str,
    workdir: Path,
    *,
    environment: dict[str, str] | None = None,
    root_urlconf: str | None = None,
) -> None:
    """corridor.settings on the throwaway database, plus the bench-only `vaultbench` app,
    migrated. `environment` adds to (or overrides) `bench_environment`; `root_urlconf`
    replaces Corridor's URLs (the bench's pages beside Corridor's)."""
    os.environ.update({**bench_environment(database_url, workdir), **(environment or {})})
    sys.path[:0] = [str(REPO_DIR), str(BENCH_DIR)]

    import django
    from django.conf import settings

    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "vaultbench"]
    if root_urlconf is not None:
        settings.ROOT_URLCONF = root_urlconf
    # Argon2 at its floor for the one-off key wrapping at setup: that is login cost, paid
    # once per session, not per read. Reads never run Argon2.
    settings.CORRIDOR_KDF_OPSLIMIT = 1
    settings.CORRIDOR_KDF_MEMLIMIT = 8192
    django.setup()

    from django.core.management import call_command

    # Corridor's migrations first: vaultbench (no migrations, synced) points at their tables.
    call_command("migrate", verbosity=0)
    call_command("migrate", run_syncdb=True, verbosity=0)


# --- what every bench builds and measures the same way -------------------------------------


@dataclass(frozen=True)
class Timing:
    p50_ms: float
    p95_ms: float


def timing(samples: list[float]) -> Timing:
    """Median and 95th percentile (nearest rank) of durations in seconds, in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return Timing(statistics.median(ordered) * 1000, p95 * 1000)


def bench_organisation() -> tuple[Any, Any]:
    """The throwaway organisation: its administrator and their unlocked keyring (the
    passphrase is random and never printed: these keys die with the database)."""
    from corridor.accounts.actions import organisation_init
    from corridor.vault.actions import user_keys_unlock
    from corridor.vault.keyring import Keyring

    passphrase = secrets.token_urlsafe(24)
    admin, _shares = organisation_init(
        name="Bench network",
        admin_username="admin",
        admin_passphrase=passphrase,
        threshold=2,
        shares=3,
    )
    keyring = Keyring(
        user_id=admin.pk, private_key=user_keys_unlock(user_id=admin.pk, passphrase=passphrase)
    )
    return admin, keyring


def totp_code(device: Any) -> str:
    """A valid code this device has not seen yet (django-otp refuses a replayed one)."""
    from django_otp.oath import hotp

    device.refresh_from_db()
    now_t = int((time.time() - device.t0) // device.step)
    counter = max(now_t - device.tolerance, device.last_t + 1)
    if counter > now_t + device.tolerance:
        time.sleep(device.step - (time.time() - device.t0) % device.step + 0.05)
        return totp_code(device)
    return f"{hotp(device.bin_key, counter, digits=device.digits):0{device.digits}d}"
