from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from corridor.vault.models import Membership


@require_http_methods(["GET"])
def home(request: HttpRequest) -> HttpResponse:
    """Staff start page: the compartments this user holds keys for."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    memberships = Membership.objects.filter(user_id=request.user.pk).select_related("compartment")
    return render(request, "core/home.html", {"memberships": memberships})
