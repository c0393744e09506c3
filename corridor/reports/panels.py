""" "Who read or changed this": the case page's audit panel, for coordinators only
(`corridor.cases.panels.CASE_PANELS`). Reads only the audit chain (codes, ids, times)."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy

from corridor.accounts.decorators import staff_user
from corridor.accounts.models import User
from corridor.audit.models import AuditEntry
from corridor.audit.names import action_name
from corridor.cases.models import Case

# Its id on the case page and its name in the page's list of sections
SECTION = ("case-audit", gettext_lazy("Who read or changed this"))

SHOWN = 30


def case_panel(
    request: HttpRequest, case: Case, bound: Mapping[str, forms.Form] | None = None
) -> str:
    """The audit panel; it has no form, so `bound` (a failed form of a panel) is unused."""
    if not staff_user(request).may("reports.view"):
        return ""
    entries = list(
        AuditEntry.objects.filter(object_type="case", object_id=str(case.pk)).order_by("-seq")[
            :SHOWN
        ]
    )
    names = dict(
        User.objects.filter(pk__in={e.actor_id for e in entries if e.actor_id}).values_list(
            "pk", "username"
        )
    )
    rows = [(e, names.get(e.actor_id or 0, "—"), action_name(e.action)) for e in entries]
    return render_to_string("reports/_case_audit.html", {"rows": rows}, request=request)
