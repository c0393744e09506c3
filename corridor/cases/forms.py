from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from corridor.cases.models import RiskLevel
from corridor.linkage.phones import phone_normalise
from corridor.vault.models import Compartment


class CaseCreateForm(forms.Form):
    compartment = forms.ModelChoiceField(
        label=_("Compartment"), queryset=Compartment.objects.none()
    )
    full_name = forms.CharField(label=_("Name or alias"), max_length=300)
    aliases = forms.CharField(
        label=_("Other names and spellings (one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
    phone = forms.CharField(label=_("Phone"), required=False, max_length=40)
    location = forms.CharField(label=_("Where they are now"), required=False, max_length=300)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=20000
    )
    risk_level = forms.ChoiceField(
        label=_("Risk level"), choices=RiskLevel.choices, initial=RiskLevel.MEDIUM
    )

    def __init__(self, *args: Any, compartments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["compartment"].queryset = compartments  # type: ignore[attr-defined]

    def clean_phone(self) -> str:
        raw: str = self.cleaned_data["phone"].strip()
        if not raw:
            return ""
        number = phone_normalise(raw)
        if not number:
            raise ValidationError(_("This does not look like a phone number."))
        return number

    def clean_aliases(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["aliases"].splitlines() if line.strip()]
