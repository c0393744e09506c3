"""Triage screens. Thin: access through triage.access, pages through triage.pages, writes
through triage.actions; an action's refusal is shown as a message in the user's language."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from corridor.accounts.decorators import require_permission, staff_user
from corridor.audit.log import audit_record, audit_record_many
from corridor.core.inline import EXTENSIONS, file_response
from corridor.intake.actions import attachment_open
from corridor.intake.models import Submission, SubmissionAttachment, SubmissionStatus
from corridor.triage import actions
from corridor.triage.access import desk_for_user, thread_for_user
from corridor.triage.display import payload_rows
from corridor.triage.forms import (
    ApproveForm,
    ChecklistForm,
    DeclineBurstForm,
    DeclineForm,
    OperatorRequestForm,
    ProposeForm,
    ReplyForm,
    WatchEntryForm,
    WatchFromRequestForm,
)
from corridor.triage.identifiers import Identifiers
from corridor.triage.models import Vetting, WatchEntry, WatchKind
from corridor.triage.opening import OpenedThread, PayloadOpener, threads_open
from corridor.triage.pages import BACKLOG_LIMIT, threads_flagged
from corridor.vault.models import Compartment, Membership, compartments_hashes_outdated

PAGE_SIZE = 50
S = SubmissionStatus
FILTERS: dict[str, tuple[str, ...]] = {
    "open": (S.NEW, S.VETTING, S.ACCEPT_PROPOSED),
    "new": (S.NEW,),
    "vetting": (S.VETTING,),
    "proposed": (S.ACCEPT_PROPOSED,),
    "decided": (S.ACCEPTED, S.DECLINED, S.SPAM),
}
FILTER_LABELS = {
    "open": gettext_lazy("Open"),
    "new": gettext_lazy("New"),
    "vetting": gettext_lazy("Vetting"),
    "proposed": gettext_lazy("Proposed"),
    "decided": gettext_lazy("Decided"),
}
# Attachment types a browser may be told (intake re-encodes these); anything else is bytes.


@require_http_methods(["GET"])
@require_permission("intake.triage")
def inbox(request: HttpRequest) -> HttpResponse:
    """Requests for the desk, newest hour first, opened and flagged on this screen only.

    Each visit also indexes a bounded backlog of requests nobody has opened yet (corridor.triage.pages)."""
    desk = desk_for_user(request, "intake.triage")
    actor_id = staff_user(request).pk
    shown = request.GET.get("status", "open")
    if shown not in FILTERS:
        shown = "open"
    heads = Submission.objects.filter(thread__isnull=True, status__in=FILTERS[shown]).order_by(
        "-received_hour", "pk"
    )[:PAGE_SIZE]
    rows = threads_flagged(
        actor_id=actor_id,
        heads=heads,
        opener=PayloadOpener(deferred=True),
        backlog=BACKLOG_LIMIT,
        listed=True,
    )
    filters = [(key, FILTER_LABELS[key]) for key in FILTERS]
    return render(
        request,
        "triage/inbox.html",
        {
            "rows": rows,
            "shown": shown,
            "filters": filters,
            "hashes_outdated": compartments_hashes_outdated(
                getattr(request, "keyring", None), [desk.compartment_id]
            ),
        },
    )


def _thread_items(thread: OpenedThread) -> list[tuple[str, int, Any, dict[str, Any]]]:
    """Follow-ups and replies in the order of the thread."""
    items: list[tuple[str, int, Any, dict[str, Any]]] = [
        ("request", s.position, s, thread.payloads[s.pk]) for s in thread.submissions[1:]
    ]
    items += [("reply", r.position, r, {}) for r in thread.head.replies.select_related("author")]
    return sorted(items, key=lambda item: item[1])


def _compartments_held(request: HttpRequest) -> QuerySet[Compartment]:
    """The compartments whose key this user holds: the ones a case may be approved into."""
    held = Membership.objects.filter(user_id=staff_user(request).pk).values("compartment_id")
    return Compartment.objects.filter(pk__in=held).order_by("name")


def _burst(head: Submission, flags: list[Any]) -> tuple[list[Submission], list[tuple[str, str]]]:
    """The other requests of this request's bursts, and the undecided ones (this one too) as
    the choices of the form that declines them together."""
    ids = list(dict.fromkeys(member for flag in flags for member in flag.members))
    others = list(Submission.objects.filter(pk__in=ids).order_by("received_hour", "pk"))
    choices = [(str(head.pk), _("This request"))] if head.status not in actions.DECIDED else []
    choices += [
        (
            str(other.pk),
            _("Request received %(hour)s (%(status)s)")
            % {
                "hour": f"{other.received_hour:%Y-%m-%d %H:00}",
                "status": other.get_status_display(),
            },
        )
        for other in others
        if other.status not in actions.DECIDED
    ]
    return others, choices


def _watchable(identifiers: Identifiers) -> dict[str, tuple[str, str]]:
    """A request's identifiers that may go on the watch list: key -> (kind, value)."""
    found: dict[str, tuple[str, str]] = {}
    if identifiers.name:
        found["name"] = (WatchKind.NAME, identifiers.name)
    for kind, values in (
        (WatchKind.PHONE, identifiers.phones),
        (WatchKind.HANDLE, identifiers.handles),
        (WatchKind.EMAIL, identifiers.emails),
    ):
        for index, value in enumerate(values):
            found[f"{kind}-{index}"] = (kind, value)
    return found


