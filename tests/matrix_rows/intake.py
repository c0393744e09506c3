"""Role-matrix rows of the intake app: its views are the public form and status page.

Anyone may reach them, logged in or not; an empty POST is shown again with its errors and
stores nothing. The desk's side of intake is in the triage rows.
"""

from __future__ import annotations

from matrix_support import PublicRow, Row

ROWS: list[Row] = []

PUBLIC_ROWS: list[PublicRow] = [
    PublicRow("intake:form", "GET", 200),
    PublicRow("intake:form", "POST", 200),  # empty form: shown again with errors
    PublicRow("intake:form_en", "GET", 200),
    PublicRow("intake:form_en", "POST", 200),
    PublicRow("intake:status", "GET", 200),
    PublicRow("intake:status", "POST", 200),  # no codename: asked for one, nothing shown
    PublicRow("intake:status_en", "GET", 200),
    PublicRow("intake:status_en", "POST", 200),
]
