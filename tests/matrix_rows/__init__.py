"""Each app's role-matrix rows (see tests/matrix_support.py)."""

from __future__ import annotations

from types import ModuleType

from matrix_rows import (
    cases,
    documentation,
    emergency,
    evidence,
    figures,
    intake,
    lifecycle,
    relocation,
    reports,
    shelters,
    tasks,
    triage,
)

MODULES: list[ModuleType] = [
    cases,
    tasks,
    shelters,
    relocation,
    intake,
    triage,
    documentation,
    lifecycle,
    evidence,
    emergency,
    reports,
    figures,
]
