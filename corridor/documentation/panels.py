"""The documentation panel of the case page: what was documented about this case's person.

Shown only to a role that may read documentation and only with the records of the
documentation compartments the user holds, so the page shows it to those who hold both the
case's keys (the case page's own door) and the documentation's. Every record it opens is
audited as a read, in the same request.
"""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy

from corridor.accounts.decorators import staff_user
from corridor.cases.access import request_compartment_ids
from corridor.cases.models import Case
from corridor.documentation.access import reads_audit
from corridor.documentation.models import Act, Person, Testimony

# Its id on the case page and its name in the page's list of sections
SECTION = ("documentation", gettext_lazy("Documentation"))


def case_panel(
    request: HttpRequest, case: Case, bound: Mapping[str, forms.Form] | None = None
) -> str:
    if not staff_user(request).may("documentation.view"):
        return ""
    persons = list(
        Person.objects.filter(case=case, compartment_id__in=request_compartment_ids(request))
    )
    if not persons:
        return ""
    acts = list(
        Act.objects.filter(victim__in=persons)
        .select_related("act_type", "event", "victim_status")
        .order_by("start_month", "created_at")
    )
    testimonies = list(Testimony.objects.filter(person__in=persons).order_by("taken_on"))
    reads_audit(request, [*persons, *acts, *{act.event for act in acts}, *testimonies])
    return render_to_string(
        "documentation/panel.html",
        {"persons": persons, "acts": acts, "testimonies": testimonies},
        request=request,
    )
