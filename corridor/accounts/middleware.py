"""Idle timeout and the staff gate: no view shows anything until login and TOTP are done.

A request that finds its session idle past `CORRIDOR_IDLE_TIMEOUT` ends it there and then:
the session row, with the server half of the key, is deleted before the view runs (T2).
Sessions whose browser never comes back are deleted by the worker
(corridor.accounts.session_expiry), which reads the same `_last_seen` time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from corridor.accounts.actions import session_end, session_is_duress
from corridor.accounts.decorators import user_verified

LAST_SEEN_KEY = "_last_seen"
# Record activity at most this often: a session write on every request is wasted work,
# and the idle timeout does not need to-the-second precision.
LAST_SEEN_GRANULARITY = 30


class StaffSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and session_is_duress(request):
            request.user.under_duress = True  # type: ignore[union-attr]
        if request.user.is_authenticated:
            now = time.time()
            last = request.session.get(LAST_SEEN_KEY, now)
            if now - last > settings.CORRIDOR_IDLE_TIMEOUT:
                session_end(request)
                messages.info(request, _("You were logged out after a period of inactivity."))
            elif now - last >= LAST_SEEN_GRANULARITY or LAST_SEEN_KEY not in request.session:
                request.session[LAST_SEEN_KEY] = now
        response = self.get_response(request)
        if request.user.is_authenticated and LAST_SEEN_KEY not in request.session:
            # This request logged in: the idle clock starts now, not at the next request
            # (a browser stopped after the passphrase step would otherwise never time out).
            request.session[LAST_SEEN_KEY] = time.time()
        return response

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if getattr(view_func, "corridor_public", False) or request.path.startswith(
            settings.STATIC_URL
            if settings.STATIC_URL.startswith("/")
            else "/" + settings.STATIC_URL
        ):
            return None
        user = request.user
        if not user.is_authenticated:
            return redirect(
                f"{reverse('accounts:login')}?{urlencode({'next': request.get_full_path()})}"
            )
        if not user_verified(user):
            return redirect("accounts:login_otp")
        if (
            getattr(user, "under_duress", False)
            and request.method not in ("GET", "HEAD", "OPTIONS")
            and not getattr(view_func, "corridor_duress_allowed", False)
        ):
            # A duress session changes nothing: the same refusal any account without the
            # right gets, so the page does not say why (decision 0026).
            raise PermissionDenied
        return None
