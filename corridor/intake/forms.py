"""The public forms. Plain HTML fields: they work with JavaScript off and on any phone."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from corridor.intake.payload import FIELD_MAX, Threat, Urgency, text_check

# Typed text must not go to a browser's cloud spell checker (T8).
_PRIVATE = {"spellcheck": "false", "autocomplete": "off", "autocapitalize": "off"}
HONEYPOT = "website"


def _text_valid(value: str) -> None:
    text_check(value, max_length=100_000)


def _private_line(label: Any, help_text: Any, field: str) -> forms.CharField:
    """An optional line of the request (`field` of FIELD_MAX), kept from spell checkers."""
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=FIELD_MAX[field],
        required=False,
        validators=[_text_valid],
        widget=forms.TextInput(attrs=_PRIVATE),
    )


def _message_box(label: Any, rows: int) -> forms.CharField:
    """The required message of a request or a follow-up."""
    return forms.CharField(
        label=label,
        max_length=FIELD_MAX["message"],
        validators=[_text_valid],
        error_messages={"required": _("Please write your message.")},
        widget=forms.Textarea(attrs={**_PRIVATE, "rows": rows}),
    )


class RequestForm(forms.Form):
    name = _private_line(
        _("Your name"),
        _("Any name or nickname: it does not have to be your real one."),
        "name",
    )
    contact = _private_line(
        _("How can we reach you safely?"),
        _("A phone number, a messenger username or an e-mail address that only you read."),
        "contact",
    )
    region = _private_line(_("Where are you now?"), _("A region or city is enough."), "region")
    threat = forms.ChoiceField(
        label=_("Who threatens you?"),
        choices=[("", "—"), *Threat.choices],
        required=False,
    )
    urgency = forms.ChoiceField(
        label=_("How urgent is it?"),
        choices=[("", "—"), *Urgency.choices],
        required=False,
    )
    message = _message_box(_("What happened, and what do you need?"), rows=8)
    # A field people do not see (hidden by a CSS class) and scripts fill in.
    website = forms.CharField(
        label=_("Leave this field empty"), required=False, widget=forms.TextInput(attrs={
            "tabindex": "-1", "autocomplete": "off"
        })
    )  # fmt: skip

    def clean_website(self) -> str:
        if self.cleaned_data.get(HONEYPOT):
            raise ValidationError(
                _("This form could not be sent: the last field must stay empty."), code="honeypot"
            )
        return ""

    def payload(self, language: str) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "contact": data["contact"],
            "region": data["region"],
            "threat": data["threat"],
            "urgency": data["urgency"],
            "message": data["message"],
            "language": language,
        }


class CodenameForm(forms.Form):
    codename = forms.CharField(
        label=_("Your codename"),
        max_length=400,
        validators=[_text_valid],
        error_messages={"required": _("Type your codename.")},
        widget=forms.TextInput(attrs={**_PRIVATE, "class": "codename"}),
    )


class FollowUpForm(CodenameForm):
    message = _message_box(_("Write to us"), rows=6)
