"""Who is on duty: the coordinator a new alert is addressed to.

A coordinator sets one `Duty` per compartment (themselves or a colleague). It counts only
while that person is still an active coordinator and still a member of the compartment; if
not, or if nobody was set, an alert is addressed to every coordinator who is a member. Either
way an alert is shown only to members of the case's compartment (`access.alerts_visible`).
"""

from __future__ import annotations

from django.db.models import QuerySet

from corridor.accounts.models import User
from corridor.accounts.roles import PERMISSIONS
from corridor.tasks.models import Duty

DUTY_PERMISSION = "alert.resolve"


def duty_candidates(compartment_id: int) -> QuerySet[User]:
    """Active staff whose role handles alerts and who are members of the compartment."""
    return User.objects.filter(
        is_active=True,
        role__in=[str(role) for role in PERMISSIONS[DUTY_PERMISSION]],
        memberships__compartment_id=compartment_id,
    ).order_by("username")


def duty_coordinator_id(compartment_id: int) -> int | None:
    """The user id a new alert in this compartment goes to; None: all its coordinators."""
    duty = Duty.objects.filter(compartment_id=compartment_id).values_list("user_id", flat=True)
    user_id = duty.first()
    if user_id is not None and duty_candidates(compartment_id).filter(pk=user_id).exists():
        return user_id
    return None
