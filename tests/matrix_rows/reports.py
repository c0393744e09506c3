"""Role-matrix rows of the reports app: the coordinator's charts (decision 0029), donor reports
and the published statistics (decision 0030); `/figures/` is public."""

from __future__ import annotations

from matrix_support import COORDINATOR, PublicRow, Row

ROWS: list[Row] = [
    Row("reports:charts", "GET", COORDINATOR),
    Row("reports:chart_svg", "GET", COORDINATOR, kwargs=lambda w: {"kind": "funnel"}),
]

PUBLIC_ROWS: list[PublicRow] = []
