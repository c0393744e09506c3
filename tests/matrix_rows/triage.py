"""Role-matrix rows of the triage app: the role decides the action, the desk compartment the data.

The world's intake desk is North: members of North whose role may triage read requests;
the same roles in South get 404 (nothing confirms a request exists). Recording a request
needs no desk membership (a caseworker takes a hotline call), so outsiders may do it too.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from PIL import Image

from conftest import Staff
from corridor.accounts.roles import Role
from corridor.cases.models import Case
from corridor.intake.actions import intake_desk_create, submission_create
from corridor.intake.models import Reply, Submission, SubmissionAttachment, intake_desk
from corridor.triage.actions import accept_propose, watch_entry_add
from corridor.triage.models import Vetting, WatchEntry
from corridor.vault.keyring import keyring_activated
from matrix_support import Row, World

DESK = frozenset({"coordinator", "triage"})  # intake.triage, intake.approve, watchlist.manage
RECORDERS = frozenset({"coordinator", "caseworker", "triage"})  # intake.record
REQUESTER = "Matrix Requester Northward"


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "blue").save(buffer, format="PNG")
    return buffer.getvalue()


def build(world: World) -> None:
    """An intake desk on North, a request with a codename and a file, a proposed request and
    a watch-list entry, all through the intake and triage functions."""
    worker = world.staff[("caseworker", True)]
    proposer = world.org.staff("triage-proposer", Role.TRIAGE, ("North",))
    with keyring_activated(worker.keyring):
        if intake_desk() is None:
            intake_desk_create(actor_id=worker.user.pk, compartment=world.north)
    request, _codename = submission_create(
        payload={"name": REQUESTER, "contact": "+7 928 000-11-22", "message": "Matrix request"},
        channel="web",
        attachments=[("photo.png", _png())],
    )
    proposed, _codename = submission_create(
        payload={"name": "Matrix Proposed Person", "message": "Matrix proposed request"},
        channel="web",
    )
    with keyring_activated(proposer.keyring):
        accept_propose(
            actor_id=proposer.user.pk, submission=proposed, compartment=world.north, note="Matrix"
        )
        entry = watch_entry_add(
            actor_id=proposer.user.pk, kind="phone", value="+7 900 000-00-01", note="Matrix"
        )
    world.extras["triage"] = {
        "request": request,
        "proposed": proposed,
        "attachment": SubmissionAttachment.objects.get(submission=request),
        "entry": entry,
    }


def _x(world: World) -> dict[str, Any]:
    extras: dict[str, Any] = world.extras["triage"]
    return extras


def _request(world: World) -> dict[str, Any]:
    return {"submission_id": _x(world)["request"].pk}


def _status(world: World, key: str) -> str:
    return Submission.objects.get(pk=_x(world)[key].pk).status


def _desk_post(
    name: str,
    *,
    data: Callable[[World], dict[str, Any]],
    effect: Callable[[World, Staff], bool],
    request: str = "request",
) -> Row:
    """A write on a request's page: desk members act and come back to the page, outsiders get
    404 and change nothing. `request` names the request of `build` it is about."""
    return Row(
        name,
        "POST",
        DESK,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=lambda w: {"submission_id": _x(w)[request].pk},
        data=data,
        location=lambda w: rf"/triage/{_x(w)[request].pk}/",
        effect=effect,
    )


ROWS: list[Row] = [
    Row("triage:inbox", "GET", DESK, outsider_status=404, shows=lambda w: REQUESTER),
    Row(
        "triage:request",
        "GET",
        DESK,
        outsider_status=404,
        kwargs=_request,
        shows=lambda w: REQUESTER,
    ),
    Row(
        "triage:attachment",
        "GET",
        DESK,
        outsider_status=404,
        kwargs=lambda w: {
            "submission_id": _x(w)["request"].pk,
            "attachment_id": _x(w)["attachment"].pk,
        },
    ),
    Row(
        "triage:attachment_view",
        "GET",
        DESK,
        outsider_status=404,
        kwargs=lambda w: {
            "submission_id": _x(w)["request"].pk,
            "attachment_id": _x(w)["attachment"].pk,
        },
    ),
    _desk_post(
        "triage:checklist",
        data=lambda w: {"interview_notes": "Matrix interview"},
        effect=lambda w, s: Vetting.objects.filter(
            submission=_x(w)["request"], checked_by=s.user
        ).exists(),
    ),
    _desk_post(
        "triage:propose",
        data=lambda w: {"compartment": w.north.pk, "note": "Matrix reason"},
        effect=lambda w, s: _status(w, "request") == "accept_proposed",
    ),
    _desk_post(
        "triage:approve",
        request="proposed",
        data=lambda w: {"compartment": w.north.pk},
        effect=lambda w, s: (
            _status(w, "proposed") == "accepted"
            and Case.objects.filter(compartment=w.north, assignee=s.user).exists()
        ),
    ),
    _desk_post(
        "triage:decline",
        data=lambda w: {"reason": "Matrix reason"},
        effect=lambda w, s: _status(w, "request") == "declined",
    ),
    _desk_post(
        "triage:reply",
        data=lambda w: {"text": "Matrix reply"},
        effect=lambda w, s: Reply.objects.filter(author=s.user).exists(),
    ),
    _desk_post(
        "triage:watch_from_request",
        data=lambda w: {"identifier": "phone-0", "note": "Matrix trap"},
        effect=lambda w, s: (
            WatchEntry.objects.filter(created_by=s.user, kind="phone")
            .exclude(pk=_x(w)["entry"].pk)
            .exists()
        ),
    ),
    Row(
        "triage:decline_burst",
        "POST",
        DESK,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=_request,
        data=lambda w: {"requests": [str(_x(w)["request"].pk)], "reason": "Matrix burst"},
        location=lambda w: r"/triage/",
        effect=lambda w, s: _status(w, "request") == "declined",
    ),
    # Recording needs no desk membership: the request is sealed to the intake public key.
    Row("triage:record", "GET", RECORDERS),
    Row(
        "triage:record",
        "POST",
        RECORDERS,
        data=lambda w: {"channel": "hotline", "name": "Matrix Caller", "message": "Matrix call"},
        effect=lambda w, s: Submission.objects.filter(recorded_by=s.user).exists(),
    ),
    Row("triage:watchlist", "GET", DESK, outsider_status=404),
    Row(
        "triage:watchlist",
        "POST",
        DESK,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        data=lambda w: {"kind": "handle", "value": "@matrix_hostile", "note": "Matrix"},
        location=lambda w: r"/triage/watchlist/",
        effect=lambda w, s: WatchEntry.objects.filter(created_by=s.user).exists(),
    ),
    Row(
        "triage:watch_remove",
        "POST",
        DESK,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=lambda w: {"entry_id": _x(w)["entry"].pk},
        location=lambda w: r"/triage/watchlist/",
        effect=lambda w, s: not WatchEntry.objects.filter(pk=_x(w)["entry"].pk).exists(),
    ),
]
