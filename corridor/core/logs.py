"""What may reach a log: deny by default (T1, T8; decision 0015).

A seized log file, or a console captured by a process manager, must hold no word a person
typed or uploaded and no time that ties a line to one request. Third-party libraries log
what they see: pypdf reports text it found in a broken PDF ("Expecting a NameObject for key
but found '...'"), Pillow dumps EXIF values at DEBUG, runserver and Django's broken-pipe
lines carry the client's address. So a record reaches a handler only if its logger is on the
allow list below, at that logger's level or above; everything else, every third-party
logger and Python's warnings (routed into logging as `py.warnings`), is dropped at the
handlers. Each record that passes has its time cut to the hour and its request detached.

The filters are declared in settings.LOGGING, on each handler, so that every
`django.setup()` builds them again with the handlers: runserver sets Django up twice
(manage.py, then corridor.wsgi), and a filter added from AppConfig.ready() was lost the
second time.
"""

from __future__ import annotations

import logging
import logging.config
from typing import Any

# Logger name (and its children) -> the lowest level let through.
ALLOWED: dict[str, int] = {
    "corridor": logging.DEBUG,  # Corridor's own code: it never logs a sensitive value
    "django.request": logging.WARNING,  # 4xx and 5xx: method, path and status
    "django.security": logging.WARNING,  # bad Host header, CSRF failures, ...
    "django.server": logging.WARNING,  # runserver's lines of 4xx and 5xx
}
HOUR = 3600


def allowed_level(name: str) -> int | None:
    """The lowest level let through for logger `name`, or None: not on the allow list."""
    while name:
        if name in ALLOWED:
            return ALLOWED[name]
        name = name.rpartition(".")[0]
    return None


def hour_cut(record: logging.LogRecord) -> None:
    """The record's time to the hour, and nothing finer anywhere on it."""
    record.created -= record.created % HOUR
    record.msecs = 0.0
    record.relativeCreated = 0.0
    if hasattr(record, "server_time"):  # runserver's own time stamp, to the second
        record.server_time = ""


class LogPolicyFilter(logging.Filter):
    """The allow list, the hour, no request object. Idempotent: a record goes through the
    filter of every handler in turn."""

    def filter(self, record: logging.LogRecord) -> bool:
        threshold = allowed_level(record.name)
        if threshold is None or record.levelno < threshold:
            return False
        hour_cut(record)
        # Django attaches the request (runserver: the socket) for handlers such as the
        # e-mail to ADMINS, which would print its headers and address.
        if hasattr(record, "request"):
            record.request = None
        return True


def logging_configure(config: dict[str, Any]) -> None:
    """settings.LOGGING_CONFIG: the dictionary config, with Python's warnings routed into
    logging, where the allow list drops them (Pillow and pypdf warn about the files they
    read). Idempotent: dictConfig replaces the handlers of the loggers it names but adds their
    filters to those already there, so those are cleared first."""
    for name in config.get("loggers", {}):
        logging.getLogger(name).filters.clear()
    logging.getLogger().filters.clear()
    logging.config.dictConfig(config)
    logging.captureWarnings(True)
