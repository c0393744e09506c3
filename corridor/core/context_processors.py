from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from corridor.accounts.roles import PERMISSIONS, role_may


def corridor(request: HttpRequest) -> dict[str, Any]:
    """`staff_verified`, and `may`: the permissions of the user's role, so the navigation
    offers only what the role may open (the views check again); for a lawyer, the number of
    their referrals waiting past their deadline; for administrators and coordinators, the open
    alerts of colleagues' duress logins."""
    user = getattr(request, "user", None)
    verified = bool(
        user and user.is_authenticated and getattr(user, "is_verified", lambda: False)()
    )
    role = getattr(user, "role", "") if verified else ""
    may = frozenset(name for name in PERMISSIONS if role and role_may(role, name))
    return {
        "staff_verified": verified,
        "may": may,
        # A duress session holds nothing, not even a count (decision 0026).
        "documentation_overdue": _documentation_overdue(user)
        if "documentation.view" in may and not getattr(user, "under_duress", False)
        else 0,
        "staff_alerts_open": _staff_alerts_open(user) if "emergency.alerts" in may else 0,
    }


def _staff_alerts_open(user: Any) -> int:
    """Open duress alerts addressed to this user (none ever in a duress session: 0026)."""
    from corridor.emergency.actions import duress_alerts_visible

    return duress_alerts_visible(user).filter(resolved_at__isnull=True).count()


def _documentation_overdue(user: Any) -> int:
    """Referrals this user follows up whose answer is past its deadline (a count only)."""
    from corridor.documentation.models import Referral

    return Referral.objects.filter(owner_id=user.pk, overdue=True).count()
