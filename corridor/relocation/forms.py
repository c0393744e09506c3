"""Relocation forms: they check shapes; the actions check the rules (dates, reasons)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from corridor.relocation.models import (
    ApplicationOutcome,
    Country,
    DocumentKind,
    DocumentStatus,
    Pathway,
    RiskFlag,
    TravelKind,
    TravelOutcome,
)

TEXT_MAX = 20000


def get_language_ru() -> bool:
    return (get_language() or "").startswith("ru")


def _date(label: Any, required: bool = False) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def _text(label: Any, rows: int = 2) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class CountryChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.code})"


def _countries() -> Any:
    """Countries in the alphabetical order of the language of this request."""
    return Country.objects.order_by("name_ru" if get_language_ru() else "name_en")


class CountryForm(forms.Form):
    code = forms.CharField(label=_("ISO code (two letters)"), max_length=2, min_length=2)
    name_en = forms.CharField(label=_("Name in English"), max_length=100)
    name_ru = forms.CharField(label=_("Name in Russian"), max_length=100)
    notes = _text(_("Policy notes (public information only, never about a person)"), rows=3)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, label in Pathway.choices:
            self.fields[f"pathway_{code}"] = forms.BooleanField(label=label, required=False)
            self.fields[f"pathway_{code}_notes"] = forms.CharField(
                label=_("Notes on this pathway"), required=False, max_length=TEXT_MAX
            )

    def pathway_rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"pathway_{code}"], self[f"pathway_{code}_notes"]) for code in Pathway.values]

    def pathways(self) -> dict[str, str]:
        data = self.cleaned_data
        return {
            code: data[f"pathway_{code}_notes"]
            for code in Pathway.values
            if data[f"pathway_{code}"]
        }

    @staticmethod
    def initial_for(country: Country) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "code": country.code,
            "name_en": country.name_en,
            "name_ru": country.name_ru,
            "notes": country.notes,
        }
        for pathway in country.pathways.all():
            initial[f"pathway_{pathway.pathway}"] = True
            initial[f"pathway_{pathway.pathway}_notes"] = pathway.notes
        return initial


class CaseRecordForm(forms.Form):
    """A form over one of a case's records (document, application, journey)."""

    @classmethod
    def initial_for(cls, record: models.Model) -> dict[str, Any]:
        """The record's values as the form's initial data (a chosen object as its id)."""
        return {
            name: getattr(
                record, f"{name}_id" if isinstance(field, forms.ModelChoiceField) else name
            )
            for name, field in cls.base_fields.items()
        }


class DocumentForm(CaseRecordForm):
    kind = forms.ChoiceField(label=_("Document"), choices=DocumentKind.choices)
    status = forms.ChoiceField(label=_("Status"), choices=DocumentStatus.choices)
    holder_note = _text(_("Who holds it, where (encrypted)"))
    expires_on = _date(_("Expires on"))
    risk_flags = forms.MultipleChoiceField(
        label=_("Risks at a border"),
        choices=RiskFlag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    risk_note = _text(_("About the risks (encrypted)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "doc_%s")
        super().__init__(*args, **kwargs)


class ApplicationForm(CaseRecordForm):
    country = CountryChoiceField(label=_("Country"), queryset=Country.objects.none())
    pathway = forms.ChoiceField(label=_("Pathway"), choices=Pathway.choices)
    submitted_on = _date(_("Submitted on"))
    interview_on = _date(_("Interview on"))
    decision_on = _date(_("Decision on"))
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=ApplicationOutcome.choices, initial=ApplicationOutcome.PENDING
    )
    refusal_reason = _text(_("Reason for a refusal (encrypted)"))
    notes = _text(_("Notes (encrypted)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "app_%s")
        super().__init__(*args, **kwargs)
        self.fields["country"].queryset = _countries()  # type: ignore[attr-defined]


class TravelLegForm(CaseRecordForm):
    kind = forms.ChoiceField(label=_("Journey"), choices=TravelKind.choices)
    country = CountryChoiceField(
        label=_("Destination country"), queryset=Country.objects.none(), required=False
    )
    from_place = forms.CharField(label=_("From (encrypted)"), required=False, max_length=300)
    to_place = forms.CharField(label=_("To (encrypted)"), required=False, max_length=300)
    planned_on = _date(_("Planned for"))
    travelled_on = _date(_("Travelled on"))
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=TravelOutcome.choices, initial=TravelOutcome.PLANNED
    )
    failure_reason = _text(_("Why it failed (encrypted)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "leg_%s")
        super().__init__(*args, **kwargs)
        self.fields["country"].queryset = _countries()  # type: ignore[attr-defined]
