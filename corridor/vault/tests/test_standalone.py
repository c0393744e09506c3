"""The vault stands on its own: it imports no staff-accounts code (no import cycle).

Lockdown and duress touch both the vault and the accounts; the vault reaches the accounts
only through signals (corridor.vault.signals), never by import.
"""

from __future__ import annotations

import ast
from pathlib import Path

VAULT = Path(__file__).resolve().parents[1]


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_vault_module_imports_the_accounts_app() -> None:
    # Given every Python file of the vault (code, commands, migrations; not its tests)
    files = [p for p in VAULT.rglob("*.py") if "tests" not in p.relative_to(VAULT).parts]
    assert len(files) > 10
    # Then none of them imports corridor.accounts, at module level or inside a function
    offenders = {
        str(p.relative_to(VAULT)): sorted(
            m for m in _imported_modules(p) if m.startswith("corridor.accounts")
        )
        for p in files
    }
    assert {p: m for p, m in offenders.items() if m} == {}


def test_the_accounts_app_ends_stale_sessions_through_the_signal() -> None:
    # The accounts app answers the vault's signal, so a session without its key half still ends
    from corridor.vault.signals import vault_session_stale

    assert vault_session_stale.has_listeners()
