from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def corridor(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    verified = bool(
        user and user.is_authenticated and getattr(user, "is_verified", lambda: False)()
    )
    return {"staff_verified": verified}
