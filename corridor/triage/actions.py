"""Triage writes: each one transaction with its audit entry; bad input changes nothing.

Accepting a request takes two desk members (T4): one proposes, another approves, and the
approver must hold the key of the compartment the case goes to, and the proposer must still
be an active desk member allowed to approve (a proposal by someone deactivated or moved off
the desk since has lapsed and is made again). A request with a watch-list hit needs an
explicit override reason from each of them. The actions check these rules
themselves, whatever view calls them; roles are checked again here because a wrong role
must never let a request through.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from corridor.accounts.models import User
from corridor.audit.log import audit_record, audit_record_many
from corridor.cases.actions import (
    CHECKLIST_FIELDS,
    REQUEST_TEXT_FIELDS,
    CarriedFile,
    case_create,
    case_move_to_stage,
    case_request_carry,
)
from corridor.cases.models import Case, RiskLevel, Stage, ThreatSource
from corridor.intake.actions import (
    attachment_open,
    reply_send,
    submission_create,
    submission_status_set,
)
from corridor.intake.models import (
    Channel,
    IntakeDesk,
    Reply,
    Submission,
    SubmissionAttachment,
    SubmissionStatus,
    intake_desk,
)
from corridor.intake.payload import Urgency
from corridor.triage.display import FIELD_LABELS
from corridor.triage.flags import watch_hits
from corridor.triage.identifiers import Identifiers
from corridor.triage.linkage_adapter import linkage_keys_add_many
from corridor.triage.models import (
    Decision,
    SubmissionIndexed,
    SubmissionTerm,
    Vetting,
    WatchEntry,
    WatchKind,
)
from corridor.triage.opening import OpenedThread, PayloadOpener, threads_open
from corridor.triage.terms import request_terms, watch_digest
from corridor.vault.models import Compartment, Membership

TEXT_MAX = 20000
REASON_MAX = 5000
DECIDED = (SubmissionStatus.ACCEPTED, SubmissionStatus.DECLINED, SubmissionStatus.SPAM)
OPERATOR_CHANNELS = tuple(c for c in Channel.values if c != Channel.WEB)
# The request's status once the desk has decided.
DECISION_STATUS = {
    Decision.ACCEPTED: SubmissionStatus.ACCEPTED,
    Decision.DECLINED: SubmissionStatus.DECLINED,
}
# The request's urgency (corridor.intake.payload.Urgency) as the case's risk level.
URGENCY_RISK: dict[str, str] = {
    Urgency.NOW: RiskLevel.CRITICAL,
    Urgency.DAYS: RiskLevel.HIGH,
    Urgency.WEEKS: RiskLevel.MEDIUM,
    Urgency.NOT_URGENT: RiskLevel.LOW,
}


def _text(value: str, limit: int = TEXT_MAX) -> str:
    text = str(value or "").strip()
    if len(text) > limit:
        raise ValidationError(_("This text is too long."), code="too_long")
    return text


def _desk() -> IntakeDesk:
    desk = intake_desk()
    if desk is None:
        raise ValidationError(_("The intake desk is not set up."), code="no_desk")
    return desk


def _may_act_on_desk(user_id: int | None, compartment_id: int, permission: str) -> bool:
    """True if the user is active, a member of the desk compartment, and may `permission`."""
    if user_id is None:
        return False
    user = User.objects.filter(pk=user_id).first()
    member = Membership.objects.filter(user_id=user_id, compartment_id=compartment_id)
    return user is not None and user.may(permission) and member.exists()


def _desk_member(actor_id: int, permission: str) -> IntakeDesk:
    """The desk, if the actor is one of its members and their role allows `permission`."""
    desk = _desk()
    if not _may_act_on_desk(actor_id, desk.compartment_id, permission):
        raise ValidationError(
            _("Only a member of the intake desk whose role allows it can do this."),
            code="not_desk_member",
        )
    return desk


def _head_locked(submission: Submission) -> Submission:
    """The thread's first submission, locked for the rest of the transaction."""
    return Submission.objects.select_for_update(no_key=True).get(
        pk=submission.thread_id or submission.pk
    )


def _vetting(head: Submission, desk: IntakeDesk) -> Vetting:
    vetting = Vetting.objects.filter(submission=head).first()
    if vetting is None:
        vetting = Vetting(compartment_id=desk.compartment_id, submission=head)
    return vetting


