"""The navigation badge: how many open alerts and overdue tasks wait for this user.

Counted only when a page's template shows it (a lazy object: a page without the navigation
pays nothing), in two count queries on operational columns.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from corridor.accounts.roles import Role


class NavBadge:
    def __init__(self, request: HttpRequest) -> None:
        self.request = request

    @cached_property
    def alerts(self) -> int:
        from corridor.cases.access import request_compartment_ids
        from corridor.reports.figures import open_alerts

        user = self.request.user
        return open_alerts(
            user_id=int(user.pk or 0),
            coordinator=getattr(user, "role", "") == Role.COORDINATOR,
            compartment_ids=request_compartment_ids(self.request),
        )

    @cached_property
    def tasks(self) -> int:
        from corridor.cases.access import request_compartment_ids
        from corridor.reports.figures import overdue_tasks

        return overdue_tasks(
            compartment_ids=request_compartment_ids(self.request), owner_id=self.request.user.pk
        )

    @cached_property
    def total(self) -> int:
        return self.alerts + self.tasks


def tz_label() -> str:
    """The organisation's time zone as shown beside times: "Europe/Moscow, UTC+03:00"."""
    now = timezone.localtime()
    offset = now.strftime("%z")
    return f"{timezone.get_current_timezone_name()}, UTC{offset[:3]}:{offset[3:]}"


def nav_badge(request: HttpRequest) -> dict[str, Any]:
    """The badge (staff only), and the time zone label every page may show beside a time."""
    user = getattr(request, "user", None)
    verified = bool(
        user and user.is_authenticated and getattr(user, "is_verified", lambda: False)()
    )
    return {"nav_badge": NavBadge(request) if verified else None, "tz_label": tz_label()}