def _watch_choices(watchable: dict[str, tuple[str, str]]) -> list[tuple[str, str]]:
    return [(key, f"{WatchKind(kind).label}: {value}") for key, (kind, value) in watchable.items()]


def _request_page(request: HttpRequest, head: Submission, **bound: forms.Form) -> HttpResponse:
    user = staff_user(request)
    opener = PayloadOpener(deferred=True)
    flagged = threads_flagged(actor_id=user.pk, heads=[head], opener=opener, notes=True)[0]
    burst, burst_choices = _burst(head, flagged.flags)
    watch_choices = _watch_choices(_watchable(flagged.thread.identifiers))
    vetting = Vetting.objects.filter(submission=head).first()
    mine = _compartments_held(request)
    checklist_initial = {}
    if vetting is not None:
        checklist_initial = {
            name: getattr(vetting, name) or ""
            for name in ("interview_notes", "evidence_seen", "references", "verifying_partner")
        }
    approve_initial = {"compartment": vetting.proposed_compartment_id} if vetting else {}
    attachments = SubmissionAttachment.objects.filter(
        submission__in=[s.pk for s in flagged.thread.submissions]
    ).order_by("submission__position", "pk")
    context = {
        "head": head,
        "thread": flagged.thread,
        "flags": flagged.flags,
        "watch": flagged.watch,
        "vetting": vetting,
        "decided": head.status in actions.DECIDED,
        "rows": payload_rows(flagged.thread.payload),
        "items": _thread_items(flagged.thread),
        "attachments": attachments,
        "may_approve": user.may("intake.approve"),
        "checklist_form": bound.get("checklist_form") or ChecklistForm(initial=checklist_initial),
        "propose_form": bound.get("propose_form") or ProposeForm(),
        "approve_form": bound.get("approve_form")
        or ApproveForm(mine=mine, initial=approve_initial),
        "decline_form": bound.get("decline_form") or DeclineForm(),
        "reply_form": bound.get("reply_form") or ReplyForm(),
        "burst": burst,
        "watch_form": (bound.get("watch_form") or WatchFromRequestForm(choices=watch_choices))
        if user.may("watchlist.manage") and watch_choices
        else None,
        "burst_form": (bound.get("burst_form") or DeclineBurstForm(choices=burst_choices))
        if len(burst_choices) > 1
        else None,
        "own_proposal": vetting is not None and vetting.proposed_by_id == user.pk,
        "proposal_lapsed": head.status == SubmissionStatus.ACCEPT_PROPOSED
        and not actions.proposal_standing(vetting),
    }
    return render(request, "triage/request.html", context)


@require_http_methods(["GET"])
@require_permission("intake.triage")
def request_detail(request: HttpRequest, submission_id: uuid.UUID) -> HttpResponse:
    head = thread_for_user(request, submission_id, read=True)
    if head.pk != submission_id:
        return redirect("triage:request", submission_id=head.pk)
    return _request_page(request, head)


