"""Role-matrix rows of the emergency app: only an administrator locks the server down."""

from __future__ import annotations

from corridor.vault.models import KeyWrap
from matrix_support import ADMIN, Row

ROWS: list[Row] = [
    Row("emergency:lockdown", "GET", ADMIN),
    Row(
        "emergency:lockdown",
        "POST",
        ADMIN,
        status=302,
        data=lambda w: {"name": "Matrix network"},
        location=lambda w: r"/accounts/login/",
        effect=lambda w, s: not KeyWrap.objects.filter(user__isnull=False).exists(),
    ),
]
