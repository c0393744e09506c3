"""`{% worker_beat %}`: when the worker last ran, and a warning once it stopped.

Shown to those who act on alerts (coordinators) and to administrators, who run the server:
a worker that stopped raises no alert for a missed check-in, and nothing else would say so.
The core start page uses it without importing this app.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from corridor.tasks.beat import worker_status

register = template.Library()
SHOWN_TO = ("alert.resolve", "user.manage")  # coordinators, administrators


@register.inclusion_tag("tasks/worker_beat.html", takes_context=True)
def worker_beat(context: template.Context) -> dict[str, Any]:
    may = context.get("may") or frozenset()
    if not any(permission in may for permission in SHOWN_TO):
        return {"shown": False}
    # the time zone's label, as every page shows it beside a time (reports' context processor)
    return {
        "shown": True,
        "status": worker_status(timezone.now()),
        "tz_label": context.get("tz_label", ""),
    }