def _attachment_opened(
    request: HttpRequest, submission_id: uuid.UUID, attachment_id: uuid.UUID, action: str
) -> tuple[str, bytes]:
    """(type, content) of a file of the request, its read audited as `action`."""
    head = thread_for_user(request, submission_id)
    item = SubmissionAttachment.objects.filter(pk=attachment_id).select_related("submission")
    found = item.first()
    if found is None or head.pk not in (found.submission.pk, found.submission.thread_id):
        raise Http404
    _filename, content_type, content = attachment_open(found)
    with transaction.atomic():
        audit_record(
            actor_id=staff_user(request).pk,
            action=action,
            object_type="intake.SubmissionAttachment",
            object_id=str(found.pk),
        )
    return content_type, content


@require_http_methods(["GET"])
@require_permission("intake.triage")
def attachment(
    request: HttpRequest, submission_id: uuid.UUID, attachment_id: uuid.UUID
) -> HttpResponse:
    """A file of the request as a download."""
    content_type, content = _attachment_opened(
        request, submission_id, attachment_id, "triage.attachment_read"
    )
    return file_response(content, content_type, inline=False)


@require_http_methods(["GET"])
@require_permission("intake.triage")
def attachment_view(
    request: HttpRequest, submission_id: uuid.UUID, attachment_id: uuid.UUID
) -> HttpResponse:
    """A file of the request shown by the browser itself (an image, a PDF in its viewer),
    under a policy that allows nothing (decision 0040); each view audited."""
    content_type, content = _attachment_opened(
        request, submission_id, attachment_id, "triage.attachment_view"
    )
    if content_type not in EXTENSIONS:
        raise Http404
    return file_response(content, content_type, inline=True)


def _desk_write(
    *,
    permission: str,
    form: Callable[[HttpRequest], forms.Form],
    form_name: str,
    action: Callable[..., Any],
    done: str | Promise,
) -> Callable[[HttpRequest, uuid.UUID], HttpResponse]:
    """A POST view of the request page: validate `form`, call `action`, and come back.

    `action` is a triage action taking `actor_id`, `submission` and the form's fields. A
    refusal (an invalid form or the action's ValidationError) shows the request page again
    with the form as it was sent and the reason as a message.
    """

    @require_http_methods(["POST"])
    @require_permission(permission)
    def view(request: HttpRequest, submission_id: uuid.UUID) -> HttpResponse:
        head = thread_for_user(request, submission_id, permission=permission)
        bound = form(request)
        if bound.is_valid():
            try:
                action(actor_id=staff_user(request).pk, submission=head, **bound.cleaned_data)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, str(done))
                return redirect("triage:request", submission_id=head.pk)
        else:
            messages.error(request, _("Please correct the form."))
        head.refresh_from_db()
        return _request_page(request, head, **{form_name: bound})

    return view


checklist = _desk_write(
    permission="intake.triage",
    form=lambda request: ChecklistForm(request.POST),
    form_name="checklist_form",
    action=actions.checklist_save,
    done=gettext_lazy("Checklist saved."),
)
propose = _desk_write(
    permission="intake.approve",
    form=lambda request: ProposeForm(request.POST),
    form_name="propose_form",
    action=actions.accept_propose,
    done=gettext_lazy("Acceptance proposed. A second desk member must approve it."),
)
approve = _desk_write(
    permission="intake.approve",
    form=lambda request: ApproveForm(request.POST, mine=_compartments_held(request)),
    form_name="approve_form",
    action=actions.accept_approve,
    done=gettext_lazy("Accepted: the case is open in its compartment."),
)
decline = _desk_write(
    permission="intake.triage",
    form=lambda request: DeclineForm(request.POST),
    form_name="decline_form",
    action=actions.request_decline,
    done=gettext_lazy("Declined."),
)
reply = _desk_write(
    permission="intake.triage",
    form=lambda request: ReplyForm(request.POST),
    form_name="reply_form",
    action=actions.request_reply,
    done=gettext_lazy("Reply sent. The requester reads it with their codename."),
)


