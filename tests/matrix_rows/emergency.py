"""Role-matrix rows of the emergency app: only an administrator locks the server down;
administrators and coordinators see the alerts of a colleague's duress login (0022, 0026)."""

from __future__ import annotations

from corridor.emergency.models import DuressAlert
from corridor.vault.models import KeyWrap
from matrix_support import ADMIN, Row, World

ADMIN_COORDINATOR = frozenset({"admin", "coordinator"})


def build(world: World) -> None:
    """A duress alert about the spare member, addressed to every staff member of the world."""
    alert = DuressAlert.objects.create(user=world.spare_member.user)
    alert.addressed_to.set([staff.user.pk for staff in world.staff.values()])
    world.extras["duress_alert"] = alert


def _resolved(world: World) -> bool:
    return DuressAlert.objects.filter(
        pk=world.extras["duress_alert"].pk, resolved_at__isnull=False
    ).exists()


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
    Row("emergency:alerts", "GET", ADMIN_COORDINATOR),
    Row(
        "emergency:alert_resolve",
        "POST",
        ADMIN_COORDINATOR,
        status=302,
        kwargs=lambda w: {"alert_id": w.extras["duress_alert"].pk},
        location=lambda w: r"/emergency/alerts/",
        effect=lambda w, s: _resolved(w),
    ),
]
