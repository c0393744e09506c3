"""Intake writes and the two doors back to plaintext (the desk's and the requester's).

Every write is one transaction. Requests from the public are not audited: the audit chain
stores times to the microsecond, which would undo the hour buckets, and an anonymous
requester is not an actor. Everything the desk does (open a request, reply, change a
status, create a key) is audited as usual.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from corridor.audit.log import audit_record, audit_record_many
from corridor.intake import codename as codenames
from corridor.intake import limits, sealing
from corridor.intake.attachments import (
    MAX_FILE_BYTES,
    MAX_FILES,
    MAX_TOTAL_BYTES,
    CleanFile,
    attachment_clean,
)
from corridor.intake.models import (
    Channel,
    IntakeDesk,
    IntakeKey,
    Reply,
    Submission,
    SubmissionAttachment,
    SubmissionStatus,
    intake_desk,
)
from corridor.intake.payload import payload_check, text_check
from corridor.vault import crypto
from corridor.vault.crossindex import cross_index_open
from corridor.vault.keyring import Keyring, current_keyring, keyring_activated
from corridor.vault.models import Compartment, Membership
from corridor.vault.reads import read_sealed_opened

REPLY_MAX = 10_000
AttachmentInput = UploadedFile | bytes | tuple[str, bytes]


def _hour() -> Any:
    return timezone.now().replace(minute=0, second=0, microsecond=0)


def _desk_member_check(actor_id: int, desk: IntakeDesk) -> None:
    if not Membership.objects.filter(user_id=actor_id, compartment_id=desk.compartment_id).exists():
        raise PermissionDenied("not a member of the intake desk's compartment")


# --- set-up and keys ------------------------------------------------------------------------


def intake_key_create(*, actor_id: int) -> IntakeKey:
    """A new active intake key pair; older keys stay (inactive) to open older requests.

    The actor's keyring must be active (it wraps the private key's record data key under the
    desk compartment's key), and the actor must be a member of the desk's compartment.
    """
    desk = intake_desk()
    if desk is None:
        raise ValidationError(_("There is no intake desk yet."))
    _desk_member_check(actor_id, desk)
    public, private = crypto.keypair_generate()
    with transaction.atomic():
        IntakeKey.objects.filter(active=True).update(active=False)
        key = IntakeKey(compartment_id=desk.compartment_id, public_key=public, active=True)
        key.private_key = base64.b64encode(private).decode("ascii")
        key.save()
        audit_record(
            actor_id=actor_id,
            action="intake.key_create",
            object_type="intake.IntakeKey",
            object_id=str(key.pk),
        )
    return key


def intake_desk_create(*, actor_id: int, compartment: Compartment) -> IntakeDesk:
    """Open the organisation's intake desk in `compartment`, with its first key.

    Call with the actor's keyring active (`keyring_activated`); the actor must be a member.
    """
    with transaction.atomic():
        if IntakeDesk.objects.exists():
            raise ValidationError(_("The intake desk already exists."))
        if not Membership.objects.filter(user_id=actor_id, compartment=compartment).exists():
            raise ValidationError(
                _("Only a member of the compartment can open the intake desk in it.")
            )
        desk = IntakeDesk.objects.create(compartment=compartment)
        audit_record(
            actor_id=actor_id,
            action="intake.desk_create",
            object_type="intake.IntakeDesk",
            object_id=str(desk.pk),
        )
        intake_key_create(actor_id=actor_id)
        cross_index_open(keyring=current_keyring(), compartment=compartment)
    return desk


# --- requests -------------------------------------------------------------------------------


def _attachment_bytes(item: AttachmentInput) -> tuple[str, bytes]:
    if isinstance(item, bytes):
        return "", item
    if isinstance(item, tuple):
        return item
    if item.size is not None and item.size > MAX_FILE_BYTES:
        raise ValidationError(_("An attached file is larger than 5 MB."))
    item.seek(0)
    return item.name or "", item.read(MAX_FILE_BYTES + 1)


def attachments_clean(items: Iterable[AttachmentInput]) -> list[CleanFile]:
    raw = [_attachment_bytes(item) for item in items]
    if len(raw) > MAX_FILES:
        raise ValidationError(
            _("At most %(count)d files can be attached."), params={"count": MAX_FILES}
        )
    if sum(len(data) for _name, data in raw) > MAX_TOTAL_BYTES:
        raise ValidationError(_("The attached files are larger than 10 MB together."))
    return [attachment_clean(name, data) for name, data in raw]


def thread_rate_subject(root_id: Any) -> bytes:
    """The per-thread counter's key: keyed, so the counters alone do not name a thread."""
    return crypto.keyed_hash(codenames.pepper(), b"intake|rate|" + str(root_id).encode(), 16)


def _thread_root(thread: Submission) -> Submission:
    return thread.thread if thread.thread_id is not None else thread  # type: ignore[return-value]