def _undecided(head: Submission) -> None:
    if head.status in DECIDED:
        raise ValidationError(_("This request has been decided already."), code="decided")


def _opened(head: Submission) -> OpenedThread:
    return threads_open([head], PayloadOpener())[0]


def _status(actor_id: int, head: Submission, status: str) -> None:
    if head.status != status:
        submission_status_set(actor_id=actor_id, submission=head, status=status)
        head.status = status


def proposal_standing(vetting: Vetting | None) -> bool:
    """True if the vetting holds a proposal whose author could still make it.

    A proposal counts only while its author is active, on the desk and allowed to approve:
    a member deactivated (arrested, coerced) or moved off the desk since cannot be the first
    of the two people (T4). Such a proposal has lapsed: another member proposes again.
    """
    return vetting is not None and _may_act_on_desk(
        vetting.proposed_by_id, vetting.compartment_id, "intake.approve"
    )


def _decision_record(
    *, actor_id: int, head: Submission, vetting: Vetting, decision: Decision, audit_action: str
) -> None:
    """Close the request with `decision` (its status follows), by the actor, now, audited."""
    vetting.decision = decision
    vetting.decided_by_id = actor_id
    vetting.decided_at = timezone.now()
    vetting.save()
    _status(actor_id, head, DECISION_STATUS[decision])
    audit_record(
        actor_id=actor_id,
        action=audit_action,
        object_type="intake.Submission",
        object_id=str(head.pk),
    )


# --- keyed hashes -----------------------------------------------------------------------------


def submissions_index(
    *, actor_id: int | None, items: list[tuple[Submission, Identifiers]]
) -> list[Submission]:
    """Store the keyed hashes (terms, linkage keys) of opened submissions not yet indexed.

    Runs when a desk member first opens a request: only their keyring holds the index key.
    One transaction and a few bulk inserts for any number of submissions. Two members
    opening the same request at once index it once (the marker is unique: if a colleague
    indexed some of them a moment ago, the rest are marked one by one). Returns the
    submissions indexed now.
    """
    items = list({submission.pk: (submission, ids) for submission, ids in items}.values())
    done = _indexed_already([s.pk for s, _ids in items])
    todo = [(s, ids) for s, ids in items if s.pk not in done]
    if not todo:
        return []
    with transaction.atomic():
        try:
            with transaction.atomic():
                SubmissionIndexed.objects.bulk_create(
                    SubmissionIndexed(submission=submission) for submission, _ids in todo
                )
        except IntegrityError:
            todo = [(s, ids) for s, ids in todo if _indexed_mark(s)]
        SubmissionTerm.objects.bulk_create(
            SubmissionTerm(
                submission=submission,
                thread_id=submission.thread_id or submission.pk,
                kind=kind,
                digest=digest,
                received_hour=submission.received_hour,
            )
            for submission, identifiers in todo
            for kind, digest in request_terms(identifiers)
        )
        linkage_keys_add_many(todo)
        audit_record_many(
            actor_id=actor_id,
            action="triage.index",
            object_type="intake.Submission",
            object_ids=[str(s.pk) for s, _ids in todo],
        )
    return [submission for submission, _ids in todo]


def _indexed_already(submission_ids: list[Any]) -> set[Any]:
    found = SubmissionIndexed.objects.filter(submission_id__in=submission_ids)
    return set(found.values_list("submission_id", flat=True))


def _indexed_mark(submission: Submission) -> bool:
    """Mark one submission indexed; False if a colleague did a moment ago."""
    try:
        with transaction.atomic():
            SubmissionIndexed.objects.create(submission=submission)
    except IntegrityError:
        return False
    return True


# --- vetting --------------------------------------------------------------------------------


