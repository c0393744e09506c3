"""Role-matrix rows of the shelters app."""

from __future__ import annotations

from matrix_support import Row

ROWS: list[Row] = []
