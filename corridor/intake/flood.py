"""Flood limits per peer, in memory only (T5; decision 0015).

The hourly limits of `corridor.intake.limits` are global: one client sending as fast as it
could took the hour's 50,000 requests in about 19 minutes, and every person after it that
hour was told their request was not sent. Here each peer (the address a request comes
from) gets, for each kind of work, two token buckets:

- a short one: `burst` requests at once, then `per_second` (new requests and status checks);
- a long one, its fair share: at most `share` of each hourly budget (requests, status
  checks, uploaded KiB) in any hour, refilled evenly over the hour, so no peer can take the
  budget that everyone else needs.

Nothing here is ever written anywhere. A peer is known only by a keyed BLAKE2b hash of its
address under a key drawn at random when the process starts and never stored, so the table
cannot be read back to addresses without the running process; it holds at most `max_peers`
peers, forgetting the longest idle first. Each process keeps its own table: under gunicorn
with N workers a peer may get up to N times these allowances (the global limits, in the
database, still hold in all).

A global IPv6 peer is its /64 network (one subscriber usually holds a whole /64); any other
address is itself (Tor's HiddenServiceExportCircuitID gives each circuit its own address in
fc00::/7, differing only in the low 32 bits). Addresses that
stand for many people at once, above all an onion service's local address (every Tor user
arrives from 127.0.0.1), are `shared_peers`: one bucket for all of them, with no short
bucket and `shared_share` of each budget. Behind a reverse proxy the peer is the proxy
unless it is named in `CORRIDOR_TRUSTED_PROXIES`: then the nearest address in
X-Forwarded-For that is not a trusted proxy is the peer (the left-most entries are whatever
the client wrote, and are never believed).
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import secrets
import threading
import time
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from corridor.intake import limits

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Override any of these with the CORRIDOR_INTAKE_FLOOD setting (a dict).
DEFAULTS: dict[str, Any] = {
    "enabled": True,
    "burst": 10,  # requests (and status checks) one peer may send at once
    "per_second": 1.0,  # and then, sustained
    "share": 0.02,  # of each hourly budget, the most one peer may take in an hour
    "max_peers": 50_000,  # peers remembered per process (about 15 MB at most)
    "shared_peers": ["127.0.0.1", "::1"],  # stand for many people: an onion service
    "shared_share": 0.5,  # of each hourly budget, the most all shared peers take together
}

SUBMIT = limits.SUBMIT  # new requests and follow-ups
STATUS = limits.STATUS  # status page posts (each costs an Argon2 run)
UPLOAD_KIB = "upload_kib"  # the size of the bodies posted to the form
# Each kind of work: the hourly budget it takes a share of, and whether it has a short bucket.
SCOPES: dict[str, tuple[str, bool]] = {
    SUBMIT: ("submissions_per_hour", True),
    STATUS: ("status_checks_per_hour", True),
    UPLOAD_KIB: ("attachment_kib_per_hour", False),
}
_SCOPES = list(SCOPES)
# A peer's state: the time it was last seen, then per scope its short and long tokens.
_SEEN = 0
HOUR = 3600.0

_KEY = secrets.token_bytes(32)  # this process's, never stored: hashes stay unlinkable
_peers: OrderedDict[bytes, array[float]] = OrderedDict()
_lock = threading.Lock()


class PeerLimited(limits.RateLimited):
    """This peer has used its allowance: nothing was stored."""


def setting(name: str) -> Any:
    overrides: dict[str, Any] = getattr(settings, "CORRIDOR_INTAKE_FLOOD", {}) or {}
    return overrides.get(name, DEFAULTS[name])


@lru_cache(maxsize=16)
def _networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry)


def _address(text: str) -> IPAddress | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _within(address: IPAddress, networks: Iterable[IPNetwork]) -> bool:
    return any(address in network for network in networks)


UNIX_SOCKET = "unix"  # in CORRIDOR_TRUSTED_PROXIES: the proxy talks to us over a Unix socket


def peer_address(request: HttpRequest) -> IPAddress | None:
    """The address this request comes from (None: unknown, as from a Unix socket).

    gunicorn on a Unix socket (deploy/) gives no REMOTE_ADDR: naming "unix" among the
    trusted proxies says the only thing on that socket is the reverse proxy, whose
    X-Forwarded-For then names the peer.
    """
    named = tuple(getattr(settings, "CORRIDOR_TRUSTED_PROXIES", ()) or ())
    proxies = _networks(tuple(entry for entry in named if entry.strip() != UNIX_SOCKET))
    remote = str(request.META.get("REMOTE_ADDR") or "").strip()
    address = _address(remote)
    from_socket = not remote and UNIX_SOCKET in (entry.strip() for entry in named)
    if not from_socket and (address is None or not _within(address, proxies)):
        return address
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR") or "")
    for hop in reversed([h for h in forwarded.split(",") if h.strip()]):
        hop_address = _address(hop)
        if hop_address is None:
            return None  # garbled by someone: count it with the unknown
        if not _within(hop_address, proxies):
            return hop_address
        address = hop_address
    return address


def _peer_key(address: IPAddress | None) -> tuple[bytes, bool]:
    """The keyed hash that stands for the peer, and whether it is shared by many people."""
    shared = _networks(tuple(setting("shared_peers")))
    if address is None or _within(address, shared):
        return b"shared", True
    if isinstance(address, ipaddress.IPv6Address) and address.is_global:
        packed = ipaddress.IPv6Network((address, 64), strict=False).network_address.packed
    else:
        packed = address.packed
    return hashlib.blake2b(packed, key=_KEY, digest_size=16).digest(), False


def _capacities(shared: bool) -> list[tuple[float, float]]:
    """Per scope: (short bucket size or infinity, long bucket size = its hourly share)."""
    share = float(setting("shared_share") if shared else setting("share"))
    burst = math.inf if shared else float(setting("burst"))
    return [
        (burst if short else math.inf, max(1.0, math.floor(share * limits.limit(budget))))
        for budget, short in SCOPES.values()
    ]


def _state(key: bytes, now: float, capacities: list[tuple[float, float]]) -> array[float]:
    state = _peers.get(key)
    if state is None:
        state = array("d", [now])
        for short, long in capacities:
            state.extend((short, long))
        _peers[key] = state
        while len(_peers) > int(setting("max_peers")):
            _peers.popitem(last=False)  # the longest idle
        return state
    _peers.move_to_end(key)
    elapsed = max(0.0, now - state[_SEEN])
    state[_SEEN] = now
    rate = float(setting("per_second"))
    for index, (short, long) in enumerate(capacities):
        state[1 + 2 * index] = min(short, state[1 + 2 * index] + elapsed * rate)
        state[2 + 2 * index] = min(long, state[2 + 2 * index] + elapsed * long / HOUR)
    return state


def peer_take(request: HttpRequest, amounts: Mapping[str, int]) -> None:
    """Take `amounts` (scope -> count) from this request's peer, all or nothing; raise
    PeerLimited if any bucket would go below zero. Call it before any work."""
    if not setting("enabled"):
        return
    key, shared = _peer_key(peer_address(request))
    capacities = _capacities(shared)
    with _lock:
        state = _state(key, time.monotonic(), capacities)
        wanted = [(1 + 2 * _SCOPES.index(scope), amount) for scope, amount in amounts.items()]
        for short_index, amount in wanted:
            if state[short_index] < amount or state[short_index + 1] < amount:
                raise refusal(STATUS if STATUS in amounts else SUBMIT)
        for short_index, amount in wanted:
            state[short_index] -= amount
            state[short_index + 1] -= amount


def peers_forget() -> None:
    """Forget every peer (tests, which start from a quiet form)."""
    with _lock:
        _peers.clear()


def peers_remembered() -> int:
    return len(_peers)


def refusal(scope: str) -> PeerLimited:
    if scope == STATUS:
        return PeerLimited(
            _(
                "Too many attempts came from your network in a short time: nothing was sent "
                "and nothing is shown. Wait a few minutes and try again."
            ),
            code="rate_peer",
        )
    return PeerLimited(
        _(
            "Too many requests came from your network in a short time, and yours was NOT "
            "sent. Your text is still in the form below: wait a few minutes and send it "
            "again (attach any files again), or reach us another way."
        ),
        code="rate_peer",
    )