def checklist_save(
    *,
    actor_id: int,
    submission: Submission,
    interview_notes: str = "",
    evidence_seen: str = "",
    references: str = "",
    verifying_partner: str = "",
) -> Vetting:
    """Record what the vetting found; a new request moves to "vetting"."""
    desk = _desk_member(actor_id, "intake.triage")
    values = {
        "interview_notes": _text(interview_notes),
        "evidence_seen": _text(evidence_seen),
        "references": _text(references),
        "verifying_partner": _text(verifying_partner, REASON_MAX),
    }
    with transaction.atomic():
        head = _head_locked(submission)
        _undecided(head)
        vetting = _vetting(head, desk)
        for name, value in values.items():
            setattr(vetting, name, value)
        vetting.checked_by_id = actor_id
        vetting.checked_at = timezone.now()
        vetting.save()
        if head.status == SubmissionStatus.NEW:
            _status(actor_id, head, SubmissionStatus.VETTING)
        audit_record(
            actor_id=actor_id,
            action="triage.checklist",
            object_type="intake.Submission",
            object_id=str(head.pk),
        )
    return vetting


def _override_check(thread: OpenedThread, override_reason: str) -> bool:
    """True if the request hits the watch list; then an override reason is required."""
    hit = bool(watch_hits(thread))
    if hit and not override_reason:
        raise ValidationError(
            _(
                "This request matches the watch list: give the reason to go on despite it, "
                "or decline it."
            ),
            code="override_missing",
        )
    return hit


def _proposal_complete(compartment: Compartment | None, note: str) -> None:
    missing = []
    if compartment is None:
        missing.append(_("Choose the compartment the case would open in."))
    if not note:
        missing.append(_("Say why the request should be accepted."))
    if missing:
        raise ValidationError(missing, code="proposal_incomplete")


def accept_propose(
    *,
    actor_id: int,
    submission: Submission,
    compartment: Compartment | None = None,
    note: str = "",
    override_reason: str = "",
) -> Vetting:
    """First of two people: propose to accept the request into `compartment`, saying why in
    `note`. Both are required: the approver confirms the one and weighs the other."""
    desk = _desk_member(actor_id, "intake.approve")
    note, override_reason = _text(note, REASON_MAX), _text(override_reason, REASON_MAX)
    with transaction.atomic():
        head = _head_locked(submission)
        _undecided(head)
        _proposal_complete(compartment, note)
        vetting = _vetting(head, desk)
        if head.status == SubmissionStatus.ACCEPT_PROPOSED and proposal_standing(vetting):
            raise ValidationError(
                _("Acceptance has been proposed already: a second person approves it."),
                code="proposed",
            )
        hit = _override_check(_opened(head), override_reason)
        vetting.proposed_by_id = actor_id
        vetting.proposed_at = timezone.now()
        vetting.proposed_compartment = compartment
        vetting.proposal_note = note
        vetting.proposal_override = override_reason if hit else ""
        vetting.save()
        _status(actor_id, head, SubmissionStatus.ACCEPT_PROPOSED)
        audit_record(
            actor_id=actor_id,
            action="triage.propose",
            object_type="intake.Submission",
            object_id=str(head.pk),
        )
    return vetting


def _case_values(thread: OpenedThread) -> dict[str, Any]:
    """What the case itself opens with: who, where, how urgent, who threatens them. The
    rest of the request goes into the case's `CaseRequest` (`_case_request_carry`)."""
    payload, identifiers = thread.payload, thread.identifiers
    names = [str(thread.payloads[s.pk].get("name") or "") for s in thread.submissions[1:]]
    aliases = [n for n in dict.fromkeys(" ".join(n.split()) for n in names) if n]
    received = f"{thread.head.received_hour:%Y-%m-%d %H:00}"
    threat = str(payload.get("threat") or "")
    return {
        "full_name": (identifiers.name or _("Request of %(hour)s") % {"hour": received})[:300],
        "phone": identifiers.phones[0] if identifiers.phones else "",
        "aliases": [a[:300] for a in aliases if a != identifiers.name][:50],
        "messengers": [*identifiers.handles, *identifiers.emails][:50],
        "location": str(payload.get("region") or ""),
        "risk_level": URGENCY_RISK.get(str(payload.get("urgency") or ""), RiskLevel.MEDIUM),
        "threat_source": threat if threat in ThreatSource.values else ThreatSource.UNKNOWN,
    }


