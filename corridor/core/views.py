from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods


@require_http_methods(["GET"])
def home(request: HttpRequest) -> HttpResponse:
    """Staff start page: the role home page of `corridor.reports` (decision 0029)."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    from corridor.reports.views import home as role_home

    return role_home(request)
