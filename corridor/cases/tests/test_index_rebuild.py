"""`manage.py index_rebuild`: after the index secret changes, search works again only once a
member has rebuilt their compartments' hashes (decision 0011)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from corridor.audit.models import AuditEntry
from corridor.cases.models import Case
from corridor.cases.search import search_filter
from corridor.cases.tests.conftest import Desk
from corridor.vault.keyring import Keyring, keyring_activated

pytestmark = pytest.mark.django_db


def _found(desk: Desk, query: str) -> set[str]:
    """A search in a request of its own (a fresh keyring: index keys live one request)."""
    keyring = Keyring(user_id=desk.worker.user.pk, private_key=desk.worker.keyring.private_key)
    with keyring_activated(keyring):
        return {str(case.full_name) for case in Case.objects.filter(search_filter(query))}


def test_it_finds_cases_again_after_a_new_secret_once_a_member_rebuilds(
    desk: Desk, settings: Any, tmp_path: Path
) -> None:
    # Given a case found by name and phone under the first secret
    settings.CORRIDOR_INDEX_SECRET = "first secret"
    desk.case("Магомед Дадаев", phone="+7 928 123-45-67")
    assert _found(desk, "Magomed Dadaev") == _found(desk, "89281234567") == {"Магомед Дадаев"}
    # When the server's secret changes, the stored hashes match nothing
    settings.CORRIDOR_INDEX_SECRET = "second secret"
    assert _found(desk, "Magomed Dadaev") == set() and _found(desk, "89281234567") == set()
    # And a member rebuilds their compartments with their passphrase
    passphrase = tmp_path / "passphrase"
    passphrase.write_text(desk.worker.passphrase)
    call_command(
        "index_rebuild", "--user", desk.worker.user.username, "--passphrase-file", str(passphrase)
    )
    # Then search finds the case again, and the rebuild is in the audit log
    assert _found(desk, "Magomed Dadaev") == _found(desk, "89281234567") == {"Магомед Дадаев"}
    assert AuditEntry.objects.filter(action="vault.index_rebuild").exists()


def test_it_refuses_a_rebuild_with_a_wrong_passphrase(desk: Desk, tmp_path: Path) -> None:
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("not the passphrase")
    with pytest.raises(CommandError, match="Wrong passphrase"):
        call_command(
            "index_rebuild",
            "--user",
            desk.worker.user.username,
            "--passphrase-file",
            str(passphrase),
        )
    assert not AuditEntry.objects.filter(action="vault.index_rebuild").exists()