def _case_request_carry(
    *, actor_id: int, case: Case, thread: OpenedThread, vetting: Vetting
) -> None:
    """Carry the request's other fields, the vetting checklist and the thread's files into
    the case, re-encrypted under its compartment's key (decision 0040). The files are opened
    with the approver's desk keys (each opening audited by intake) and written anew."""
    payload = thread.payload
    attachments = SubmissionAttachment.objects.filter(
        submission__in=[s.pk for s in thread.submissions]
    ).order_by("submission__position", "pk")
    files = []
    for attachment in attachments:
        filename, media_type, content = attachment_open(attachment)
        files.append(CarriedFile(attachment.pk, filename, media_type, content))
    case_request_carry(
        actor_id=actor_id,
        case=case,
        submission_id=thread.head.pk,
        channel=thread.head.channel,
        received_hour=thread.head.received_hour,
        language=str(payload.get("language") or ""),
        fields={name: str(payload.get(name) or "") for name in REQUEST_TEXT_FIELDS},
        other=[(k, str(v)) for k, v in sorted(payload.items()) if k not in FIELD_LABELS],
        follow_ups=[
            str(thread.payloads[s.pk].get("message") or "") for s in thread.submissions[1:]
        ],
        checklist={name: getattr(vetting, name) or "" for name in CHECKLIST_FIELDS},
        checked_by_id=vetting.checked_by_id,
        checked_at=vetting.checked_at,
        files=files,
    )


def accept_approve(
    *,
    actor_id: int,
    submission: Submission,
    compartment: Compartment,
    override_reason: str = "",
) -> Case:
    """Second of two people: approve; the person's case opens in `compartment`.

    The approver is not the proposer and holds the compartment's key. The case is created
    from the opened request, moved to vetting then accepted, and linked to the request, all
    in this one transaction.
    """
    _desk_member(actor_id, "intake.approve")
    override_reason = _text(override_reason, REASON_MAX)
    with transaction.atomic():
        head = _head_locked(submission)
        _undecided(head)
        vetting = Vetting.objects.filter(submission=head).first()
        if head.status != SubmissionStatus.ACCEPT_PROPOSED or vetting is None:
            raise ValidationError(
                _("Nobody has proposed to accept this request yet."), code="not_proposed"
            )
        if vetting.proposed_by_id == actor_id:
            raise ValidationError(
                _("A second person must approve: you proposed this yourself."), code="self"
            )
        if not proposal_standing(vetting):
            raise ValidationError(
                _(
                    "The person who proposed this can no longer approve requests: "
                    "a desk member must propose it again."
                ),
                code="proposal_lapsed",
            )
        if not Membership.objects.filter(user_id=actor_id, compartment=compartment).exists():
            raise ValidationError(
                _("You are not a member of this compartment: choose one you hold the key of."),
                code="not_member",
            )
        thread = _opened(head)
        hit = _override_check(thread, override_reason)
        case = case_create(actor_id=actor_id, compartment=compartment, **_case_values(thread))
        _case_request_carry(actor_id=actor_id, case=case, thread=thread, vetting=vetting)
        case_move_to_stage(actor_id=actor_id, case=case, to_stage=Stage.VETTING)
        case_move_to_stage(actor_id=actor_id, case=case, to_stage=Stage.ACCEPTED)
        vetting.target_compartment = compartment
        vetting.approval_override = override_reason if hit else ""
        Submission.objects.filter(pk=head.pk).update(case_id=case.pk)
        head.case_id = case.pk
        _decision_record(
            actor_id=actor_id,
            head=head,
            vetting=vetting,
            decision=Decision.ACCEPTED,
            audit_action="triage.approve",
        )
    return case


def _decline_reason(reason: str) -> str:
    reason = _text(reason, REASON_MAX)
    if not reason:
        raise ValidationError(_("Give the reason for declining."), code="no_reason")
    return reason


def _decline(*, actor_id: int, head: Submission, desk: IntakeDesk, reason: str) -> Vetting:
    """Record the decline of a locked, undecided request (inside the caller's transaction)."""
    vetting = _vetting(head, desk)
    vetting.decline_reason = reason
    _decision_record(
        actor_id=actor_id,
        head=head,
        vetting=vetting,
        decision=Decision.DECLINED,
        audit_action="triage.decline",
    )
    return vetting


