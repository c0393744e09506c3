from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from corridor.figures.tables import TABLES


class MonthField(forms.CharField):
    def clean(self, value: Any) -> date:
        text = super().clean(value)
        try:
            parsed = datetime.strptime(text.strip(), "%Y-%m")
        except ValueError as exc:
            raise forms.ValidationError(
                _("Write the months as YYYY-MM, for example 2017-05.")
            ) from exc
        return date(parsed.year, parsed.month, 1)


class ReleaseForm(forms.Form):
    first_month = MonthField(label=_("From month (YYYY-MM)"), max_length=7)
    last_month = MonthField(label=_("To month (YYYY-MM)"), max_length=7)
    tables = forms.MultipleChoiceField(
        label=_("Tables"),
        choices=[(t.key, t.label) for t in TABLES.values()],
        widget=forms.CheckboxSelectMultiple,
    )
    epsilon = forms.FloatField(
        label=_("Privacy cost ε for the whole release"), min_value=0.01, max_value=10.0
    )
