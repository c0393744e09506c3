"""Triage forms. They shape input; the actions enforce the rules (reasons, two people)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from corridor.intake.models import Channel
from corridor.intake.payload import FIELD_MAX, Threat, Urgency
from corridor.triage.actions import OPERATOR_CHANNELS, REASON_MAX, TEXT_MAX
from corridor.triage.models import WatchKind
from corridor.vault.models import Compartment


def _area(
    label: Any, *, rows: int = 3, max_length: int = TEXT_MAX, required: bool = False
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class ChecklistForm(forms.Form):
    interview_notes = _area(_("Interview notes"), rows=4)
    evidence_seen = _area(_("Documents or injuries seen"))
    references = _area(_("References"))
    verifying_partner = _area(_("Verifying partner"), rows=1, max_length=REASON_MAX)


class ProposeForm(forms.Form):
    compartment = forms.ModelChoiceField(
        label=_("Compartment for the case (the approver confirms it)"),
        queryset=Compartment.objects.none(),
    )
    note = _area(_("Why accept"), rows=2, max_length=REASON_MAX, required=True)
    override_reason = _area(
        _("Reason to go on despite a watch-list hit"), rows=2, max_length=REASON_MAX
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["compartment"].queryset = Compartment.objects.order_by("name")  # type: ignore[attr-defined]


class ApproveForm(forms.Form):
    """The approver picks among their own compartments; the action refuses any other."""

    compartment = forms.ModelChoiceField(
        label=_("Compartment for the case"), queryset=Compartment.objects.none()
    )
    override_reason = _area(
        _("Reason to go on despite a watch-list hit"), rows=2, max_length=REASON_MAX
    )

    def __init__(self, *args: Any, mine: QuerySet[Compartment], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["compartment"]
        field.queryset = Compartment.objects.all()  # type: ignore[attr-defined]
        field.widget.choices = [("", "---------"), *((c.pk, c.name) for c in mine)]  # type: ignore[attr-defined]


class DeclineForm(forms.Form):
    reason = _area(_("Reason for declining"), rows=2, max_length=REASON_MAX)


class DeclineBurstForm(forms.Form):
    """Decline several requests of a burst with one reason; `choices`: (request id, label)."""

    requests = forms.MultipleChoiceField(
        label=_("Requests to decline"), widget=forms.CheckboxSelectMultiple
    )
    reason = _area(_("Reason for declining"), rows=2, max_length=REASON_MAX)

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["requests"].choices = choices  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial["requests"] = [value for value, _label in choices]


class ReplyForm(forms.Form):
    text = _area(_("Reply to the requester"), rows=3, max_length=REASON_MAX)


class OperatorRequestForm(forms.Form):
    """A call, a messenger conversation or a partner's referral, as the caseworker heard it."""

    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[(c, label) for c, label in Channel.choices if c in OPERATOR_CHANNELS],
    )
    name = forms.CharField(label=_("Name or alias"), required=False, max_length=FIELD_MAX["name"])
    contact = forms.CharField(
        label=_("How to reach them safely"), required=False, max_length=FIELD_MAX["contact"]
    )
    messenger = forms.CharField(
        label=_("Messenger handle"), required=False, max_length=FIELD_MAX["contact"]
    )
    region = forms.CharField(
        label=_("Where they are now"), required=False, max_length=FIELD_MAX["region"]
    )
    message = forms.CharField(
        label=_("What they said"),
        max_length=FIELD_MAX["message"],
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    threat = forms.ChoiceField(
        label=_("Who threatens them"), required=False, choices=[("", "—"), *Threat.choices]
    )
    urgency = forms.ChoiceField(
        label=_("How urgent"), required=False, choices=[("", "—"), *Urgency.choices]
    )
    birth_date = forms.CharField(
        label=_("Date of birth, if they gave it"), required=False, max_length=40
    )
    partner = forms.CharField(
        label=_("Referring partner (for a referral)"), required=False, max_length=300
    )
    with_codename = forms.BooleanField(
        label=_("Give them a codename to check for replies (read it to them once)"),
        required=False,
    )

    def payload(self) -> dict[str, str]:
        data = self.cleaned_data
        fields = ("name", "contact", "messenger", "region", "message", "threat", "urgency")
        payload = {name: data[name] for name in fields if data[name]}
        for extra in ("birth_date", "partner"):
            if data[extra]:
                payload[extra] = data[extra]
        return payload


class WatchFromRequestForm(forms.Form):
    """Put one of a request's own identifiers on the watch list; `choices`: (key, label)."""

    identifier = forms.ChoiceField(label=_("Identifier"), widget=forms.RadioSelect)
    note = _area(_("Why it is on the list"), rows=2, max_length=REASON_MAX)

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["identifier"].choices = choices  # type: ignore[attr-defined]


class WatchEntryForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=WatchKind.choices)
    value = forms.CharField(label=_("Phone, handle, address or name"), max_length=300)
    note = _area(_("Why it is on the list"), rows=2, max_length=REASON_MAX)
