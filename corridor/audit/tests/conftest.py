"""Fixtures for the audit tests: a chain to attack, and an attacker with database access."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection, transaction
from pytest_django.fixtures import Settings

from corridor.audit.log import audit_record
from corridor.audit.models import AuditEntry

TRIGGER = "audit_entry_append_only"


@pytest.fixture(autouse=True)
def signing_key_path(settings: Settings, tmp_path: Path) -> Path:
    """Each test signs with its own fresh key, generated under tmp_path, never in var/."""
    path = tmp_path / "keys" / "audit-signing.key"
    settings.CORRIDOR_AUDIT_SIGNING_KEY = ""
    settings.CORRIDOR_AUDIT_SIGNING_KEY_PATH = path
    return path


@pytest.fixture
def chain_build(db: None) -> Callable[[int], list[AuditEntry]]:
    def build(count: int) -> list[AuditEntry]:
        with transaction.atomic():
            return [
                audit_record(
                    actor=None, action="case.read", object_type="cases.Case", object_id=str(n)
                )
                for n in range(1, count + 1)
            ]

    return build


@pytest.fixture
def attacker(db: None) -> Iterator[None]:
    """Full write access to the database: on PostgreSQL the append-only trigger is lifted."""
    postgres = connection.vendor == "postgresql"
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE audit_auditentry DISABLE TRIGGER {TRIGGER}")
    yield
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE audit_auditentry ENABLE TRIGGER {TRIGGER}")
