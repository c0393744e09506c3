"""The pipeline's moves as plain data: which exist, which go backward, who may make them.

Every move not listed here is refused. Accepting, declining, closing and undoing one of
those decisions are the coordinator's (`case.decide`); every other move is ordinary case
work (`case.move`). Declines, backward moves and closes need a reason; a close needs an
outcome. The action that applies a move is `corridor.cases.actions.case_move_to_stage`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from corridor.cases.models import Stage

MOVE = "case.move"
DECIDE = "case.decide"


class TransitionRefused(ValidationError):
    """A move the pipeline does not allow, or one missing its reason, outcome or a valid time."""


@dataclass(frozen=True)
class Move:
    source: str
    target: str
    permission: str = MOVE
    backward: bool = False

    @property
    def needs_reason(self) -> bool:
        return self.backward or self.target in (Stage.DECLINED, Stage.CLOSED)

    @property
    def needs_outcome(self) -> bool:
        return self.target == Stage.CLOSED

    @property
    def look(self) -> str:
        """How its button looks: a step back or a refusal warns ("danger"); closing is
        neither good nor bad until its outcome is chosen ("secondary"); the rest go on."""
        if self.backward or self.target == Stage.DECLINED:
            return "danger"
        if self.target == Stage.CLOSED:
            return "secondary"
        return ""


S = Stage
OPEN_STAGES = tuple(stage for stage in Stage if stage != Stage.CLOSED)

MOVES: tuple[Move, ...] = (
    # Forward
    Move(S.REQUEST, S.VETTING),
    Move(S.REQUEST, S.DECLINED, DECIDE),  # an obvious trap or junk needs no vetting
    Move(S.VETTING, S.ACCEPTED, DECIDE),
    Move(S.VETTING, S.DECLINED, DECIDE),
    Move(S.ACCEPTED, S.EVACUATION),
    Move(S.ACCEPTED, S.SHELTERED),  # already out of the region
    Move(S.ACCEPTED, S.DOCUMENTS),  # safe where they are, papers first
    Move(S.ACCEPTED, S.APPLICATION),  # safe where they are, papers in order
    Move(S.EVACUATION, S.SHELTERED),
    Move(S.EVACUATION, S.DOCUMENTS),  # evacuated to friends, not to a shelter
    Move(S.SHELTERED, S.DOCUMENTS),
    Move(S.SHELTERED, S.APPLICATION),
    Move(S.DOCUMENTS, S.APPLICATION),
    Move(S.APPLICATION, S.DEPARTURE),
    Move(S.SHELTERED, S.DEPARTURE),  # after failed travel: the visa still holds, fly again
    Move(S.DEPARTURE, S.ARRIVED),
    # Any open case may be closed: resettled, referred, lost contact, detained, died ...
    *(Move(stage, S.CLOSED, DECIDE) for stage in OPEN_STAGES),
    # Backward
    Move(S.ACCEPTED, S.VETTING, DECIDE, backward=True),  # new doubts: a possible trap (T4)
    Move(S.DECLINED, S.VETTING, DECIDE, backward=True),  # the decline is reconsidered
    Move(S.EVACUATION, S.ACCEPTED, backward=True),  # evacuation called off or postponed
    Move(S.SHELTERED, S.EVACUATION, backward=True),  # the shelter is compromised: move again
    Move(S.APPLICATION, S.DOCUMENTS, backward=True),  # documents needed again
    Move(S.DEPARTURE, S.APPLICATION, backward=True),  # visa refused or revoked
    Move(S.DEPARTURE, S.SHELTERED, backward=True),  # failed travel: airline or border refused
    Move(S.DEPARTURE, S.DOCUMENTS, backward=True),  # passport seized or invalid at the border
    Move(S.ARRIVED, S.APPLICATION, backward=True),  # refused on arrival: apply elsewhere
    # Reopened after contact resumed: vetted again, the contact may be coerced (T4)
    Move(S.CLOSED, S.VETTING, DECIDE, backward=True),
)

_BY_PAIR: dict[tuple[str, str], Move] = {(move.source, move.target): move for move in MOVES}


def move_find(source: str, target: str) -> Move | None:
    return _BY_PAIR.get((source, target))


def moves_from(source: str) -> list[Move]:
    """The moves out of `source`, forward ones first, in pipeline order."""
    order = list(Stage)
    found = [move for move in MOVES if move.source == source]
    return sorted(found, key=lambda move: (move.backward, order.index(Stage(move.target))))


def move_require(source: str, target: str) -> Move:
    """The move from `source` to `target`, or TransitionRefused saying why there is none."""
    move = move_find(source, target)
    if move is not None:
        return move
    if source == target:
        raise TransitionRefused(_("The case is already at this stage."), code="same_stage")
    if target not in Stage.values:
        raise TransitionRefused(_("There is no such stage."), code="no_stage")
    raise TransitionRefused(
        _("A case cannot move from “%(source)s” to “%(target)s”."),
        code="impossible",
        params={"source": Stage(source).label, "target": Stage(target).label},
    )


def stage_expect(stage: str, expected: str | None) -> None:
    """TransitionRefused if the case is no longer at the stage the mover saw (None: any).

    A move is checked, and its permission granted, for the stage the mover read; applied
    from another stage it would be another move, perhaps a decision they may not make.
    """
    if expected is not None and stage != expected:
        raise TransitionRefused(
            _("The case has moved on since this page was opened: look at its stage again."),
            code="stale",
        )
