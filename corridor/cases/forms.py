"""Forms of the case screens. They parse what was typed; the actions check it again and write."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from corridor.accounts.models import User
from corridor.cases import person
from corridor.cases.currencies import currency_valid
from corridor.cases.models import (
    Case,
    ExpenseCategory,
    FundingSource,
    Outcome,
    RiskLevel,
    Stage,
    ThreatSource,
)
from corridor.cases.pipeline import Move
from corridor.vault.models import Compartment


def _textarea(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class _PersonForm(forms.Form):
    """The person's details both the new-case and the edit screens ask for."""

    full_name = forms.CharField(label=_("Name or alias"), max_length=person.NAME_MAX)
    aliases = forms.CharField(
        label=_("Other names and spellings (one per line)"),
        required=False,
        widget=_textarea(3),
        max_length=5000,
    )
    phone = forms.CharField(label=_("Phone"), required=False, max_length=40)
    location = forms.CharField(label=_("Where they are now"), required=False, max_length=300)
    risk_level = forms.ChoiceField(
        label=_("Risk level"), choices=RiskLevel.choices, initial=RiskLevel.MEDIUM
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=_textarea(6), max_length=20000)

    def clean_full_name(self) -> str:
        return person.full_name_clean(self.cleaned_data["full_name"])

    def clean_phone(self) -> str:
        return person.phone_clean(self.cleaned_data["phone"])

    def clean_aliases(self) -> list[str]:
        return person.lines_clean(self.cleaned_data["aliases"].splitlines())


class CaseCreateForm(_PersonForm):
    compartment = forms.ModelChoiceField(
        label=_("Compartment"), queryset=Compartment.objects.none()
    )
    field_order = ("compartment", "full_name", "aliases", "phone", "location", "notes")

    def __init__(self, *args: Any, compartments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["compartment"].queryset = compartments  # type: ignore[attr-defined]


def _dependants_parse(text: str) -> list[dict[str, Any]]:
    """One dependant a line: "name; relation; age" (relation and age may be left out)."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split(";")]
        if len(parts) > 3:
            raise ValidationError(
                _("Line %(line)d: write “name; relation; age”."), params={"line": number}
            )
        name, relation, age = (*parts, "", "")[:3]
        if age and not age.isdecimal():  # "²" is a digit that int() refuses
            raise ValidationError(
                _("Line %(line)d: the age must be a whole number."), params={"line": number}
            )
        found.append({"name": name, "relation": relation, "age": int(age) if age else None})
    return person.dependants_clean(found)


def _dependants_text(dependants: list[dict[str, Any]]) -> str:
    lines = []
    for entry in dependants:
        parts = [entry.get("name", ""), entry.get("relation", "")]
        if entry.get("age") is not None:
            parts.append(str(entry["age"]))
        lines.append("; ".join(parts).rstrip("; "))
    return "\n".join(lines)


class CaseEditForm(_PersonForm):
    messengers = forms.CharField(
        label=_("Messenger handles (one per line)"),
        required=False,
        widget=_textarea(2),
        max_length=5000,
    )
    threat_source = forms.ChoiceField(label=_("Who threatens them"), choices=ThreatSource.choices)
    dependants = forms.CharField(
        label=_("Dependants (one a line: name; relation; age)"),
        required=False,
        widget=_textarea(3),
        max_length=5000,
    )
    field_order = (
        "full_name",
        "aliases",
        "phone",
        "messengers",
        "location",
        "threat_source",
        "dependants",
        "risk_level",
        "notes",
    )

    @staticmethod
    def initial_of(case: Case) -> dict[str, Any]:
        return {
            "full_name": case.full_name,
            "aliases": "\n".join(case.aliases or []),
            "phone": case.phone or "",
            "messengers": "\n".join(case.messengers or []),
            "location": case.location or "",
            "threat_source": case.threat_source,
            "dependants": _dependants_text(case.dependants or []),
            "risk_level": case.risk_level,
            "notes": case.notes or "",
        }

    def clean_messengers(self) -> list[str]:
        return person.lines_clean(self.cleaned_data["messengers"].splitlines())

    def clean_dependants(self) -> list[dict[str, Any]]:
        return _dependants_parse(self.cleaned_data["dependants"])


class CaseAssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Assignee"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody"),
    )

    def __init__(self, *args: Any, candidates: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = candidates  # type: ignore[attr-defined]


class StageMoveForm(forms.Form):
    """One move out of the current stage; reason and outcome only where the move needs them."""

    from_stage = forms.CharField(widget=forms.HiddenInput, required=False)  # read by the view
    to_stage = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), widget=_textarea(2), max_length=5000)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    at = forms.DateTimeField(
        label=_("When (leave empty for now)"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args: Any, move: Move, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"move-{move.target}-%s")  # several forms on one page
        super().__init__(*args, **kwargs)
        self.move = move
        self.fields["from_stage"].initial = move.source
        self.fields["to_stage"].initial = move.target
        if not move.needs_reason:
            del self.fields["reason"]
        if not move.needs_outcome:
            del self.fields["outcome"]

    @property
    def target_label(self) -> str:
        return str(Stage(self.move.target).label)


class ExpenseForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=ExpenseCategory.choices)
    amount = forms.DecimalField(
        label=_("Amount"), min_value=Decimal("0.01"), max_digits=12, decimal_places=2
    )
    currency = forms.CharField(label=_("Currency (ISO code)"), min_length=3, max_length=3)
    spent_on = forms.DateField(
        label=_("Spent on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)
    funding_source = forms.ModelChoiceField(
        label=_("Funding source"),
        queryset=FundingSource.objects.order_by("code"),
        required=False,
        empty_label=_("none"),
    )

    def clean_currency(self) -> str:
        code = self.cleaned_data["currency"].strip().upper()
        if not currency_valid(code):
            raise ValidationError(
                _("Use a three-letter ISO 4217 currency code, such as EUR or RUB.")
            )
        return code


class ExpenseVoidForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this entry wrong?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ExpenseCorrectForm(ExpenseForm):
    reason = forms.CharField(
        label=_("What was wrong with the entry?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
