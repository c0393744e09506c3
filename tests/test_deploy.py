"""The production files in deploy/ and `make run`'s restart loop do what README promises.

A worker that stops raises no alert for a missed check-in (issue 10, item 3): it runs under
something that restarts it (deploy/supervise.sh for `make run`, systemd's Restart=always in
production). The nightly backup is `manage.py backup`: encrypted and signed, media included. The proxy logs no address. Where the
real tool is installed (nginx, tor, age, pg_dump) the files are checked by it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from conftest import org_build
from corridor.audit.checkpoints import signing_public_key

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
    """deploy/backup.sh as the timer runs it, on the suite's database and var folder."""
    environ = {
        "PATH": os.environ["PATH"],
        "CORRIDOR_PYTHON": sys.executable,
        "CORRIDOR_BACKUP_DIR": str(tmp_path / "out"),
        "CORRIDOR_VAR_DIR": str(settings.VAR_DIR),
        "CORRIDOR_AUDIT_SIGNING_KEY": settings.CORRIDOR_AUDIT_SIGNING_KEY,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "corridor.settings",
        **env,
    }
    return subprocess.run(  # noqa: S603 - our own script
        [str(DEPLOY / "backup.sh")], env=environ, capture_output=True, text=True, timeout=300
    )


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _age_identity(tmp_path: Path, name: str) -> tuple[Path, str]:
    identity = tmp_path / f"{name}.txt"
    subprocess.run(["age-keygen", "-o", str(identity)], check=True, capture_output=True)
    public = subprocess.run(
        ["age-keygen", "-y", str(identity)], check=True, capture_output=True, text=True
    ).stdout.strip()
    return identity, public


@pytest.fixture
def signing_key(settings: Any) -> None:
    settings.CORRIDOR_AUDIT_SIGNING_KEY = "ab" * 32  # never the key file in var/


@pytest.mark.django_db(transaction=True)
def test_the_nightly_backup_refuses_a_recipient_that_is_not_an_age_key(
    tmp_path: Path, signing_key: None
) -> None:
    # Given an organisation, and a recipients file with one good key and one typed wrong
    org_build()
    _identity, public = _age_identity(tmp_path, "good")
    recipients = tmp_path / "recipients.txt"
    recipients.write_text(f"# the board's key\n{public}\nage1notakey\n")
    # When the nightly backup runs
    result = _backup(tmp_path, CORRIDOR_BACKUP_AGE_RECIPIENTS=str(recipients))
    # Then it fails, says which, and nothing is written: no file, no partial file
    assert result.returncode != 0
    assert "not an age X25519 recipient" in result.stderr, result.stderr
    out = tmp_path / "out"
    assert not out.exists() or not any(out.iterdir()), list(out.iterdir())


@pytest.mark.skipif(not shutil.which("age"), reason="needs the stock age")
@pytest.mark.django_db(transaction=True)
def test_the_nightly_backup_is_the_signed_age_backup_that_restore_reads(
    tmp_path: Path, signing_key: None
) -> None:
    # Given an organisation with a media file, and a further recipient kept off the server
    org_build()
    media = Path(settings.MEDIA_ROOT) / "deploy-test"
    media.mkdir(parents=True, exist_ok=True)
    (media / "kept.bin").write_bytes(b"media bytes of the nightly backup")
    identity, public = _age_identity(tmp_path, "board")
    recipients = tmp_path / "recipients.txt"
    recipients.write_text(f"{public}  # the board\n")
    try:
        # When the nightly backup runs twice with room for one
        for _ in range(2):
            result = _backup(
                tmp_path, CORRIDOR_BACKUP_AGE_RECIPIENTS=str(recipients), CORRIDOR_BACKUP_KEEP="1"
            )
            assert result.returncode == 0, result.stderr
            time.sleep(1.1)  # the file name holds the second
    finally:
        shutil.rmtree(media)
    # Then one backup and its signature are kept, and nothing partial
    out = tmp_path / "out"
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 2 and names[0].endswith(".backup.age"), names
    assert names[1] == names[0] + ".minisig"
    backup = out / names[0]
    # ... our verifier accepts it: two recipients, the recovery key and the board's
    verify = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, str(ROOT / "manage.py"), "backup_verify", str(backup)],
        env=_backup_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert verify.returncode == 0 and "2 recipient(s)" in verify.stdout, verify
    # ... it is no database in clear, and the stock age opens it with the board's identity
    assert b"SQLite format" not in backup.read_bytes() and b"PGDMP" not in backup.read_bytes()
    clear = subprocess.run(
        ["age", "--decrypt", "-i", str(identity), "-o", str(tmp_path / "b.tar"), str(backup)],
        capture_output=True,
        check=False,
    )
    assert clear.returncode == 0, clear.stderr
    with tarfile.open(tmp_path / "b.tar") as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("MANIFEST.json").read())  # type: ignore[union-attr]
        kept = [n for n in names if n.endswith("deploy-test/kept.bin")]
        assert kept and tar.extractfile(kept[0]).read() == b"media bytes of the nightly backup"  # type: ignore[union-attr]
    assert manifest["database"] in names


def _backup_env() -> dict[str, str]:
    return {
        **os.environ,
        "CORRIDOR_VAR_DIR": str(settings.VAR_DIR),
        "CORRIDOR_AUDIT_SIGNING_KEY": settings.CORRIDOR_AUDIT_SIGNING_KEY,
        "CORRIDOR_AUDIT_PUBLIC_KEY": signing_public_key().hex(),
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "corridor.settings",
    }
