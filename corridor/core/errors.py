"""The pages a person sees when something fails: in the site's style, in both languages.

They say plainly whether anything was saved and what to do. On the public form a failure
means the request was NOT sent (the person never got a codename), so the page says to send
it again. They render without the database, the session or context processors, which may be
what failed (issue 10, decision 0021).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


def _page(request: HttpRequest, template: str, status: int) -> HttpResponse:
    public = request.path.startswith("/help/")
    english_first = request.path.startswith("/help/en/")
    html = render_to_string(
        template,
        {
            "public": public,
            "languages": ("en", "ru") if english_first else ("ru", "en"),
            "posted": request.method == "POST",
            "retry": request.get_full_path() if public else "",
        },
    )
    return HttpResponse(html, status=status)


def server_error(request: HttpRequest) -> HttpResponse:
    return _page(request, "core/errors/500.html", 500)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _page(request, "core/errors/400.html", 400)
