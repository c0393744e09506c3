"""The production files in deploy/ and `make run`'s restart loop do what README promises.

A worker that stops raises no alert for a missed check-in (issue 10, item 3): it runs under
something that restarts it (deploy/supervise.sh for `make run`, systemd's Restart=always in
production). Backups are encrypted or not made at all. The proxy logs no address. Where the
real tool is installed (nginx, tor, age, pg_dump) the files are checked by it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
LONG_RUNNING = ["corridor-web.service", "corridor-worker.service"]


def _wait_for(condition, seconds: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_it_restarts_a_command_that_exits_and_stops_with_it(tmp_path: Path) -> None:
    # Given the restart loop of `make run` around a command that dies at once, every time
    runs = tmp_path / "runs"
    command = f"open({str(runs)!r}, 'a').write('run\\n'); raise SystemExit(1)"
    supervisor = subprocess.Popen(
        [str(DEPLOY / "supervise.sh"), "-d", "0.1", sys.executable, "-c", command],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # Then it is started again and again
        assert _wait_for(lambda: runs.exists() and runs.read_text().count("run") >= 3)
    finally:
        # And the loop stops, cleanly, when it is told to
        supervisor.send_signal(signal.SIGTERM)
        _out, err = supervisor.communicate(timeout=10)
    assert supervisor.returncode == 0
    assert "exited with status 1; restart 1 in 0.1 s" in err


def test_it_stops_the_running_command_when_the_loop_is_stopped(tmp_path: Path) -> None:
    # Given a long-running command under the loop
    pid_file = tmp_path / "pid"
    command = (
        f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    )
    supervisor = subprocess.Popen(
        [str(DEPLOY / "supervise.sh"), sys.executable, "-c", command], stderr=subprocess.DEVNULL
    )
    assert _wait_for(lambda: pid_file.exists() and pid_file.read_text() != "")
    child = int(pid_file.read_text())
    # When the loop is stopped (make run's trap sends TERM)
    supervisor.send_signal(signal.SIGTERM)
    supervisor.wait(timeout=10)
    # Then the command is gone too, not left running without its supervisor
    assert _wait_for(lambda: not Path(f"/proc/{child}").exists() or _zombie(child))


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True


@pytest.mark.parametrize("unit", LONG_RUNNING)
def test_it_restarts_the_web_and_the_worker_forever_in_production(unit: str) -> None:
    text = (DEPLOY / "systemd" / unit).read_text()
    assert "Restart=always" in text
    assert "StartLimitIntervalSec=0" in text  # never gives up restarting


@pytest.mark.parametrize("unit", [u.name for u in UNITS])
def test_it_hardens_every_unit_and_keeps_secrets_out_of_the_environment_file(unit: str) -> None:
    text = (DEPLOY / "systemd" / unit).read_text()
    for option in ("NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes"):
        assert option in text, option
    assert re.search(r"^ReadWritePaths=/var/(lib|backups)/corridor$", text, re.M)
    assert "EnvironmentFile=/etc/corridor/corridor.env" in text
    assert "LoadCredential=database_url:" in text
    # The environment file holds settings only: no secret is written into it
    env = (DEPLOY / "corridor.env").read_text()
    for secret in ("SECRET_KEY", "DATABASE_URL", "PEPPER", "INDEX_SECRET", "SIGNING_KEY"):
        assert not re.search(rf"^[A-Z_]*{secret}[A-Z_]*=", env, re.M), secret


def test_it_has_timers_for_checkpoints_and_backups() -> None:
    checkpoint = (DEPLOY / "systemd" / "corridor-audit-checkpoint.service").read_text()
    assert "manage.py audit_checkpoint" in checkpoint
    assert "backup.sh" in (DEPLOY / "systemd" / "corridor-backup.service").read_text()
    for timer in ("corridor-audit-checkpoint.timer", "corridor-backup.timer"):
        assert "OnCalendar=" in (DEPLOY / "systemd" / timer).read_text()


def test_it_logs_no_address_at_the_proxy_and_tells_the_app_only_the_flood_limiter_s() -> None:
    for site in ("corridor.conf", "corridor-onion.conf"):
        text = (DEPLOY / "nginx" / site).read_text()
        code = "\n".join(line.split("#")[0] for line in text.splitlines())
        assert "access_log off;" in code
        assert "X-Real-IP" not in code and "log_format" not in code
        assert "alias /var/lib/corridor/static/;" in code
        # The one use of the address: a header that replaces the client's own, for the
        # in-memory flood limits (the onion site has no address to give)
        forwarded = [line.strip() for line in code.splitlines() if "$remote_addr" in line]
        expected = ["proxy_set_header X-Forwarded-For $remote_addr;"]
        assert forwarded == (expected if site == "corridor.conf" else [])
    assert "CORRIDOR_TRUSTED_PROXIES=unix" in (DEPLOY / "corridor.env").read_text()
    tls = (DEPLOY / "nginx" / "corridor.conf").read_text()
    assert "Strict-Transport-Security" in tls and "ssl_certificate " in tls


def test_it_defends_the_onion_service_with_proof_of_work() -> None:
    text = (DEPLOY / "tor" / "torrc-corridor").read_text()
    assert re.search(r"^HiddenServiceDir /var/lib/tor/corridor/$", text, re.M)
    assert re.search(r"^HiddenServicePort 80 127\.0\.0\.1:8081$", text, re.M)
    assert re.search(r"^HiddenServicePoWDefensesEnabled 1$", text, re.M)


def test_it_names_every_deploy_file_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    production = readme[readme.index("## Production") :]
    for path in sorted(DEPLOY.rglob("*")):
        if path.is_file():
            assert str(path.relative_to(ROOT)) in production, path


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_it_passes_nginx_own_check(tmp_path: Path) -> None:
    # Given the two sites, with a throwaway certificate in place of the real one
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-days", "1", "-subj", "/CN=corridor.example.org",
         "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    sites = []
    for site in ("corridor.conf", "corridor-onion.conf"):
        text = (DEPLOY / "nginx" / site).read_text()
        text = text.replace(
            "/etc/letsencrypt/live/corridor.example.org/fullchain.pem", str(tmp_path / "cert.pem")
        )
        text = text.replace(
            "/etc/letsencrypt/live/corridor.example.org/privkey.pem", str(tmp_path / "key.pem")
        )
        text = text.replace("/var/log/nginx/", f"{tmp_path}/")
        (tmp_path / site).write_text(text)
        sites.append(f"include {tmp_path / site};")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\naccess_log off;\n{chr(10).join(sites)}\n}}\n"
    )  # fmt: skip
    # Then nginx accepts them
    result = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(shutil.which("tor") is None, reason="tor is not installed")
def test_it_passes_tor_own_check(tmp_path: Path) -> None:
    hidden = tmp_path / "hs"
    hidden.mkdir(mode=0o700)
    text = (
        (DEPLOY / "tor" / "torrc-corridor")
        .read_text()
        .replace("/var/lib/tor/corridor/", f"{hidden}/")
    )
    torrc = tmp_path / "torrc"
    torrc.write_text(f"DataDirectory {tmp_path}/data\nSocksPort 0\n{text}")
    result = subprocess.run(
        ["tor", "--verify-config", "-f", str(torrc)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _backup(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {"PATH": os.environ["PATH"], "CORRIDOR_BACKUP_DIR": str(tmp_path / "out"), **env}
    return subprocess.run(
        [str(DEPLOY / "backup.sh")], env=environ, capture_output=True, text=True, timeout=120
    )


def test_it_refuses_to_back_up_without_encryption(tmp_path: Path) -> None:
    # Given no encryption tool configured
    result = _backup(tmp_path, DATABASE_URL="postgres://corridor@127.0.0.1:5432/corridor")
    # Then nothing is dumped, and it says why
    assert result.returncode == 1
    assert "an unencrypted dump is never made" in result.stderr
    out = tmp_path / "out"
    assert not out.exists() or not any(out.iterdir())


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.skipif(
    connection.vendor != "postgresql" or not all(shutil.which(t) for t in ("age", "pg_dump")),
    reason="needs PostgreSQL, pg_dump and age",
)
@pytest.mark.django_db
def test_it_writes_only_an_encrypted_dump(tmp_path: Path) -> None:
    # Given an age recipient whose private key is kept elsewhere
    identity = tmp_path / "identity.txt"
    subprocess.run(["age-keygen", "-o", str(identity)], check=True, capture_output=True)
    recipients = tmp_path / "recipients.txt"
    recipients.write_text(
        subprocess.run(["age-keygen", "-y", str(identity)], check=True, capture_output=True,
                       text=True).stdout
    )  # fmt: skip
    # When the backup runs
    result = _backup(
        tmp_path, DATABASE_URL=_database_url(), CORRIDOR_BACKUP_AGE_RECIPIENTS=str(recipients)
    )
    assert result.returncode == 0, result.stderr
    # Then the one file written is not a dump until decrypted with that key
    (dump,) = (tmp_path / "out").iterdir()
    assert dump.name.endswith(".dump.age")
    assert b"PGDMP" not in dump.read_bytes()
    clear = subprocess.run(
        ["age", "--decrypt", "-i", str(identity), str(dump)], check=True, capture_output=True
    ).stdout
    assert clear.startswith(b"PGDMP")
