from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from corridor.shelters.actions import MAX_CAPACITY, MAX_STAY_CAP_DAYS
from corridor.shelters.models import STAY_CAP_DAYS, WARN_DAYS_BEFORE, Shelter
from corridor.vault.models import Compartment


class DateInput(forms.DateInput):
    input_type = "date"


class ShelterForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    address = forms.CharField(
        label=_("Address (secret)"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=MAX_CAPACITY)
    stay_cap_days = forms.IntegerField(
        label=_("Cap on a stay (days)"),
        min_value=1,
        max_value=MAX_STAY_CAP_DAYS,
        initial=STAY_CAP_DAYS,
    )
    warn_days_before = forms.IntegerField(
        label=_("Warn this many days before the cap"),
        min_value=0,
        max_value=MAX_STAY_CAP_DAYS,
        initial=WARN_DAYS_BEFORE,
    )


class ShelterCreateForm(ShelterForm):
    compartment = forms.ModelChoiceField(
        label=_("Compartment"), queryset=Compartment.objects.none()
    )

    field_order = ["compartment"]

    def __init__(self, *args: Any, compartments: QuerySet[Compartment], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["compartment"].queryset = compartments  # type: ignore[attr-defined]


class DecideForm(forms.Form):
    prefix = "decide"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (required to refuse)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    full_confirmed = forms.BooleanField(
        label=_("Approve although the shelter is full: the person waits for the next free bed"),
        required=False,
    )


class WithdrawForm(forms.Form):
    prefix = "withdraw"

    reason = forms.CharField(
        label=_("Why it is withdrawn"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ShelterChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class PlaceRequestForm(forms.Form):
    prefix = "shelter_request"

    shelter = ShelterChoiceField(label=_("Shelter"), queryset=Shelter.objects.none())
    need = forms.CharField(
        label=_("Why, and for how long"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, shelters: QuerySet[Shelter], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["shelter"].queryset = shelters  # type: ignore[attr-defined]


class PlaceForm(forms.Form):
    prefix = "place"

    starts_on = forms.DateField(label=_("Arrives on"), widget=DateInput)
    planned_end = forms.DateField(
        label=_("Planned to leave on (empty: at the cap)"), required=False, widget=DateInput
    )
    note = forms.CharField(label=_("Room, bed, needs"), required=False, max_length=2000)
    move_case = forms.BooleanField(
        label=_("Also move the case to “Sheltered”"), required=False, initial=True
    )

    def __init__(self, *args: Any, offer_move: bool = True, **kwargs: Any) -> None:
        """`offer_move`: the case can move to "sheltered" and the user may move it."""
        super().__init__(*args, **kwargs)
        if not offer_move:
            del self.fields["move_case"]


class EndForm(forms.Form):
    prefix = "end"

    ends_on = forms.DateField(label=_("Leaves on"), widget=DateInput)


class RangeForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DateInput)
    end = forms.DateField(label=_("To"), widget=DateInput)
