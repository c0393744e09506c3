"""View guards. Every staff view is gated by StaffSessionMiddleware (logged in and second
factor verified) unless marked `public`; these decorators add the per-action checks."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from corridor.accounts.models import User

View = TypeVar("View", bound=Callable[..., HttpResponse])

REAUTH_SESSION_KEY = "_reauth_at"


def staff_user(request: HttpRequest) -> User:
    """The logged-in staff member of this request (the middleware has already checked)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("not logged in")
    return user


def user_verified(user: object) -> bool:
    """True once the second factor was entered in this session (django-otp adds the method)."""
    return bool(getattr(user, "is_verified", lambda: False)())


def public(view: View) -> View:
    """Reachable without a verified staff login (login steps, invitations, recovery)."""
    view.corridor_public = True  # type: ignore[attr-defined]
    return view


def duress_allowed(view: View) -> View:
    """A staff view a duress session may POST to: one that writes nothing of the
    organisation (re-authentication, logging out, a search). Every other POST of a duress
    session is refused by the staff gate as to an account without the right (decision 0026)."""
    view.corridor_duress_allowed = True  # type: ignore[attr-defined]
    return view


def require_permission(permission: str) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not staff_user(request).may(permission):
                raise PermissionDenied(permission)
            return view(request, *args, **kwargs)

        wrapper.corridor_permission = permission  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


def reauth_fresh(request: HttpRequest) -> bool:
    at = request.session.get(REAUTH_SESSION_KEY, 0)
    return time.time() - at < settings.CORRIDOR_REAUTH_WINDOW


def require_reauth(view: View) -> View:
    """Sensitive actions need the passphrase and a fresh code within the last few minutes."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not reauth_fresh(request):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('accounts:reauth')}?{query}")
        return view(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]
