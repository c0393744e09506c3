"""Fixtures for the audit tests: a chain to attack, and an attacker with database access."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection, transaction
from pytest_django.fixtures import Settings

from corridor.audit.checkpoints import audit_key_pin
from corridor.audit.log import audit_record
from corridor.audit.models import AuditEntry

TRIGGER = "audit_entry_append_only"


@pytest.fixture(autouse=True)
def signing_key_path(settings: Settings, tmp_path: Path) -> Path:
    """Each test signs with its own fresh key, generated under tmp_path, never in var/."""
    path = tmp_path / "keys" / "audit-signing.key"
    settings.CORRIDOR_AUDIT_SIGNING_KEY = ""
    settings.CORRIDOR_AUDIT_SIGNING_KEY_PATH = path
    settings.CORRIDOR_AUDIT_PUBLIC_KEY = ""
    settings.CORRIDOR_AUDIT_PUBLIC_KEY_PATH = str(tmp_path / "keys" / "audit-public.key")
    settings.CORRIDOR_AUDIT_CHECKPOINT_LOG = str(tmp_path / "keys" / "checkpoints.jsonl")
    return path


@pytest.fixture(autouse=True)
def pinned_key(signing_key_path: Path) -> bytes:
    """The key's public half pinned outside the database, as init_org does in the demo."""
    return audit_key_pin()


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
    """Full write access to the database, as its owner has: the append-only triggers are
    lifted the way such an attacker would, disabled on PostgreSQL, dropped on SQLite."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE audit_auditentry DISABLE TRIGGER {TRIGGER}")
            dropped = []
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master "
                "WHERE type = 'trigger' AND tbl_name = 'audit_auditentry'"
            )
            dropped = cursor.fetchall()
            for name, _sql in dropped:
                cursor.execute(f"DROP TRIGGER {name}")
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE audit_auditentry ENABLE TRIGGER {TRIGGER}")
        for _name, sql in dropped:
            cursor.execute(sql)
