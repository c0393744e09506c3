"""Concurrent appenders take turns on the chain head instead of forking the chain."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction

from corridor.audit.checkpoints import chain_verify
from corridor.audit.log import audit_record
from corridor.audit.models import AuditEntry

WORKERS, EACH = 4, 10


def _append(worker: int) -> None:
    try:
        for n in range(EACH):
            with transaction.atomic():
                audit_record(
                    actor=None,
                    action="case.read",
                    object_type="cases.Case",
                    object_id=f"{worker}-{n}",
                )
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_it_serializes_concurrent_appends() -> None:
    # Given several requests recording entries at the same time, each in its own transaction
    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(_append, range(WORKERS)))
    # Then every entry got its own seq and the chain is one unbroken line
    assert AuditEntry.objects.count() == WORKERS * EACH
    assert chain_verify().ok
