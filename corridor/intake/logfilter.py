"""Keep the public form out of the logs (T7, T8).

Django's development server logs every request line with its time (`django.server`), and
`django.request` logs every 4xx and 5xx with the request attached (its address, agent and
body are one handler away). For `/help/` paths this filter drops both, except server errors,
which it keeps as a bare line: the status, the exception's type and where it was raised,
never its message, the request or any argument, and its time cut to the hour like every
other time of a request.

It is declared on each handler in settings.LOGGING, after corridor.core.logs'
LogPolicyFilter has dropped what is not on the allow list (decision 0015), so it is built
again with the handlers on every `django.setup()`. A record passes through the filters of
each handler in turn: the first judgement is kept on the record.
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
        verdict = getattr(record, "corridor_intake", None)
        if verdict is None:  # the first handler's filter judges; the others keep it
            verdict = _judge(record)
            record.corridor_intake = verdict
        return verdict != "dropped"


def _judge(record: logging.LogRecord) -> str:
    """ "other" (not a public request), "dropped", or "rewritten" (a bare 500 line)."""
    if not _intake_path(record):
        return "other"
    status = getattr(record, "status_code", None)
    if not isinstance(status, int) or status < 500:
        return "dropped"
    where = ""
    if record.exc_info and record.exc_info[1] is not None:
        exc = record.exc_info[1]
        frames = traceback.extract_tb(exc.__traceback__)
        last = frames[-1] if frames else None
        where = f" {type(exc).__name__}" + (f" at {last.filename}:{last.lineno}" if last else "")
    record.created = record.created - record.created % 3600
    record.msecs = 0.0
    record.relativeCreated = 0.0
    record.msg = f"intake view failed with status {status}{where}"
    record.args = ()
    record.exc_info = None
    record.exc_text = None
    record.request = None
    return "rewritten"
