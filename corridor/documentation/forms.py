"""Documentation forms: they check shapes; the actions check the rules (dates, links, terms).

Choices of terms come from the vocabulary tables in the language of the request; choices of
persons and events are only those of the compartment the record belongs to, passed in by the
view (which has audited reading them).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from corridor.documentation.models import (
    Confidentiality,
    ConsentObtained,
    ConsentUse,
    DatePrecision,
    Event,
    Person,
    PersonKind,
    PersonRole,
    RecipientKind,
    ReferralStatus,
    Term,
    Vocabulary,
)

TEXT_MAX = 50000
NOTE_MAX = 5000


def _date(label: Any, required: bool = False) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def _text(
    label: Any, rows: int = 3, limit: int = NOTE_MAX, required: bool = False
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=limit,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class TermField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.label)


class TermsField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.label)


def _terms(vocabulary: str) -> Any:
    return Term.objects.filter(vocabulary=vocabulary, active=True).order_by("position", "label_en")


def term_field(vocabulary: str, label: Any, required: bool = False) -> TermField:
    return TermField(queryset=_terms(vocabulary), label=label, required=required)


class RecordChoicesForm(forms.Form):
    """A form whose some fields choose among records the view passes in (already audited).

    The choice is the record's id; `record(name)` gives the chosen record back, so nothing
    outside the given records can be chosen, whatever is posted.
    """

    def record_field(
        self, name: str, label: Any, pairs: Iterable[tuple[Any, str]], *, required: bool
    ) -> None:
        pairs = list(pairs)
        self._records = {**getattr(self, "_records", {}), name: {str(r.pk): r for r, _l in pairs}}
        self.fields[name] = forms.ChoiceField(
            label=label,
            required=required,
            choices=[("", "---------")] + [(str(r.pk), text) for r, text in pairs],
        )

    def record(self, name: str) -> Any:
        return self._records[name].get(self.cleaned_data.get(name) or "")

    def records(self, name: str) -> list[Any]:
        chosen = self.cleaned_data.get(name) or []
        return [self._records[name][key] for key in chosen if key in self._records[name]]


def _dates(form: forms.Form) -> None:
    form.fields["start_precision"] = forms.ChoiceField(
        label=_("Start date known to"), choices=DatePrecision.choices, initial=DatePrecision.EXACT
    )
    form.fields["start_date"] = _date(_("Start date"))
    form.fields["end_precision"] = forms.ChoiceField(
        label=_("End date known to"), choices=DatePrecision.choices, initial=DatePrecision.UNKNOWN
    )
    form.fields["end_date"] = _date(_("End date"))


def _initial_dates(record: Any) -> dict[str, Any]:
    from datetime import date

    def day(precision: str, month: Any, exact: str) -> Any:
        if precision == DatePrecision.EXACT and exact:
            return date.fromisoformat(exact)
        return month

    return {
        "start_precision": record.start_precision,
        "start_date": day(record.start_precision, record.start_month, record.start_day),
        "end_precision": record.end_precision,
        "end_date": day(record.end_precision, record.end_month, record.end_day),
    }


class EventForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    description = _text(_("Description"), rows=6, limit=TEXT_MAX)
    region = term_field(Vocabulary.REGION, _("Region (kept in clear, for statistics)"))
    exact_place = _text(_("Exact place (encrypted)"), rows=2)
    violation_status = term_field(Vocabulary.VIOLATION_STATUS, _("Violation status"))
    confidentiality = forms.ChoiceField(
        label=_("Confidentiality"),
        choices=Confidentiality.choices,
        initial=Confidentiality.SHAREABLE,
    )

    def __init__(
        self, *args: Any, compartments: list[tuple[int, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _dates(self)
        if compartments is not None:
            self.fields["compartment"] = forms.TypedChoiceField(
                label=_("Compartment"), choices=compartments, coerce=int
            )

    @staticmethod
    def initial_for(event: Event) -> dict[str, Any]:
        return {
            "title": event.title,
            "description": event.description,
            "region": event.region_id,
            "exact_place": event.exact_place,
            "violation_status": event.violation_status_id,
            "confidentiality": event.confidentiality,
            **_initial_dates(event),
        }


class ActForm(RecordChoicesForm):
    act_type = term_field(Vocabulary.ACT_TYPE, _("Type of act"), required=True)
    methods = TermsField(
        queryset=_terms(Vocabulary.METHOD),
        label=_("Methods of violence"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    region = term_field(Vocabulary.REGION, _("Region (kept in clear, for statistics)"))
    exact_place = _text(_("Exact place (encrypted)"), rows=2)
    victim_status = term_field(Vocabulary.VICTIM_STATUS, _("Status of the victim at the end"))
    stated_reason = _text(_("Reason the perpetrators gave"), rows=2)
    consequences = _text(_("Physical and psychological consequences"), rows=3)

    def __init__(self, *args: Any, victims: Iterable[Person] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.record_field("victim", _("Victim"), [(p, p.name) for p in victims], required=True)
        self.order_fields(["victim", "act_type"])
        _dates(self)

    @staticmethod
    def initial_for(act: Any) -> dict[str, Any]:
        return {
            "victim": str(act.victim_id),
            "act_type": act.act_type_id,
            "methods": [m.pk for m in act.methods.all()],
            "region": act.region_id,
            "exact_place": act.exact_place,
            "victim_status": act.victim_status_id,
            "stated_reason": act.stated_reason,
            "consequences": act.consequences,
            **_initial_dates(act),
        }


class InvolvementForm(RecordChoicesForm):
    prefix = "involvement"
    degree = term_field(Vocabulary.INVOLVEMENT_DEGREE, _("Degree of involvement"), required=True)
    perpetrator_type = term_field(Vocabulary.PERPETRATOR_TYPE, _("Type of perpetrator"))
    remarks = _text(_("Remarks"), rows=2)

    def __init__(self, *args: Any, perpetrators: Iterable[Person] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pairs = [(p, p.name) for p in perpetrators]
        self.record_field("perpetrator", _("Perpetrator"), pairs, required=True)
        self.order_fields(["perpetrator"])


class SourceForm(RecordChoicesForm):
    prefix = "source"
    connection = term_field(
        Vocabulary.SOURCE_CONNECTION, _("How the source is connected"), required=True
    )
    reliability = term_field(Vocabulary.RELIABILITY, _("Reliability"))
    document = _text(_("Document or media report (what and where)"), rows=2)
    remarks = _text(_("Remarks"), rows=2)

    def __init__(
        self,
        *args: Any,
        testimonies: Iterable[tuple[Any, str]] = (),
        persons: Iterable[Person] = (),
        acts: Iterable[tuple[Any, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.record_field("testimony", _("Testimony"), testimonies, required=False)
        self.record_field("source", _("Person"), [(p, p.name) for p in persons], required=False)
        self.record_field("act", _("Act (if it supports one act)"), acts, required=False)
        self.order_fields(["testimony", "source", "act", "document", "connection"])


class ChainForm(RecordChoicesForm):
    prefix = "chain"
    chain_type = term_field(Vocabulary.CHAIN_TYPE, _("This event…"), required=True)
    remarks = _text(_("Remarks"), rows=2)

    def __init__(self, *args: Any, events: Iterable[Event] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pairs = [(e, e.title) for e in events]
        self.record_field("to_event", _("Related event"), pairs, required=True)
        self.order_fields(["to_event"])


class PersonForm(forms.Form):
    name = forms.CharField(label=_("Name, or a description if unknown"), max_length=NOTE_MAX)
    other_names = forms.CharField(
        label=_("Other names and spellings"), max_length=NOTE_MAX, required=False
    )
    role = forms.ChoiceField(label=_("Role"), choices=PersonRole.choices)
    kind = forms.ChoiceField(
        label=_("A person, a unit or an institution"), choices=PersonKind.choices
    )
    description = _text(_("What identifies them (age, work, a unit's number)"), rows=3)

    def __init__(
        self, *args: Any, compartments: list[tuple[int, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if compartments is not None:
            self.fields["compartment"] = forms.TypedChoiceField(
                label=_("Compartment"), choices=compartments, coerce=int
            )

    @staticmethod
    def initial_for(person: Person) -> dict[str, Any]:
        return {
            "name": person.name,
            "other_names": person.other_names,
            "role": person.role,
            "kind": person.kind,
            "description": person.description,
        }


class PersonLinkForm(forms.Form):
    prefix = "link"
    case = forms.UUIDField(
        label=_("Case number (from the address of the case's page); empty to unlink"),
        required=False,
    )


class TestimonyForm(forms.Form):
    text = _text(_("What the person told, in their words"), rows=12, limit=TEXT_MAX, required=True)
    language = forms.CharField(label=_("Language (ISO 639 code, e.g. ru, ce)"), max_length=3)
    taken_by = forms.CharField(label=_("Taken by"), max_length=NOTE_MAX)
    taken_on = _date(_("Taken on"), required=True)


class ConsentForm(forms.Form):
    prefix = "consent"
    use = forms.ChoiceField(label=_("Use"), choices=ConsentUse.choices)
    granted = forms.TypedChoiceField(
        label=_("Answer"),
        choices=[("yes", _("Agrees")), ("no", _("Refuses"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    anonymised = forms.TypedChoiceField(
        label=_("Named or anonymised"),
        choices=[("anonymised", _("Only anonymised")), ("named", _("Named"))],
        coerce=lambda value: value == "anonymised",
        initial="anonymised",
    )
    obtained_how = forms.ChoiceField(label=_("Obtained by"), choices=ConsentObtained.choices)
    obtained_by = forms.CharField(label=_("Who obtained it"), max_length=NOTE_MAX)
    obtained_on = _date(_("On"), required=True)
    note = _text(_("Note"), rows=2)


class WithdrawForm(forms.Form):
    prefix = "withdraw"
    use = forms.ChoiceField(label=_("Use"), choices=ConsentUse.choices)
    reason = _text(_("Reason the person gave"), rows=2, required=True)


class ReferralForm(RecordChoicesForm):
    intervention_type = term_field(
        Vocabulary.INTERVENTION_TYPE, _("Type of intervention"), required=True
    )
    recipient = forms.CharField(label=_("Sent to"), max_length=NOTE_MAX)
    recipient_kind = forms.ChoiceField(label=_("Kind of recipient"), choices=RecipientKind.choices)
    through = forms.CharField(
        label=_("Through (an intermediary)"), max_length=NOTE_MAX, required=False
    )
    sent_what = _text(_("What was sent (letters, packages, their references)"), rows=2)
    asked = _text(_("What was asked"), rows=3)
    sent_on = _date(_("Sent on"), required=True)
    answer_due_on = _date(_("Answer due by"))

    def __init__(
        self,
        *args: Any,
        compartments: list[tuple[int, str]] | None = None,
        owners: list[tuple[int, str]] = (),  # type: ignore[assignment]
        events: Iterable[Event] = (),
        victims: Iterable[Person] = (),
        parents: Iterable[tuple[Any, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if compartments is not None:
            self.fields["compartment"] = forms.TypedChoiceField(
                label=_("Compartment"), choices=compartments, coerce=int
            )
        self.fields["owner"] = forms.TypedChoiceField(
            label=_("Followed up by"), choices=list(owners), coerce=int
        )
        self.record_field("parent", _("Follows on from the referral"), parents, required=False)
        for name, label, pairs in (
            ("events", _("Events"), [(e, e.title) for e in events]),
            ("victims", _("Victims"), [(p, p.name) for p in victims]),
        ):
            self.record_field(name, label, pairs, required=False)
            self.fields[name] = forms.MultipleChoiceField(
                label=label,
                choices=self.fields[name].choices[1:],  # type: ignore[attr-defined]
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )


class ReferralUpdateForm(forms.Form):
    prefix = "update"
    status = forms.ChoiceField(label=_("Status"), choices=ReferralStatus.choices)
    answer_due_on = _date(_("Answer due by"))

    def __init__(self, *args: Any, owners: list[tuple[int, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["owner"] = forms.TypedChoiceField(
            label=_("Followed up by"), choices=list(owners), coerce=int
        )


class AnswerForm(forms.Form):
    prefix = "answer"
    received_on = _date(_("Received on"), required=True)
    response = term_field(Vocabulary.RESPONSE, _("Response"))
    status_after = forms.ChoiceField(
        label=_("Status of the referral now"), choices=ReferralStatus.choices
    )
    summary = _text(_("What the answer says"), rows=3)
    document = forms.CharField(
        label=_("Its document (number, date, where the file is kept)"),
        max_length=NOTE_MAX,
        required=False,
    )


class TermForm(forms.Form):
    vocabulary = forms.ChoiceField(label=_("Vocabulary"), choices=Vocabulary.choices)
    label_en = forms.CharField(label=_("Term in English"), max_length=200)
    label_ru = forms.CharField(label=_("Term in Russian"), max_length=200)
    code = forms.CharField(label=_("HURIDOCS code, if it has one"), max_length=16, required=False)