def _next_position(root: Submission) -> int:
    """The next place in the thread, with the thread's first row locked until commit."""
    Submission.objects.select_for_update().filter(pk=root.pk).values_list("pk").first()
    last = max(
        root.follow_ups.aggregate(m=Max("position"))["m"] or 0,
        Reply.objects.filter(submission=root).aggregate(m=Max("position"))["m"] or 0,
    )
    return last + 1


def submission_create(
    *,
    payload: dict[str, Any],
    channel: str,
    attachments: Sequence[AttachmentInput] = (),
    recorded_by_id: int | None = None,
    thread: Submission | None = None,
    with_codename: bool = True,
) -> tuple[Submission, str | None]:
    """Seal and store one request (or a follow-up in `thread`); return it and its codename.

    A request from the public (no `recorded_by_id`) counts against the hourly limits; an
    operator's does not, so a flood on the web form never stops the hotline. Raises
    ValidationError (RateLimited for a limit) and stores nothing, or stores the request and
    its files in one transaction: after that it is never dropped. The codename (new threads
    only, in the request's language) is returned once and stored nowhere.
    """
    if channel not in Channel.values:
        raise ValidationError(_("Unknown channel."))
    public = recorded_by_id is None
    if public and limits.rate_full(limits.SUBMIT, limits.limit("submissions_per_hour")):
        raise limits.refusal(limits.SUBMIT)
    clean = payload_check(payload)
    files = attachments_clean(attachments)
    key = IntakeKey.objects.filter(active=True).order_by("-created_at")
    key_row = key.values_list("pk", "public_key").first()
    if key_row is None:
        raise ValidationError(_("The request form is not open yet. Please reach us another way."))
    key_id, public_key = key_row[0], bytes(key_row[1])
    root = _thread_root(thread) if thread is not None else None
    codename: str | None = None
    keys: codenames.CodenameKeys | None = None
    if with_codename and root is None:
        codename = codenames.codename_generate(clean["language"])
        keys = codenames.codename_keys(codenames.codename_positions(codename))
    sealed = sealing.payload_seal(public_key, clean)
    sealed_files = [sealing.file_seal(public_key, f) for f in files]
    with transaction.atomic():
        submission = Submission(
            intake_key_id=key_id,
            sealed=sealed,
            channel=channel,
            received_hour=_hour(),
            thread=root,
            position=_next_position(root) if root is not None else 0,
            codename_hash=keys.lookup_hash if keys else None,
            reply_public_key=keys.reply_public_key if keys else None,
            recorded_by_id=recorded_by_id,
        )
        submission.save(force_insert=True)
        if sealed_files:
            SubmissionAttachment.objects.bulk_create(
                SubmissionAttachment(submission=submission, sealed=blob, size_bucket=kib)
                for blob, kib in sealed_files
            )
        if public:
            limits.rate_take(limits.SUBMIT, limits.limit("submissions_per_hour"))
            if sealed_files:
                limits.rate_take(
                    limits.ATTACHMENT_KIB,
                    limits.limit("attachment_kib_per_hour"),
                    amount=sum(kib for _blob, kib in sealed_files),
                )
            if root is not None:
                limits.rate_take(
                    limits.THREAD_WRITE,
                    limits.limit("thread_writes_per_hour"),
                    subject=thread_rate_subject(root.pk),
                )
        else:
            audit_record(
                actor_id=recorded_by_id,
                action="intake.record",
                object_type="intake.Submission",
                object_id=str(submission.pk),
            )
    return submission, codename


def submission_status_set(*, actor_id: int, submission: Submission, status: str) -> Submission:
    if status not in SubmissionStatus.values:
        raise ValidationError(_("Unknown status."))
    with transaction.atomic():
        submission.status = status
        submission.save(update_fields=["status"])
        audit_record(
            actor_id=actor_id,
            action="intake.status",
            object_type="intake.Submission",
            object_id=str(submission.pk),
        )
    return submission


# --- the desk's door ------------------------------------------------------------------------


def _intake_private_key(intake_key_id: Any, keyring: Keyring) -> bytes:
    """Open an intake private key with a desk member's keyring (NotAMember otherwise)."""
    return _intake_private_keys([intake_key_id], keyring)[intake_key_id]


def _intake_private_keys(intake_key_ids: Iterable[Any], keyring: Keyring) -> dict[Any, bytes]:
    """Open each of these intake private keys once (one query; NotAMember for a non-member)."""
    keys = IntakeKey.objects.only(*IntakeKey.KEY_FIELDS, "private_key").filter(
        pk__in=set(intake_key_ids)
    )
    with keyring_activated(keyring):
        return {key.pk: base64.b64decode(key.private_key) for key in keys}


def submissions_open_record(*, actor_id: int | None, submission_ids: Iterable[Any]) -> None:
    """Record that `actor_id` opened these submissions: one `intake.open` entry each.

    Call inside the caller's `transaction.atomic()` (the audit refuses otherwise); for a page
    that opens with `submissions_open(..., audit=False)` in several steps and records every
    read once, in the same transaction as the rest of its work.
    """
    audit_record_many(
        actor_id=actor_id,
        action="intake.open",
        object_type="intake.Submission",
        object_ids=[str(pk) for pk in submission_ids],
    )


