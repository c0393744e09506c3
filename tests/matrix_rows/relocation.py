"""Role-matrix rows of the relocation app."""

from __future__ import annotations

from matrix_support import Row

ROWS: list[Row] = []