@require_http_methods(["POST"])
@require_permission("watchlist.manage")
def watch_from_request(request: HttpRequest, submission_id: uuid.UUID) -> HttpResponse:
    """Put the request's phone, handle, address or name on the watch list.

    The value is taken from the opened request, never from the form: the form names which of
    the request's identifiers, so nothing else can be slipped in through it."""
    head = thread_for_user(request, submission_id, permission="watchlist.manage")
    opener = PayloadOpener(deferred=True)
    [thread] = threads_open([head], opener)
    with transaction.atomic():
        opener.record_reads()
    watchable = _watchable(thread.identifiers)
    form = WatchFromRequestForm(request.POST, choices=_watch_choices(watchable))
    if form.is_valid():
        kind, value = watchable[form.cleaned_data["identifier"]]
        try:
            actions.watch_entry_add(
                actor_id=staff_user(request).pk,
                kind=kind,
                value=value,
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Added to the watch list."))
            return redirect("triage:request", submission_id=head.pk)
    else:
        messages.error(request, _("Please correct the form."))
    return _request_page(request, head, watch_form=form)


@require_http_methods(["POST"])
@require_permission("intake.triage")
def decline_burst(request: HttpRequest, submission_id: uuid.UUID) -> HttpResponse:
    """Decline requests of this request's bursts together, with one reason.

    Only requests the server itself finds in the burst can be chosen: the flags are worked
    out again here, not taken from the form."""
    head = thread_for_user(request, submission_id, permission="intake.triage")
    user = staff_user(request)
    flagged = threads_flagged(actor_id=user.pk, heads=[head], opener=PayloadOpener(deferred=True))[
        0
    ]
    burst, choices = _burst(head, flagged.flags)
    form = DeclineBurstForm(request.POST, choices=choices)
    if form.is_valid():
        chosen = set(form.cleaned_data["requests"])
        submissions = [s for s in [head, *burst] if str(s.pk) in chosen]
        try:
            declined = actions.requests_decline_together(
                actor_id=user.pk, submissions=submissions, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("Declined together: %(count)d requests.") % {"count": len(declined)}
            )
            return redirect("triage:inbox")
    else:
        messages.error(request, _("Please correct the form."))
    head.refresh_from_db()
    return _request_page(request, head, burst_form=form)


@require_http_methods(["GET", "POST"])
@require_permission("intake.record")
def record(request: HttpRequest) -> HttpResponse:
    """Operator intake. The codename, if any, is shown on this response only, never stored."""
    form = OperatorRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            submission, codename = actions.operator_request_record(
                actor_id=staff_user(request).pk,
                channel=form.cleaned_data["channel"],
                payload=form.payload(),
                with_codename=form.cleaned_data["with_codename"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return render(
                request, "triage/recorded.html", {"submission": submission, "codename": codename}
            )
    return render(request, "triage/record.html", {"form": form})


@require_http_methods(["GET", "POST"])
@require_permission("watchlist.manage")
def watchlist(request: HttpRequest) -> HttpResponse:
    desk = desk_for_user(request, "watchlist.manage")
    form = WatchEntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.watch_entry_add(actor_id=staff_user(request).pk, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Added to the watch list."))
            return redirect("triage:watchlist")
    entries = list(
        WatchEntry.objects.filter(compartment_id=desk.compartment_id)
        .select_related("created_by")
        .order_by("-created_at")
    )
    with transaction.atomic():
        audit_record_many(
            actor_id=staff_user(request).pk,
            action="triage.watch_list",
            object_type="triage.WatchEntry",
            object_ids=[str(entry.pk) for entry in entries],
        )
    return render(request, "triage/watchlist.html", {"form": form, "entries": entries})


@require_http_methods(["POST"])
@require_permission("watchlist.manage")
def watch_remove(request: HttpRequest, entry_id: uuid.UUID) -> HttpResponse:
    desk = desk_for_user(request, "watchlist.manage")
    entry = get_object_or_404(WatchEntry, pk=entry_id, compartment_id=desk.compartment_id)
    actions.watch_entry_remove(actor_id=staff_user(request).pk, entry=entry)
    messages.success(request, _("Removed from the watch list."))
    return redirect("triage:watchlist")
