"""Forms of the evidence screens: they check shapes; the actions check the rules.

Choices of compartments and records are only those the view passes in (the user's own,
already audited), so nothing outside them can be chosen, whatever is posted.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from corridor.documentation.models import RecipientKind

TEXT_MAX = 5000
RECEIVED_HOW_LABELS = {
    "in_person": _("In person"),
    "secure_upload": _("Secure upload"),
    "messenger": _("Messenger"),
    "email": _("E-mail"),
    "post": _("Post"),
    "partner": _("From a partner organisation"),
}
# The word a lawyer types to export a package without encryption (either language's).
PLAIN_WORD = _("unencrypted")


def _choices(pairs: Iterable[tuple[Any, str]]) -> list[tuple[str, str]]:
    return [(str(record.pk), label) for record, label in pairs]


class ReceiveForm(forms.Form):
    def __init__(
        self,
        *args: Any,
        compartments: list[tuple[int, str]],
        events: Iterable[tuple[Any, str]] = (),
        testimonies: Iterable[tuple[Any, str]] = (),
        limit_mb: int = 0,
        **kwargs: Any,
    ) -> None:
        from corridor.evidence.actions import RECEIVED_HOW

        super().__init__(*args, **kwargs)
        self.fields["compartment"] = forms.TypedChoiceField(
            label=_("Compartment"), choices=compartments, coerce=int
        )
        self.fields["file"] = forms.FileField(
            label=_("File"),
            help_text=_("Kept byte for byte as received, at most %(limit)d MB.")
            % {"limit": limit_mb},
        )
        self.fields["title"] = forms.CharField(label=_("Title"), max_length=TEXT_MAX)
        self.fields["received_from"] = forms.CharField(
            label=_("Received from"), max_length=TEXT_MAX
        )
        self.fields["received_how"] = forms.ChoiceField(
            label=_("Received how"),
            choices=[("", "---------")] + [(h, RECEIVED_HOW_LABELS[h]) for h in RECEIVED_HOW],
        )
        self.fields["received_on"] = forms.DateField(
            label=_("Received on"),
            required=False,
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        )
        self._records = {
            "testimony": {str(r.pk): r for r, _l in testimonies},
            "event": {str(r.pk): r for r, _l in events},
        }
        self.fields["testimony"] = forms.ChoiceField(
            label=_("Testimony it belongs to (its consent governs the file)"),
            required=False,
            choices=[("", "---------")] + _choices(testimonies),
        )
        self.fields["event"] = forms.ChoiceField(
            label=_("Event it supports"),
            required=False,
            choices=[("", "---------")] + _choices(events),
        )
        self.fields["note"] = forms.CharField(
            label=_("Description"),
            required=False,
            max_length=TEXT_MAX,
            widget=forms.Textarea(attrs={"rows": 3}),
        )

    def record(self, name: str) -> Any:
        return self._records[name].get(self.cleaned_data.get(name) or "")


class PackageForm(forms.Form):
    def __init__(self, *args: Any, compartments: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["compartment"] = forms.TypedChoiceField(
            label=_("Compartment"), choices=compartments, coerce=int
        )
        self.fields["recipient_kind"] = forms.ChoiceField(
            label=_("Kind of recipient (decides which consent counts)"),
            choices=[("", "---------"), *RecipientKind.choices],
        )
        self.fields["recipient"] = forms.CharField(label=_("Recipient"), max_length=TEXT_MAX)
        self.fields["language"] = forms.ChoiceField(
            label=_("Language of the package's index"),
            choices=[("en", _("English")), ("ru", _("Russian"))],
        )


class ContentsForm(forms.Form):
    """One group of checkboxes per kind of record; the labels are the view's."""

    KINDS = (
        ("event", _("Events")),
        ("act", _("Acts")),
        ("testimony", _("Testimonies")),
        ("item", _("Files")),
    )

    def __init__(
        self, *args: Any, records: dict[str, list[tuple[Any, str]]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        for kind, label in self.KINDS:
            self.fields[kind] = forms.MultipleChoiceField(
                label=label,
                required=False,
                choices=_choices(records.get(kind, [])),
                widget=forms.CheckboxSelectMultiple,
            )

    def chosen(self) -> list[tuple[str, Any]]:
        import uuid

        return [
            (kind, uuid.UUID(value))
            for kind, _label in self.KINDS
            for value in self.cleaned_data.get(kind) or []
        ]


class AgeExportForm(forms.Form):
    recipients = forms.CharField(
        label=_("The recipient's age public keys, one a line"),
        help_text=_("Each begins with age1. Only the holders of these keys can open the file."),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
    )

    def clean_recipients(self) -> list[str]:
        import pyrage

        keys = [line.strip() for line in self.cleaned_data["recipients"].splitlines()]
        keys = [key for key in keys if key]
        if not keys:
            raise forms.ValidationError(_("Give at least one age public key."))
        for number, key in enumerate(keys, start=1):
            try:
                pyrage.x25519.Recipient.from_str(key)
            except Exception as exc:  # pyrage raises its own error types
                raise forms.ValidationError(
                    _("Line %(number)d is not an age public key (age1… with 59 characters).")
                    % {"number": number}
                ) from exc
        return keys


class PlainExportForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["confirm"] = forms.CharField(
            label=_("Type the word “%(word)s” to export without encryption") % {"word": PLAIN_WORD},
            max_length=100,
        )

    def clean_confirm(self) -> str:
        typed = self.cleaned_data["confirm"].strip().casefold()
        if typed not in {str(PLAIN_WORD).casefold(), "unencrypted"}:
            raise forms.ValidationError(
                _("Type the word “%(word)s” exactly: nothing was exported.") % {"word": PLAIN_WORD}
            )
        return typed
