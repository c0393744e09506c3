"""Role-matrix rows of the triage app."""

from __future__ import annotations

from matrix_support import Row

ROWS: list[Row] = []
