"""A person's stay follows their case (issue 13).

- A move that takes the person out of the shelter (departure abroad, arrival, closing the
  case, or back to evacuation because the shelter is compromised) ends their open stay on the
  day of the move, in the move's transaction, and so frees the bed.
- A move back to "sheltered" (a failed flight, say) needs a bed that day: the person's stay
  ended when they left, and the shelter may have filled since. Without one the move is
  refused with a message saying so; a forward move into "sheltered" (arrived from
  evacuation) is not checked, since a person may be sheltered by a partner outside Corridor
  (decision 0025).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from corridor.cases.models import Case, CaseTransition, Stage
from corridor.cases.pipeline import TransitionRefused
from corridor.shelters.actions import placement_end
from corridor.shelters.models import Placement

# Targets that always take the person out of a shelter; "evacuation" only from "sheltered".
LEAVING = frozenset({Stage.DEPARTURE, Stage.ARRIVED, Stage.CLOSED})


def bed_on(case_id: Any, day: date) -> Placement | None:
    """The stay that gives the person a bed on `day`, if any."""
    return (
        Placement.objects.filter(case_id=case_id, starts_on__lte=day)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=day))
        .first()
    )


def takes_out_of_shelter(source: str, target: str) -> bool:
    return target in LEAVING or (source == Stage.SHELTERED and target == Stage.EVACUATION)


def bed_required(
    sender: type[Case],
    *,
    case: Case,
    source: str,
    target: str,
    backward: bool,
    at: datetime,
    **_kw: Any,
) -> None:
    """Refuse a move back to "sheltered" for someone with no bed on the day of the move."""
    if target != Stage.SHELTERED or not backward:
        return
    day = timezone.localdate(at)
    if bed_on(case.pk, day) is None:
        raise TransitionRefused(
            _(
                "This person has no bed in a shelter on %(day)s: their stay ended when they "
                "left. Request a place, or place them, then move the case to “Sheltered”."
            ),
            code="no_bed",
            params={"day": day.isoformat()},
        )


def stays_end_on_leaving(
    sender: type[Case], *, case: Case, transition: CaseTransition, actor_id: int, **_kw: Any
) -> None:
    """End the open stays of a person the move takes out of the shelter, on the move's day."""
    if not takes_out_of_shelter(transition.from_stage, transition.to_stage):
        return
    day = timezone.localdate(transition.at)
    for placement in Placement.objects.filter(case_id=case.pk, ends_on__isnull=True):
        # A stay planned to start after the move is cancelled: it ends the day it starts.
        placement_end(actor_id=actor_id, placement=placement, ends_on=max(day, placement.starts_on))
