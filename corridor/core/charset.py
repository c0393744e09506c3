"""Forms posted in another text encoding are read, not refused with a bare 400.

Django (5.2) refuses an `application/x-www-form-urlencoded` body whose Content-Type names a
charset other than UTF-8. Our pages are UTF-8, so browsers answer in UTF-8, but an old
phone browser or a proxy may still send koi8-r or windows-1251, and a person in
danger must not lose what they typed to that (issue 10; decision 0021). This middleware runs
before anything reads the form: it decodes the body with the charset the request names and
hands Django the same fields re-encoded as UTF-8, marking the request
(`request.corridor_charset`) so a view may say so. A body that does not decode in its own
charset is left as it is: Django refuses it and `corridor.core.errors.bad_request` answers
with a page that says plainly that nothing was sent.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from io import BytesIO
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse, QueryDict

FORM = "application/x-www-form-urlencoded"


def _decoded(body: bytes, charset: str) -> QueryDict | None:
    """The fields of a body in `charset`, or None if it does not decode cleanly."""
    try:
        if body.isascii():
            # What browsers send: the charset's bytes, percent-escaped.
            text, escapes = body.decode("ascii"), charset
        else:
            # A body written raw in its charset (utf-16 is never ASCII): decode it whole;
            # any escapes left in it are UTF-8, as in every form.
            text, escapes = body.decode(charset), "utf-8"
        fields = QueryDict(mutable=True)
        for pair in text.split("&"):
            if not pair:
                continue
            name, _sep, value = pair.partition("=")
            fields.appendlist(_unquote(name, escapes), _unquote(value, escapes))
    except (UnicodeDecodeError, UnicodeEncodeError, LookupError, ValueError):
        return None
    return fields


def _unquote(text: str, charset: str) -> str:
    return unquote_to_bytes(text.replace("+", " ")).decode(charset)


class FormCharsetMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        charset = request.content_params.get("charset", "") if request.content_params else ""
        if request.method == "POST" and request.content_type == FORM and charset:
            self._transcode(request, charset)
        return self.get_response(request)

    @staticmethod
    def _transcode(request: HttpRequest, charset: str) -> None:
        try:
            name = codecs.lookup(charset).name
        except LookupError:
            return
        if name == "utf-8":
            return
        fields = _decoded(request.body, charset)
        if fields is None:
            return
        body = fields.urlencode().encode("ascii")
        request._body = body  # type: ignore[attr-defined]  # what request.POST parses
        request._stream = BytesIO(body)  # type: ignore[attr-defined]
        request.META["CONTENT_TYPE"] = FORM
        request.META["CONTENT_LENGTH"] = str(len(body))
        request.content_params = {}
        request.encoding = None  # type: ignore[assignment]  # also drops any parsed POST
        request._encoding = None  # type: ignore[attr-defined]
        request.corridor_charset = name  # type: ignore[attr-defined]