def request_decline(*, actor_id: int, submission: Submission, reason: str) -> Vetting:
    """Decline the request; the reason is kept, encrypted, in the desk compartment."""
    desk = _desk_member(actor_id, "intake.triage")
    reason = _decline_reason(reason)
    with transaction.atomic():
        head = _head_locked(submission)
        _undecided(head)
        return _decline(actor_id=actor_id, head=head, desk=desk, reason=reason)


def requests_decline_together(
    *, actor_id: int, submissions: list[Submission], reason: str
) -> list[Vetting]:
    """Decline a burst's requests in one step with one reason (each audited as a decline).

    All or nothing: if one of them was decided meanwhile, none is declined and the message
    says so, so the desk member looks again before deciding.
    """
    desk = _desk_member(actor_id, "intake.triage")
    reason = _decline_reason(reason)
    if not submissions:
        raise ValidationError(_("Choose the requests to decline."), code="none_chosen")
    vettings = []
    with transaction.atomic():
        for submission in sorted(submissions, key=lambda s: str(s.pk)):  # one lock order
            head = _head_locked(submission)
            if head.status in DECIDED:
                raise ValidationError(
                    _(
                        "One of these requests (received %(hour)s) has been decided meanwhile: "
                        "nothing was declined. Look at the burst again."
                    )
                    % {"hour": f"{head.received_hour:%Y-%m-%d %H:00}"},
                    code="decided",
                )
            vettings.append(_decline(actor_id=actor_id, head=head, desk=desk, reason=reason))
    return vettings


def request_reply(*, actor_id: int, submission: Submission, text: str) -> Reply:
    """Answer the requester through their codename (sealed to their reply key; intake's
    `reply_send` refuses a thread without one)."""
    _desk_member(actor_id, "intake.triage")
    text = _text(text, REASON_MAX)
    if not text:
        raise ValidationError(_("Write the reply first."), code="empty")
    return reply_send(actor_id=actor_id, submission=submission, text=text)


# --- operator intake -------------------------------------------------------------------------


def operator_request_record(
    *, actor_id: int, channel: str, payload: dict[str, Any], with_codename: bool = False
) -> tuple[Submission, str | None]:
    """A caseworker records a call, a messenger conversation or a partner's referral.

    Sealed to the intake key like a web request (the caseworker need not be a desk member);
    returns the codename to read to the caller, if one was asked for (shown once).
    """
    if channel not in OPERATOR_CHANNELS:
        raise ValidationError(_("Choose the channel the request came through."), code="channel")
    if not any(str(value).strip() for value in payload.values()):
        raise ValidationError(_("The request is empty."), code="empty")
    return submission_create(
        payload=payload, channel=channel, recorded_by_id=actor_id, with_codename=with_codename
    )


# --- watch list ------------------------------------------------------------------------------


def watch_entry_add(*, actor_id: int, kind: str, value: str, note: str = "") -> WatchEntry:
    """Put an identifier known to be hostile on the watch list (desk compartment)."""
    desk = _desk_member(actor_id, "watchlist.manage")
    if kind not in WatchKind.values:
        raise ValidationError(_("Choose what kind of identifier this is."), code="kind")
    value, note = _text(value, 300), _text(note, REASON_MAX)
    digest = watch_digest(kind, value) if value else None
    if digest is None:
        raise ValidationError(
            _("This is not a usable phone, handle, address or name."), code="value"
        )
    if WatchEntry.objects.filter(digest=digest).exists():
        raise ValidationError(_("This is on the watch list already."), code="duplicate")
    entry = WatchEntry(
        compartment_id=desk.compartment_id, kind=kind, digest=digest, created_by_id=actor_id
    )
    entry.value, entry.note = value, note
    with transaction.atomic():
        entry.save()
        audit_record(
            actor_id=actor_id,
            action="triage.watch_add",
            object_type="triage.WatchEntry",
            object_id=str(entry.pk),
        )
    return entry


def watch_entry_remove(*, actor_id: int, entry: WatchEntry) -> None:
    _desk_member(actor_id, "watchlist.manage")
    with transaction.atomic():
        deleted, _rows = WatchEntry.objects.filter(pk=entry.pk).delete()
        if deleted:
            audit_record(
                actor_id=actor_id,
                action="triage.watch_remove",
                object_type="triage.WatchEntry",
                object_id=str(entry.pk),
            )
