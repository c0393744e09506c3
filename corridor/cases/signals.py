"""What other apps hear of a case's moves, so the parts that follow a case need no import here.

Both are sent inside the move's transaction, after the case row is locked (decision 0018's
order: the case first), so a receiver's writes commit or roll back with the move.

- `case_move_checking(case, source, target, backward, at)`: before anything is written. A
  receiver refuses the move by raising `TransitionRefused` (the move then changes nothing):
  the shelters app refuses a move back to "sheltered" for a person who has no bed that day.
- `case_moved(case, transition, actor_id)`: after the transition is recorded. The shelters
  app ends the open stay of a person the move takes out of the shelter.
"""

from __future__ import annotations

from django.dispatch import Signal

case_move_checking = Signal()
case_moved = Signal()
