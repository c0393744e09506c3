from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from corridor.accounts.models import User
from corridor.tasks.actions import MAX_EVERY_HOURS, MAX_GRACE_MINUTES


class DateInput(forms.DateInput):
    input_type = "date"


class TaskForm(forms.Form):
    prefix = "task"

    title = forms.CharField(label=_("Task"), max_length=500)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    due_on = forms.DateField(label=_("Due on"), widget=DateInput)

    def __init__(self, *args: Any, owners: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]


class ScheduleForm(forms.Form):
    prefix = "schedule"

    every_hours = forms.IntegerField(
        label=_("Check in every (hours)"), min_value=1, max_value=MAX_EVERY_HOURS, initial=24
    )
    first_in_hours = forms.IntegerField(
        label=_("First check-in due in (hours; empty: one interval from now)"),
        min_value=0,
        max_value=MAX_EVERY_HOURS,
        required=False,
    )
    grace_minutes = forms.IntegerField(
        label=_("Grace period before an alert (minutes)"),
        min_value=0,
        max_value=MAX_GRACE_MINUTES,
        initial=60,
    )
    channel = forms.CharField(label=_("Agreed channel and codeword"), max_length=500)
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CheckInForm(forms.Form):
    prefix = "checkin"

    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class AlertResolveForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DutyForm(forms.Form):
    prefix = "duty"

    user = forms.ModelChoiceField(
        label=_("Coordinator on duty"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody: alerts go to every coordinator of the compartment"),
    )

    def __init__(self, *args: Any, candidates: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = candidates  # type: ignore[attr-defined]
