"""Flood limits without knowing anyone (T5): counters per hour in the database.

There is no per-address limit, because no address is kept. Global counters bound what the
public form and the status page may take in an hour; per-thread counters bound one
codename's reads and writes. A limit is checked before any work and taken in the same
transaction that stores a request: a request over the limit is refused with a message and
never stored, and a stored one is never dropped. Counters older than the previous hour are
deleted as new hours begin.

The work of cleaning files is counted apart, by what it costs rather than by what is stored
(a 170 KB PNG can decode to 160 MB): each file's decoded size and PDF pages are taken in
their own transaction when the file is priced, before it is decoded (decision 0014), so the
work counts even when the request is refused afterwards.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from corridor.intake.models import RateBucket

# Override any of these with the CORRIDOR_INTAKE_LIMITS setting (a dict).
DEFAULTS = {
    "submissions_per_hour": 50_000,  # new requests and follow-ups from the public, in all
    "attachment_kib_per_hour": 2 * 1024 * 1024,  # 2 GiB of files in an hour, in all
    "status_checks_per_hour": 100_000,  # status page attempts, in all (each costs Argon2id)
    "thread_reads_per_hour": 60,  # status page views of one thread
    "thread_writes_per_hour": 20,  # follow-ups written to one thread
    "decoded_mib_per_hour": 32 * 1024,  # image memory decoded for cleaning, in all
    "pdf_pages_per_hour": 20_000,  # PDF pages rebuilt, in all
}

SHARDS = 16  # rows per global counter and hour (see _shards)

SUBMIT = "submit"
ATTACHMENT_KIB = "attachment_kib"
STATUS = "status"
THREAD_READ = "thread_read"
THREAD_WRITE = "thread_write"
DECODED_MIB = "decoded_mib"
PDF_PAGES = "pdf_pages"
CLEANING = "cleaning"  # not a counter: every cleaning slot stayed busy (cleaning.py)


class RateLimited(ValidationError):
    """A limit is reached: nothing was stored."""


def limit(name: str) -> int:
    overrides: dict[str, int] = getattr(settings, "CORRIDOR_INTAKE_LIMITS", {}) or {}
    return int(overrides.get(name, DEFAULTS[name]))


def hour_now() -> datetime:
    return timezone.now().replace(minute=0, second=0, microsecond=0)


# Limits this process has seen reached, and the hour they were reached in: counts never go
# down within an hour, so once a limit is reached every later request of that hour is refused
# at once, before any work and without a query.
_reached: dict[tuple[str, bytes, int], datetime] = {}


def rate_full(scope: str, limit_value: int, *, subject: bytes = b"") -> bool:
    """True if this process already saw `scope` reach `limit_value` this hour (no query)."""
    return _reached.get((scope, subject, limit_value)) == hour_now()


def _reached_note(scope: str, subject: bytes, limit_value: int, hour: datetime) -> None:
    for key in [k for k, h in _reached.items() if h != hour]:
        del _reached[key]
    _reached[(scope, subject, limit_value)] = hour


def reached_forget() -> None:
    """Forget the limits seen reached (tests, whose rolled-back counters start from zero)."""
    _reached.clear()


def _increment(scope: str, subject: bytes, hour: datetime, amount: int, cap: int) -> bool:
    """One conditional UPDATE: add `amount` unless that passes `cap`. True if it did."""
    bucket = RateBucket.objects.filter(
        scope=scope, subject=subject, hour=hour, count__lte=cap - amount
    )
    return bool(bucket.update(count=F("count") + amount))


def _take_one(scope: str, subject: bytes, hour: datetime, amount: int, cap: int) -> bool:
    """Take `amount` from one bucket (created if this is its hour's first use)."""
    if _increment(scope, subject, hour, amount, cap):
        return True
    if RateBucket.objects.filter(scope=scope, subject=subject, hour=hour).exists():
        return False
    try:
        with transaction.atomic():
            RateBucket.objects.create(scope=scope, subject=subject, hour=hour, count=amount)
    except IntegrityError:  # another request opened the bucket first
        return _increment(scope, subject, hour, amount, cap)
    RateBucket.objects.filter(hour__lt=hour - timedelta(hours=1)).delete()
    return True


def _shards(limit_value: int) -> list[tuple[bytes, int]]:
    """The global buckets of a limit and each one's share, in a random order.

    A global counter taken inside every request's transaction would be one row that every
    request locks until it commits, so concurrent requests would wait for each other's
    commits. Split in shards, concurrent requests mostly lock different rows; the shares add
    up exactly to the limit.
    """
    base, extra = divmod(limit_value, SHARDS)
    caps = [(bytes([n]), base + (1 if n < extra else 0)) for n in range(SHARDS)]
    start = secrets.randbelow(SHARDS)
    return [caps[(start + i) % SHARDS] for i in range(SHARDS) if caps[(start + i) % SHARDS][1]]


def rate_take(scope: str, limit_value: int, *, subject: bytes = b"", amount: int = 1) -> None:
    """Count `amount` in this hour, or raise RateLimited if it would pass the limit.

    Conditional UPDATEs, so concurrent callers can never go past the limit together; call it
    inside the transaction of the work it counts, so a refused call leaves nothing. A global
    limit (no subject) is split into shards (see `_shards`): near the limit a request tries
    each shard before it is refused, and an `amount` larger than one shard's share is refused.
    """
    if amount > limit_value:
        raise refusal(scope)
    hour = hour_now()
    buckets = _shards(limit_value) if not subject else [(subject, limit_value)]
    for bucket_subject, cap in buckets:
        if amount <= cap and _take_one(scope, bucket_subject, hour, amount, cap):
            return
    if amount == 1:
        _reached_note(scope, subject, limit_value, hour)
    raise refusal(scope)


def refusal(scope: str) -> RateLimited:
    if scope == CLEANING:
        return RateLimited(
            _(
                "We are receiving many files right now, and your request was NOT sent. "
                "Please try again in a few minutes, or send it without files."
            ),
            code="rate_cleaning",
        )
    if scope in (ATTACHMENT_KIB, DECODED_MIB, PDF_PAGES):
        return RateLimited(
            _(
                "We have received too many files in the last hour, and your request was NOT "
                "sent. Please try again in an hour, or send it without files."
            ),
            code="rate_files",
        )
    if scope in (THREAD_READ, THREAD_WRITE):
        return RateLimited(
            _("This codename was used many times in the last hour. Wait an hour and try again."),
            code="rate_thread",
        )
    return RateLimited(
        _(
            "We are receiving too many requests right now, and yours was NOT sent. "
            "Please try again in an hour, or reach us another way."
        ),
        code="rate_global",
    )
