"""The log is deny by default: only Corridor's loggers and Django's request errors, each
record at the hour, and the filters survive a second set-up (T1, T8; decision 0015)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.utils.log import configure_logging

from corridor.core.logs import LogPolicyFilter
from corridor.intake.logfilter import IntakeLogFilter

MARKER = "Qxlogmarker"


def _handlers() -> list[logging.Handler]:
    """The handlers settings.LOGGING gives the root logger: the log file and the console."""
    handlers = [h for h in logging.getLogger().handlers if h.name in ("file", "console")]
    assert len(handlers) == 2, logging.getLogger().handlers
    return handlers


def _record(
    name: str, level: int, message: str, created: float = 1_700_001_234.5
) -> logging.LogRecord:
    record = logging.LogRecord(name, level, __file__, 1, message, (), None)
    record.created, record.msecs = created, 500.0
    return record


@pytest.fixture
def _set_up_again() -> Iterator[None]:
    """Django's logging set-up run a second time, as corridor.wsgi does under runserver."""
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    yield
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


@pytest.mark.parametrize(
    "name",
    [
        "pypdf.generic._data_structures",
        "pypdf._reader",
        "PIL.TiffImagePlugin",
        "py.warnings",
        "django.db.backends",
        "django.utils.autoreload",
        "urllib3",
        "",  # the root logger itself
    ],
)
def test_it_drops_every_logger_that_is_not_on_the_allow_list(name: str) -> None:
    # Given a record of a third-party logger that quotes an uploaded file, as pypdf does
    record = _record(name, logging.ERROR, f"Expecting a NameObject for key but found '{MARKER}'")
    # Then no handler writes it, at any level
    for handler in _handlers():
        assert not handler.filter(record), (name, handler)


@pytest.mark.parametrize(
    ("name", "level"),
    [
        ("corridor.tasks.worker", logging.INFO),
        ("corridor", logging.DEBUG),
        ("django.request", logging.WARNING),
        ("django.security.DisallowedHost", logging.ERROR),
        ("django.server", logging.ERROR),
    ],
)
def test_it_keeps_corridors_loggers_and_djangos_request_errors_at_the_hour(
    name: str, level: int
) -> None:
    record = _record(name, level, "Not Found: /cases/")
    record.request = RequestFactory().get("/cases/")
    for handler in _handlers():
        assert handler.filter(record), (name, handler)
    # And the record says the hour and nothing finer, and carries no request any more
    assert record.created == 1_700_001_234.5 - 1_700_001_234.5 % 3600
    assert record.msecs == 0 and record.relativeCreated == 0
    assert getattr(record, "request", "missing") is None
    line = _handlers()[0].format(record)
    assert line.startswith(f"{line[:10]} {line[11:13]}:00 "), line


def test_it_drops_djangos_informational_request_lines() -> None:
    # runserver logs every request's line (path, status) with its time at INFO
    record = _record("django.server", logging.INFO, '"GET /cases/ HTTP/1.1" 200 512')
    assert not any(handler.filter(record) for handler in _handlers())


def test_it_routes_warnings_into_the_log_and_drops_them(tmp_path: Path) -> None:
    # Given a Corridor process set up as a server is, whose code raises a warning quoting a
    # file it reads (Pillow and pypdf warn about the files they open)
    script = (
        "import django, warnings; django.setup(); "
        f"warnings.warn('could not decode {MARKER}', UserWarning, stacklevel=1)"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "corridor.settings",
        "CORRIDOR_VAR_DIR": str(tmp_path),
        "CORRIDOR_LOG_FILE": str(tmp_path / "corridor.log"),
        "PYTHONWARNINGS": "always",
    }
    done = subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-c", script], env=env, capture_output=True, timeout=120, check=True
    )
    # Then neither its stderr nor the log file shows it
    assert MARKER.encode() not in done.stderr + done.stdout, done.stderr
    assert MARKER not in (tmp_path / "corridor.log").read_text()
    # And the check is not blind: without the set-up, Python prints it
    bare = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script.replace("django.setup(); ", "")],
        env=env,
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert MARKER.encode() in bare.stderr


@pytest.mark.usefixtures("_set_up_again")
def test_it_keeps_the_filters_after_django_is_set_up_a_second_time() -> None:
    # Given logging set up again, as runserver does when it loads corridor.wsgi
    handlers = _handlers()
    # Then each handler has its filters once, new ones built with the new handlers
    for handler in handlers:
        kinds = [type(f) for f in handler.filters]
        assert kinds == [IntakeLogFilter, LogPolicyFilter], kinds
    for name in ("django.request", "django.server"):
        kinds = [type(f) for f in logging.getLogger(name).filters]
        assert kinds == [IntakeLogFilter], (name, kinds)
    # And they still drop a third-party record and a public request's 4xx
    pypdf = _record("pypdf._reader", logging.WARNING, f"incorrect startxref pointer {MARKER}")
    refused = _record("django.security.DisallowedHost", logging.ERROR, "Invalid HTTP_HOST")
    refused.request = RequestFactory().post("/help/")
    refused.status_code = 400
    for handler in handlers:
        assert not handler.filter(pypdf) and not handler.filter(refused)
    # And Django's own handlers (the DEBUG console, the e-mail to ADMINS) are gone
    assert logging.getLogger("django").handlers == []
    assert logging.getLogger("django.server").handlers == []