def submissions_open(
    submissions: Iterable[Submission], keyring: Keyring, *, audit: bool = True
) -> dict[Any, dict[str, Any]]:
    """{submission id: fields} for a member of the desk compartment, every read audited.

    Each intake key is opened once for the whole batch and the reads are recorded with one
    `audit_record_many` in one transaction. `audit=False` leaves the recording to the caller
    (`submissions_open_record`, before it shows anything), for a page that opens in several
    steps. Raises corridor.vault.keyring.NotAMember for a keyring that holds no desk key, and
    nothing is opened or recorded then.
    """
    submissions = list({s.pk: s for s in submissions}.values())
    if not submissions:
        return {}
    private = _intake_private_keys([s.intake_key_id for s in submissions], keyring)
    payloads = {
        s.pk: sealing.payload_unseal(private[s.intake_key_id], bytes(s.sealed)) for s in submissions
    }
    read_sealed_opened("intake.Submission", payloads)
    if audit:
        with transaction.atomic():
            submissions_open_record(actor_id=keyring.user_id, submission_ids=payloads)
    return payloads


def submission_open(submission: Submission, keyring: Keyring) -> dict[str, Any]:
    """The request's fields, for a member of the desk compartment; the read is audited.

    Raises corridor.vault.keyring.NotAMember for a keyring that holds no desk key.
    """
    return submissions_open([submission], keyring)[submission.pk]


def attachment_open(
    attachment: SubmissionAttachment, keyring: Keyring | None = None
) -> tuple[str, str, bytes]:
    """(filename, content type, content) of a file, with the active (or given) keyring."""
    keyring = keyring or current_keyring()
    intake_key_id = (
        Submission.objects.filter(pk=attachment.submission_id)
        .values_list("intake_key_id", flat=True)
        .get()
    )
    clean = sealing.file_unseal(
        _intake_private_key(intake_key_id, keyring), bytes(attachment.sealed)
    )
    read_sealed_opened("intake.SubmissionAttachment", [attachment.pk])
    with transaction.atomic():
        audit_record(
            actor_id=keyring.user_id,
            action="intake.attachment_open",
            object_type="intake.SubmissionAttachment",
            object_id=str(attachment.pk),
        )
    return clean.filename, clean.content_type, clean.content


def reply_send(*, actor_id: int, submission: Submission, text: str) -> Reply:
    """Answer a web thread: sealed to the requester's codename key, and the desk's own copy.

    Needs the actor's keyring active (the desk copy is a vault record in the desk
    compartment). A thread with no codename (an operator-recorded request) has no one to
    read a reply here: that is refused with a message.
    """
    desk = intake_desk()
    if desk is None:
        raise ValidationError(_("There is no intake desk yet."))
    _desk_member_check(actor_id, desk)
    text = text_check(text, max_length=REPLY_MAX, required=True)
    root = _thread_root(submission)
    if root.reply_public_key is None:
        raise ValidationError(
            _("This request has no codename: answer through the channel it came from.")
        )
    with transaction.atomic():
        reply = Reply(
            compartment_id=desk.compartment_id,
            submission=root,
            sealed_for_requester=sealing.reply_seal(bytes(root.reply_public_key), text),
            author_id=actor_id,
            created_hour=_hour(),
            position=_next_position(root),
        )
        reply.text = text
        reply.save(force_insert=True)
        audit_record(
            actor_id=actor_id,
            action="intake.reply",
            object_type="intake.Reply",
            object_id=str(reply.pk),
        )
    return reply


# --- the requester's door -------------------------------------------------------------------


@dataclass(frozen=True)
class ThreadView:
    """What the status page shows: the desk's replies, opened with the codename's key."""

    root: Submission
    replies: list[str]
    sent: int  # messages the requester sent in this thread, first one included


def thread_find(positions: tuple[int, ...]) -> tuple[Submission, codenames.CodenameKeys] | None:
    """The thread of a codename (one Argon2id run), or None: nothing says which part was wrong."""
    keys = codenames.codename_keys(positions)
    root = Submission.objects.filter(codename_hash=keys.lookup_hash, thread__isnull=True).first()
    return (root, keys) if root is not None else None


def thread_read(root: Submission, keys: codenames.CodenameKeys) -> ThreadView:
    """Open the replies of `root` with the private key derived from the typed codename.

    The key lives only for this call; nothing opened here is stored or logged.
    """
    sealed = Reply.objects.filter(submission=root).order_by("position")
    replies = [
        sealing.reply_unseal(keys.reply_private_key, bytes(blob))
        for blob in sealed.values_list("sealed_for_requester", flat=True)
    ]
    return ThreadView(root=root, replies=replies, sent=1 + root.follow_ups.count())
