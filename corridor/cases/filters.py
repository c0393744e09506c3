"""The case list's filters and search, one form read from GET (links) or POST (search).

Filters are operational codes and ids, fine in a URL; a name or phone only ever comes in a
POST body. Related filters (country, overdue tasks, open alerts) use the names other apps
give their relations (docs: contracts) as id subqueries, so a case matching twice is
listed once and the number of queries does not grow with the page.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from corridor.accounts.models import User
from corridor.cases.models import Case, Stage
from corridor.cases.search import exact_name_first, search_filter
from corridor.relocation.models import Country
from corridor.vault.models import Compartment

PAGE_MAX = 10_000


class CaseListForm(forms.Form):
    q = forms.CharField(label=_("Name or phone"), required=False, max_length=300)
    stage = forms.ChoiceField(
        label=_("Stage"), required=False, choices=[("", _("Any stage")), *Stage.choices]
    )
    compartment = forms.ModelChoiceField(
        label=_("Compartment"),
        required=False,
        queryset=Compartment.objects.none(),
        empty_label=_("Any compartment"),
    )
    assignee = forms.ModelChoiceField(
        label=_("Assignee"),
        required=False,
        queryset=User.objects.none(),
        empty_label=_("Anyone"),
    )
    country = forms.ModelChoiceField(
        label=_("Destination country"),
        required=False,
        queryset=Country.objects.all(),
        empty_label=_("Any country"),
    )
    overdue = forms.BooleanField(label=_("With overdue tasks"), required=False)
    alerts = forms.BooleanField(label=_("With open alerts"), required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=PAGE_MAX)

    def __init__(self, *args: Any, compartment_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["compartment"].queryset = Compartment.objects.filter(  # type: ignore[attr-defined]
            pk__in=compartment_ids
        ).order_by("name")
        self.fields["assignee"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(memberships__compartment_id__in=compartment_ids)
            .only("id", "username")
            .distinct()
            .order_by("username")
        )

    def value(self, name: str) -> Any:
        """The cleaned value of one filter, or None where it was left empty or is invalid."""
        cleaned = getattr(self, "cleaned_data", {})
        return cleaned.get(name) or None


def _holding(relation: Q) -> Q:
    return Q(pk__in=Case.objects.filter(relation).values("pk"))


def case_list_filter(cases: QuerySet[Case], form: CaseListForm, *, search: bool) -> QuerySet[Case]:
    """`cases` narrowed by the form's valid filters, and by its search when `search` (POST)."""
    form.is_valid()
    if form.value("stage"):
        cases = cases.filter(stage=form.value("stage"))
    if form.value("compartment"):
        cases = cases.filter(compartment=form.value("compartment"))
    if form.value("assignee"):
        cases = cases.filter(assignee=form.value("assignee"))
    if form.value("country"):
        cases = cases.filter(_holding(Q(applications__country=form.value("country"))))
    if form.value("overdue"):
        # The date, as the task badges read it: not the worker's flag, which lags a pass behind
        today = timezone.localdate()
        cases = cases.filter(_holding(Q(tasks__due_on__lt=today, tasks__done_at__isnull=True)))
    if form.value("alerts"):
        cases = cases.filter(_holding(Q(alerts__resolved_at__isnull=True)))
    query = (form.value("q") or "").strip() if search else ""
    order: list[str] = ["-created_at", "pk"]
    if query:
        cases = cases.filter(search_filter(query))
        exact = exact_name_first(query)
        if exact is not None:
            cases = cases.annotate(exact_name=exact)
            order.insert(0, "-exact_name")
    return cases.order_by(*order)
