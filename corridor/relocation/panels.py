"""The relocation panel of the case page: papers and their risks, applications, journeys.

The case page has already fetched the case through `case_for_user` (role, membership and the
audited read); the panel audits the reads of the records it opens, one entry per record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django import forms
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy

from corridor.accounts.decorators import staff_user
from corridor.audit.log import audit_record_many
from corridor.cases.models import Case
from corridor.relocation.forms import ApplicationForm, DocumentForm, TravelLegForm
from corridor.relocation.models import Document

# Its id on the case page and its name in the page's list of sections
SECTION = ("relocation", gettext_lazy("Documents and travel"))


@dataclass(frozen=True)
class Risk:
    document: Document
    labels: list[str]


def _risks(documents: Iterable[Document]) -> list[Risk]:
    return [Risk(d, d.risk_flag_labels()) for d in documents if d.risk_flags]


def risk_documents(case: Case) -> list[Risk]:
    """The case's papers that carry a risk flag (codes only: nothing to decrypt)."""
    return _risks(Document.objects.filter(case=case).only("id", "case_id", "kind", "risk_flags"))


def case_panel(
    request: HttpRequest, case: Case, bound: Mapping[str, forms.Form] | None = None
) -> str:
    user = staff_user(request)
    documents = list(case.documents.order_by("created_at"))
    applications = list(case.applications.select_related("country").order_by("created_at"))
    legs = list(case.travel_legs.select_related("country").order_by("created_at"))
    with transaction.atomic():
        for object_type, records in (
            ("document", documents),
            ("application", applications),
            ("travel_leg", legs),
        ):
            audit_record_many(
                actor_id=user.pk,
                action=f"{object_type}.list",
                object_type=object_type,
                object_ids=[str(record.pk) for record in records],
            )
    today = timezone.localdate()
    may_documents = user.may("document.edit")
    may_applications = user.may("application.edit")
    may_travel = user.may("travel.edit")
    return render_to_string(
        "relocation/panel.html",
        {
            "case": case,
            "documents": documents,
            "risks": _risks(documents),
            "applications": [(a, a.wait_days(today)) for a in applications],
            "legs": legs,
            "may_documents": may_documents,
            "may_applications": may_applications,
            "may_travel": may_travel,
            "document_form": DocumentForm() if may_documents else None,
            "application_form": ApplicationForm() if may_applications else None,
            "travel_form": TravelLegForm() if may_travel else None,
        },
        request=request,
    )
