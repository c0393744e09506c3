"""The public request form and the status page (T5, T7, T8).

No login, no JavaScript, no cookie of any kind, nothing from another origin. Russian by
default, English at /help/en/; the language is in the path, never in a cookie. The views
are CSRF-exempt on purpose: a CSRF token needs a cookie (or a session), and a forged
cross-site post could do nothing here that its author cannot do directly. A post must still
name this site as where it came from, in its Origin header (or, without one, its Referer),
scheme and host exactly: another site cannot make its visitors' browsers flood the form
(decisions 0009 and 0015). The codename travels only in POST bodies. Each peer may take only
its share of the hourly limits (`corridor.intake.flood`, T5).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    DisallowedHost,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    ValidationError,
)
from django.core.files.uploadhandler import FileUploadHandler
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from corridor.accounts.decorators import public
from corridor.intake import codename as codenames
from corridor.intake import flood, limits, multipart
from corridor.intake.actions import submission_create, thread_find, thread_rate_subject, thread_read
from corridor.intake.attachments import MAX_FILES, MAX_TOTAL_BYTES
from corridor.intake.forms import HONEYPOT, CodenameForm, FollowUpForm, RequestForm
from corridor.intake.models import Channel
from corridor.intake.payload import Urgency
from corridor.intake.uploads import MemoryOnlyUploadHandler

# The body of a request may hold the files and the text fields, and no more.
REQUEST_MAX_BYTES = MAX_TOTAL_BYTES + 256 * 1024
EXIT_URL_DEFAULT = "https://yandex.ru/pogoda/"
ORIGIN_REFUSED_FORM = gettext_lazy(
    "Your request was NOT sent: we could not confirm that it came from this site's own form "
    "(your browser named another site, or none). Open the form at this site's address and "
    "send it from there. If a privacy add-on removes the Origin and Referer headers, allow "
    "them for this site."
)
ORIGIN_REFUSED_STATUS = gettext_lazy(
    "Nothing was sent and nothing is shown: we could not confirm that this came from this "
    "site's own page (your browser named another site, or none). Open the page at this "
    "site's address and try again from there."
)
FILES_LOST = gettext_lazy(
    "Your request was NOT sent, and nothing of it was kept: one of the attached files did "
    "not arrive whole or could not be read as a file (the upload may have been cut off, or "
    "the file's name is damaged). Attach the files again and send the request again; if it "
    "happens again, rename the files with plain letters and digits."
)


class _Unreadable(Exception):
    """The body could not be parsed: too large, too many fields, broken multipart."""


class _FilesLost(Exception):
    """The body was cut off, or a file part in it was not read as a file (decision 0023)."""


def _other_language(language: str) -> str:
    return "en" if language == "ru" else "ru"


def _page(
    request: HttpRequest,
    template: str,
    language: str,
    context: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    context = {
        "max_files": MAX_FILES,
        **context,
        "language": language,
        "other_language": _other_language(language),
        "exit_url": getattr(settings, "CORRIDOR_INTAKE_EXIT_URL", EXIT_URL_DEFAULT),
    }
    response = render(request, template, context, status=status)
    response["Content-Language"] = language
    return response


def _origin_ours(request: HttpRequest) -> bool:
    """True if the post names this site as where it came from: its Origin header, or without
    one its Referer, is this request's scheme and host exactly (or a CSRF_TRUSTED_ORIGINS
    entry, exactly). `Origin: null`, another scheme or port, and no header at all are not."""
    try:
        own = {f"{request.scheme}://{request.get_host()}"}
    except DisallowedHost:
        return False
    own |= {o for o in getattr(settings, "CSRF_TRUSTED_ORIGINS", []) if "*" not in o}
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin in own
    referer = urlsplit(request.headers.get("Referer", ""))
    return bool(referer.scheme and referer.netloc) and (
        f"{referer.scheme}://{referer.netloc}" in own
    )


def _upload_kib(request: HttpRequest) -> int:
    """The body's size in KiB, as counted against its peer (a larger one is refused unread)."""
    length = str(request.META.get("CONTENT_LENGTH") or "0").strip()
    return min(-(-int(length) // 1024), REQUEST_MAX_BYTES // 1024) if length.isdigit() else 0


class _FilesDropped(FileUploadHandler):
    """Reads past every file without keeping it: a refused request's text is shown again."""

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        return None

    def file_complete(self, file_size: int) -> None:
        return None


def _post_read(request: HttpRequest, *, files: bool = True, guarded: bool = False) -> None:
    """Parse the body with files kept in memory (or dropped), or raise _Unreadable. A
    `guarded` body (the request form's) must hold every file part it sent, in `attachments`,
    and its closing boundary, or _FilesLost is raised (decision 0023)."""
    length = str(request.META.get("CONTENT_LENGTH") or "0").strip()
    if not length.isdigit() or int(length) > REQUEST_MAX_BYTES:
        raise _Unreadable("bad or too large Content-Length")
    handler = MemoryOnlyUploadHandler if files else _FilesDropped
    request.upload_handlers = [handler(request)]
    scan: multipart.Scan | None = None
    if guarded:
        try:
            scan = multipart.request_prepare(request, REQUEST_MAX_BYTES)
        except multipart.Truncated:
            raise _FilesLost("truncated") from None
    try:
        request.POST  # noqa: B018 (parses the body)
        request.FILES  # noqa: B018
    except (
        BadRequest,  # a form in a charset it does not decode in (corridor.core.charset)
        RequestDataTooBig,
        TooManyFieldsSent,
        TooManyFilesSent,
        MultiPartParserError,
        UnicodeDecodeError,
        ValueError,
    ) as exc:
        raise _Unreadable(type(exc).__name__) from None
    if scan is not None and files:
        kept = len(request.FILES.getlist("attachments"))
        if kept != scan.file_parts or multipart.files_parsed(request) != kept:
            raise _FilesLost(f"{scan.file_parts} file parts sent, {kept} read")


def _refusal_page(
    request: HttpRequest, template: str, language: str, form: Any, message: str, status: int
) -> HttpResponse:
    return _page(request, template, language, {"form": form, "refusal": message}, status)


def _post_refusal(
    request: HttpRequest,
    template: str,
    language: str,
    blank_form: Any,
    unreadable: str,
    *,
    taken: dict[str, int] | None = None,
) -> HttpResponse | None:
    """The refusal of a POST that does not come from this site (403), of one over its peer's
    allowance of `taken` (429, the text still in the form) or of a body that cannot be read
    (413, with the message `unreadable`); None once the body is parsed."""
    if not _origin_ours(request):
        refused = ORIGIN_REFUSED_FORM if template == "intake/form.html" else ORIGIN_REFUSED_STATUS
        message = str(refused)
        return _refusal_page(request, template, language, blank_form, message, 403)
    limited: flood.PeerLimited | None = None
    try:
        if taken is not None:
            flood.peer_take(request, taken)
    except flood.PeerLimited as exc:
        limited = exc
    guarded = template == "intake/form.html"
    try:
        _post_read(request, files=limited is None, guarded=guarded)
    except _Unreadable:
        return _refusal_page(request, template, language, blank_form, unreadable, 413)
    except _FilesLost:
        form = type(blank_form)(initial=_typed(request, blank_form))
        return _refusal_page(request, template, language, form, str(FILES_LOST), 400)
    if limited is not None:
        form = type(blank_form)(request.POST)
        return _refusal_page(request, template, language, form, _messages(limited)[0], 429)
    return None


def _typed(request: HttpRequest, form: Any) -> dict[str, str]:
    """What the sender typed, if the body could be read that far, to show again."""
    try:
        fields = request.POST
    except Exception:  # noqa: BLE001  (a body that cannot be parsed: nothing to show)
        return {}
    return {
        name: fields.get(name, "") for name in form.fields if name in fields and name != HONEYPOT
    }


def _messages(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


@public
@csrf_exempt  # no cookie may be set for a requester, so no CSRF cookie: see decision 0009
@require_http_methods(["GET", "POST"])
def request_form(request: HttpRequest, language: str) -> HttpResponse:
    with translation.override(language):
        return _request_form(request, language)


def _request_form(request: HttpRequest, language: str) -> HttpResponse:
    template = "intake/form.html"
    if request.method == "GET":
        return _page(request, template, language, {"form": RequestForm(), "max_files": MAX_FILES})
    unreadable = _(
        "Your request was NOT sent: it was too large or could not be read. "
        "Attach at most 5 files of 5 MB each, 10 MB in all."
    )
    taken = {flood.SUBMIT: 1, flood.UPLOAD_KIB: _upload_kib(request)}
    refused = _post_refusal(request, template, language, RequestForm(), unreadable, taken=taken)
    if refused is not None:
        return refused
    form = RequestForm(request.POST)
    context: dict[str, Any] = {"form": form, "max_files": MAX_FILES}
    if not form.is_valid():
        return _page(request, template, language, context)
    try:
        _submission, codename = submission_create(
            payload=form.payload(language),
            channel=Channel.WEB,
            attachments=request.FILES.getlist("attachments"),
        )
    except limits.RateLimited as exc:
        return _page(request, template, language, {**context, "refusal": _messages(exc)[0]}, 429)
    except ValidationError as exc:
        return _page(request, template, language, {**context, "errors": _messages(exc)})
    positions = codenames.codename_positions(codename or "")  # a new web thread has one
    return _page(
        request,
        "intake/sent.html",
        language,
        {
            "codename": codename,
            "codename_other": codenames.codename_in(positions, _other_language(language)),
            "danger_now": form.cleaned_data["urgency"] == Urgency.NOW,
            "emergency_contact": settings.CORRIDOR_EMERGENCY_CONTACT,
            "emergency_advice": settings.CORRIDOR_EMERGENCY_ADVICE.get(language, ""),
        },
    )


@public
@csrf_exempt  # as request_form: no cookie, the codename is the only credential
@require_http_methods(["GET", "POST"])
def status(request: HttpRequest, language: str) -> HttpResponse:
    with translation.override(language):
        return _status(request, language)


def _status(request: HttpRequest, language: str) -> HttpResponse:
    template = "intake/status.html"
    if request.method == "GET":
        return _page(request, template, language, {"form": CodenameForm()})
    refused = _post_refusal(
        request, template, language, CodenameForm(), _("This could not be read.")
    )
    if refused is not None:
        return refused
    writing = "message" in request.POST
    form: CodenameForm = FollowUpForm(request.POST) if writing else CodenameForm(request.POST)
    try:
        flood.peer_take(request, {flood.STATUS: 1} | ({flood.SUBMIT: 1} if writing else {}))
    except flood.PeerLimited as exc:
        return _refusal_page(request, template, language, form, _messages(exc)[0], 429)
    # A follow-up whose message is bad but whose codename may be right opens the thread and
    # says why there, the text still in its box: no need to type the codename again, and the
    # codename is shown (hidden) only on the page of the thread it opens (decision 0023).
    message_bad = not form.is_valid() and writing and "codename" not in form.errors
    if not form.is_valid() and not message_bad:
        return _page(request, template, language, {"form": form})
    try:
        positions = codenames.codename_positions(form.cleaned_data["codename"])
    except codenames.CodenameInvalid as exc:
        for message in _messages(exc):
            form.add_error("codename", message)
        return _page(request, template, language, {"form": form})
    try:
        if limits.rate_full(limits.STATUS, limits.limit("status_checks_per_hour")):
            raise limits.refusal(limits.STATUS)
        with transaction.atomic():
            limits.rate_take(limits.STATUS, limits.limit("status_checks_per_hour"))
    except limits.RateLimited as exc:
        return _refusal_page(request, template, language, CodenameForm(), _messages(exc)[0], 429)
    found = thread_find(positions)
    if found is None:
        form.add_error(
            "codename", _("No request matches this codename. Check the words and try again.")
        )
        return _page(request, template, language, {"form": form})
    root, keys = found
    context: dict[str, Any] = {"codename": form.cleaned_data["codename"]}
    try:
        if writing and not message_bad:
            submission_create(
                payload={"message": form.cleaned_data["message"], "language": language},
                channel=Channel.WEB,
                thread=root,
            )
            context["sent_now"] = True
        else:
            with transaction.atomic():
                limits.rate_take(
                    limits.THREAD_READ,
                    limits.limit("thread_reads_per_hour"),
                    subject=thread_rate_subject(root.pk),
                )
    except limits.RateLimited as exc:
        return _refusal_page(request, template, language, CodenameForm(), _messages(exc)[0], 429)
    except ValidationError as exc:
        context["errors"] = _messages(exc)
    context["thread"] = thread_read(root, keys)
    context["reply_form"] = (
        form if message_bad else FollowUpForm(initial={"codename": form.cleaned_data["codename"]})
    )
    return _page(request, "intake/thread.html", language, context)
