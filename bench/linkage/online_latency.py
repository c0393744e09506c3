"""Latency of one online query against all stored requests, with HMAC-keyed blocking keys."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import statistics
import time
from pathlib import Path

from corridor.linkage.cli import requests_read
from corridor.linkage.features import Features, features_extract
from corridor.linkage.online import InMemoryKeyIndex, OnlineMatcher

QUERIES = 200


def online_latency(requests_path: Path) -> dict[str, float]:
    key = secrets.token_bytes(32)

    def keyed_hash(value: str) -> bytes:
        return hmac.new(key, value.encode(), hashlib.sha256).digest()[:16]

    requests = requests_read(requests_path)
    store: dict[str, Features] = {}
    matcher = OnlineMatcher(keyed_hash, InMemoryKeyIndex())
    for request in requests[QUERIES:]:
        features = features_extract(request)
        store[request.record_id] = features
        matcher.add(request.record_id, features)

    def fetch(record_ids: object) -> dict[str, Features]:
        return {record_id: store[record_id] for record_id in record_ids}  # type: ignore[attr-defined]

    timings = []
    for request in requests[:QUERIES]:
        started = time.perf_counter()
        matcher.query(features_extract(request), fetch)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "queries": QUERIES,
        "stored": len(store),
        "median_ms": statistics.median(timings),
        "p99_ms": timings[int(len(timings) * 0.99) - 1],
        "max_ms": timings[-1],
    }
