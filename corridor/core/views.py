from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from corridor.vault.models import Membership


def home(request: HttpRequest) -> HttpResponse:
    """Staff start page: the compartments this user holds keys for."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    memberships = Membership.objects.filter(user_id=request.user.pk).select_related("compartment")
    return render(request, "core/home.html", {"memberships": memberships})
