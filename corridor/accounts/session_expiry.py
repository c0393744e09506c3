"""Idle and expired sessions end on the server, whether or not their browser comes back (T2).

The idle timeout in `StaffSessionMiddleware` ends a session at its next request. A browser
that never comes back (a closed lid, a seized laptop) would leave its row behind, holding the
private key and the opened compartment keys encrypted under the secret in that browser's
`corridor_vk` cookie: the row and the cookie together would open them long after the timeout.
The worker's pass (`sessions_expire`, run at least every `SWEEP_SECONDS`) deletes the rows
of sessions idle past `CORRIDOR_IDLE_TIMEOUT` or past their expiry date, and their
`StaffSession` rows, so what the cookie opened is gone within a minute of the timeout.

A session's last activity is the `_last_seen` time the middleware records (at most every
30 s), and, for a session that has none yet, the time its row was last written, which the
database backend keeps as `expire_date` minus the session age (Corridor never calls
`set_expiry`). A row is always written at or after the `_last_seen` it holds, so a row last
written before the cutoff is idle by either measure and is deleted in SQL; only rows written
since the cutoff (the sessions active in the last few minutes) are decoded. Each of those is
deleted only if it still holds the data it was judged by, so a request that marked it active
meanwhile wins; a request still in flight for a deleted row cannot write it back (Django's
session save refuses to recreate a vanished row). No vault key is needed: the pass reads
times, never key material (decision 0016).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q

from corridor.accounts.middleware import LAST_SEEN_KEY
from corridor.accounts.models import StaffSession

# The worker sweeps at least this often, whatever its --interval for other work, so a
# session's server half is gone within a minute of its idle timeout.
SWEEP_SECONDS = 30.0


def _idle_cutoff(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.CORRIDOR_IDLE_TIMEOUT)


def session_idle(data: dict[str, object], expire_date: datetime, now: datetime) -> bool:
    """The middleware's rule (idle longer than the timeout), read from a stored row."""
    last_seen = data.get(LAST_SEEN_KEY)
    if isinstance(last_seen, int | float):
        return now.timestamp() - last_seen > settings.CORRIDOR_IDLE_TIMEOUT
    written = expire_date - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    return written < _idle_cutoff(now)


def sessions_expire(now: datetime) -> int:
    """Delete the sessions idle or expired at `now`, and their StaffSession rows.

    Returns how many session rows were deleted.
    """
    cutoff = _idle_cutoff(now)
    written_before_cutoff = cutoff + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    stale = Q(expire_date__lte=now) | Q(expire_date__lt=written_before_cutoff)
    with transaction.atomic():
        ended, _ = Session.objects.filter(stale).delete()
    store = SessionStore()
    recent = Session.objects.exclude(stale).values_list(
        "session_key", "session_data", "expire_date"
    )
    for key, data, expire_date in recent.iterator():
        if session_idle(store.decode(data), expire_date, now):
            with transaction.atomic():
                # The WHERE repeats what was read: a request that wrote the row since wins.
                ended += Session.objects.filter(session_key=key, session_data=data).delete()[0]
    with transaction.atomic():
        # Every StaffSession whose session is gone: those just deleted, and any left behind.
        StaffSession.objects.exclude(session_key__in=Session.objects.values("session_key")).delete()
    return ended
