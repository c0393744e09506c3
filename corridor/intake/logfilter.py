"""Keep the public form out of the logs (T7, T8).

Django's development server logs every request line with its time (`django.server`), and
`django.request` logs every 4xx and 5xx with the request attached (its address, agent and
body are one handler away). For `/help/` paths this filter drops both, except server errors,
which it keeps as a bare line: the status, the exception's type and where it was raised,
never its message, the request or any argument, and its time cut to the hour like every
other time of a request.
"""

from __future__ import annotations

import logging
import traceback

PREFIX = "/help/"
LOGGERS = ("django.request", "django.server")


def _intake_path(record: logging.LogRecord) -> bool:
    request = getattr(record, "request", None)
    path = getattr(request, "path", None)
    if isinstance(path, str):
        return path.startswith(PREFIX)
    args = record.args if isinstance(record.args, tuple) else (record.args,)
    texts = [str(a) for a in args if isinstance(a, str)] + [str(record.msg)]
    return any(f" {PREFIX}" in t or t.startswith(PREFIX) for t in texts)


class IntakeLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not _intake_path(record):
            return True
        status = getattr(record, "status_code", None)
        if not isinstance(status, int) or status < 500:
            return False
        where = ""
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            frames = traceback.extract_tb(exc.__traceback__)
            last = frames[-1] if frames else None
            where = f" {type(exc).__name__}" + (
                f" at {last.filename}:{last.lineno}" if last else ""
            )
        record.created = record.created - record.created % 3600
        record.msecs = 0.0
        record.relativeCreated = 0.0
        record.msg = f"intake view failed with status {status}{where}"
        record.args = ()
        record.exc_info = None
        record.exc_text = None
        record.request = None
        return True


def intake_log_filter_install() -> None:
    """Attach the filter to Django's request loggers and to the root logger's handlers, so
    records of any other logger that carry an intake request (django.security.DisallowedHost,
    RequestDataTooBig ...) are held too (called from IntakeConfig.ready)."""
    targets: list[logging.Filterer] = [logging.getLogger(name) for name in LOGGERS]
    targets += logging.getLogger().handlers
    for target in targets:
        if not any(isinstance(f, IntakeLogFilter) for f in target.filters):
            target.addFilter(IntakeLogFilter())
