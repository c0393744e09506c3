"""gunicorn's own log, held to what Corridor's log may say (T1, T8; decision 0015).

gunicorn writes its error log with the time to the second and, when an access log is
configured (or merely a logging config dict), one line per request with the client's
address, agent and path. `HourLogger` writes the time to the hour and never an access line,
whatever the command line says. The repository's gunicorn.conf.py selects it.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger


class HourLogger(Logger):  # type: ignore[misc]
    datefmt = r"[%Y-%m-%d %H:00 %z]"

    def access(self, *args: Any, **kwargs: Any) -> None:
        """No access log: each of its lines would hold a request's address and time."""
        return None
