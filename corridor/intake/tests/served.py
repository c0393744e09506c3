"""Corridor's real servers for tests: `manage.py runserver` (as `make run` starts it) or
gunicorn with the repository's gunicorn.conf.py (as production starts it), each in a
subprocess on a free port, against a temporary SQLite database with an open intake desk.

Everything the server writes stays in the test's folder: the database, var/ (its log file)
and the server's stdout and stderr, each captured in a file, so that a test can scan it all.
`python -m corridor.intake.tests.served PREPARED_DIR` is the set-up run in the subprocess.
"""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[3]
PYTHON = Path(sys.executable)
BIN = PYTHON.parent
KINDS = ("runserver", "gunicorn")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def served_environment(folder: Path, **extra: str) -> dict[str, str]:
    """corridor.settings' environment for a server whose every file is under `folder`."""
    var = folder / "var"
    var.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "corridor.settings",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "CORRIDOR_VAR_DIR": str(var),
        "CORRIDOR_LOG_FILE": str(var / "corridor.log"),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "CORRIDOR_INTAKE_PEPPER": secrets.token_urlsafe(32),
        "CORRIDOR_KDF_OPSLIMIT": "1",
        "CORRIDOR_KDF_MEMLIMIT": "8192",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def served_prepare(env: dict[str, str]) -> None:
    """Migrate the temporary database and open an intake desk on it (in a subprocess)."""
    done = subprocess.run(  # noqa: S603 (our own interpreter and module)
        [str(PYTHON), "-m", "corridor.intake.tests.served"],
        cwd=REPO_DIR,
        env=env,
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr.decode()[-3000:]


def _desk_open() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from corridor.accounts.actions import organisation_init, staff_create
    from corridor.accounts.roles import Role
    from corridor.intake.actions import intake_desk_create
    from corridor.vault import actions as vault_actions
    from corridor.vault.actions import compartment_create
    from corridor.vault.keyring import Keyring, keyring_activated

    vault_actions.RECOVERY_KDF_OPSLIMIT = 1
    vault_actions.RECOVERY_KDF_MEMLIMIT = 8192
    call_command("migrate", verbosity=0)
    passphrase = secrets.token_urlsafe(24)
    admin, _shares = organisation_init(
        name="Served", admin_username="admin", admin_passphrase=passphrase, threshold=2, shares=3
    )
    triager, triager_key = staff_create(
        username="triager", role=Role.TRIAGE, passphrase=passphrase, actor_id=None
    )
    compartment = compartment_create(actor_id=admin.pk, name="Intake desk", member_ids=[triager.pk])
    with keyring_activated(Keyring(user_id=triager.pk, private_key=triager_key)):
        intake_desk_create(actor_id=triager.pk, compartment=compartment)


@dataclass
class Served:
    kind: str
    port: int
    folder: Path
    stdout: Path
    stderr: Path
    process: subprocess.Popen[bytes]

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        source: str = "127.0.0.1",
    ) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=60, source_address=(source, 0)
        )
        try:
            connection.request(method, path, body=body or None, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def files(self) -> list[Path]:
        """Every file the server could have written: its folder (database, var/, output)."""
        return sorted(p for p in self.folder.rglob("*") if p.is_file())


def _command(kind: str, port: int) -> list[str]:
    if kind == "runserver":
        # As `make run`, without the reloader's second process (which only repeats the set-up).
        return [
            str(PYTHON), "manage.py", "runserver", "--noreload", "--insecure", f"127.0.0.1:{port}",
        ]  # fmt: skip
    # Louder than gunicorn.conf.py, and with an access log asked for on the command line:
    # whatever gunicorn writes at INFO must still hold no address and no time finer than the
    # hour (its HourLogger writes no access line at all).
    return [
        str(BIN / "gunicorn"),
        "--config", str(REPO_DIR / "gunicorn.conf.py"),
        "--bind", f"127.0.0.1:{port}",
        "--workers", "2",
        "--log-level", "info",
        "--access-logfile", "-",
        "corridor.wsgi",
    ]  # fmt: skip


@contextmanager
def served(kind: str, folder: Path, env: dict[str, str]) -> Iterator[Served]:
    """A started server of `kind` (runserver or gunicorn); stopped and flushed afterwards."""
    port = free_port()
    stdout, stderr = folder / f"{kind}.stdout", folder / f"{kind}.stderr"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(  # noqa: S603 (our own commands)
            _command(kind, port), cwd=REPO_DIR, env=env, stdout=out, stderr=err
        )
    server = Served(kind, port, folder, stdout, stderr, process)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if server.request("GET", "/help/en/")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{kind} did not start: {stderr.read_text()[-2000:]}")
            time.sleep(0.2)
        yield server
    finally:
        process.send_signal(signal.SIGTERM if kind == "gunicorn" else signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


if __name__ == "__main__":
    sys.path.insert(0, str(REPO_DIR))
    _desk_open()
