"""The public request form and the status page (T5, T7, T8).

No login, no JavaScript, no cookie of any kind, nothing from another origin. Russian by
default, English at /help/en/; the language is in the path, never in a cookie. The views
are CSRF-exempt on purpose: a CSRF token needs a cookie (or a session), and a forged
cross-site post could do nothing here that its author cannot do directly; a foreign
`Origin` header is still refused (decision 0009). The codename travels only in POST bodies.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    ValidationError,
)
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from corridor.accounts.decorators import public
from corridor.intake import codename as codenames
from corridor.intake import limits
from corridor.intake.actions import submission_create, thread_find, thread_rate_subject, thread_read
from corridor.intake.attachments import MAX_FILES, MAX_TOTAL_BYTES
from corridor.intake.forms import CodenameForm, FollowUpForm, RequestForm
from corridor.intake.models import Channel
from corridor.intake.uploads import MemoryOnlyUploadHandler

# The body of a request may hold the files and the text fields, and no more.
REQUEST_MAX_BYTES = MAX_TOTAL_BYTES + 256 * 1024
EXIT_URL_DEFAULT = "https://yandex.ru/pogoda/"


class _Unreadable(Exception):
    """The body could not be parsed: too large, too many fields, broken multipart."""


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
        **context,
        "language": language,
        "other_language": _other_language(language),
        "exit_url": getattr(settings, "CORRIDOR_INTAKE_EXIT_URL", EXIT_URL_DEFAULT),
    }
    response = render(request, template, context, status=status)
    response["Content-Language"] = language
    return response


def _foreign_origin(request: HttpRequest) -> bool:
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return False
    return origin.split("://", 1)[-1].rstrip("/") != request.get_host()


def _post_read(request: HttpRequest) -> None:
    """Parse the body with files kept in memory, or raise _Unreadable."""
    length = str(request.META.get("CONTENT_LENGTH") or "0").strip()
    if not length.isdigit() or int(length) > REQUEST_MAX_BYTES:
        raise _Unreadable("bad or too large Content-Length")
    request.upload_handlers = [MemoryOnlyUploadHandler(request)]
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


def _refusal_page(
    request: HttpRequest, template: str, language: str, form: Any, message: str, status: int
) -> HttpResponse:
    return _page(request, template, language, {"form": form, "refusal": message}, status)


def _post_refusal(
    request: HttpRequest, template: str, language: str, blank_form: Any, unreadable: str
) -> HttpResponse | None:
    """The refusal of a POST from another site (403) or of a body that cannot be read (413,
    with the message `unreadable`), shown with `blank_form`; None once the body is parsed."""
    if _foreign_origin(request):
        message = _("This form was sent from another site.")
        return _refusal_page(request, template, language, blank_form, message, 403)
    try:
        _post_read(request)
    except _Unreadable:
        return _refusal_page(request, template, language, blank_form, unreadable, 413)
    return None


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
    refused = _post_refusal(request, template, language, RequestForm(), unreadable)
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
    if not form.is_valid():
        return _page(request, template, language, {"form": form})
    try:
        positions = codenames.codename_positions(form.cleaned_data["codename"])
    except codenames.CodenameInvalid as exc:
        return _page(request, template, language, {"form": form, "errors": _messages(exc)})
    try:
        if limits.rate_full(limits.STATUS, limits.limit("status_checks_per_hour")):
            raise limits.refusal(limits.STATUS)
        with transaction.atomic():
            limits.rate_take(limits.STATUS, limits.limit("status_checks_per_hour"))
    except limits.RateLimited as exc:
        return _refusal_page(request, template, language, CodenameForm(), _messages(exc)[0], 429)
    found = thread_find(positions)
    if found is None:
        message = _("No request matches this codename. Check the words and try again.")
        return _page(request, template, language, {"form": form, "errors": [message]})
    root, keys = found
    context: dict[str, Any] = {"codename": form.cleaned_data["codename"]}
    try:
        if writing:
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
    context["reply_form"] = FollowUpForm(initial={"codename": form.cleaned_data["codename"]})
    return _page(request, "intake/thread.html", language, context)
