from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from corridor.accounts.models import User
from corridor.accounts.roles import Role

username_validator = RegexValidator(
    r"^[A-Za-z0-9_.-]{3,64}$",
    _("Use 3 to 64 Latin letters, digits, dots, dashes or underscores."),
)


class LoginForm(forms.Form):
    # autocomplete: password managers fill the right fields (WCAG 1.3.5, decision 0027)
    username = forms.CharField(
        label=_("Username"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    passphrase = forms.CharField(
        label=_("Passphrase"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        max_length=1024,
    )


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ReauthForm(LoginForm, TokenForm):
    username = None  # type: ignore[assignment]


class NewPassphraseForm(forms.Form):
    passphrase = forms.CharField(
        label=_("New passphrase (at least 14 characters)"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        max_length=1024,
    )
    passphrase2 = forms.CharField(
        label=_("Repeat the passphrase"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        max_length=1024,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("passphrase") and data.get("passphrase") != data.get("passphrase2"):
            raise ValidationError(_("The two passphrases differ."))
        if data.get("passphrase"):
            validate_password(data["passphrase"], User(username=data.get("username", "")))
        return data


class DuressForm(NewPassphraseForm):
    """A second passphrase for the day someone forces the login (decision 0026)."""

    passphrase = forms.CharField(
        label=_("Duress passphrase (at least 14 characters)"),
        widget=forms.PasswordInput,
        max_length=1024,
    )


class InviteAcceptForm(NewPassphraseForm):
    username = forms.CharField(
        label=_("Choose a username"), validators=[username_validator], max_length=64
    )
    field_order = ["username", "passphrase", "passphrase2"]

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(_("This username is taken."))
        return username


class RecoverForm(NewPassphraseForm, TokenForm):
    username = forms.CharField(label=_("Username"), max_length=64)
    recovery_code = forms.CharField(label=_("Recovery code from your kit"), max_length=64)
    field_order = ["username", "recovery_code", "token", "passphrase", "passphrase2"]


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class InviteForm(RoleForm):
    pass


class DeactivateForm(forms.Form):
    """Deactivation is typed, not clicked: the administrator types the colleague's username,
    so a stray click, a wrong row or a forged form shuts nobody out (T3)."""

    username = forms.CharField(
        label=_("Type their username to confirm"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )

    def __init__(self, *args: Any, member: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.member = member

    def clean_username(self) -> str:
        typed: str = self.cleaned_data["username"].strip()
        if typed.casefold() != self.member.username.casefold():
            raise ValidationError(
                _("This is not the username of the colleague shown. Nothing was changed.")
            )
        return typed


class CompartmentForm(forms.Form):
    """A new compartment and the people who hold its key from the start (decision 0012).

    The creating administrator joins only by ticking the box: a member reads every case.
    """

    name = forms.CharField(label=pgettext_lazy("compartment", "Title"), max_length=120)
    members = forms.ModelMultipleChoiceField(
        label=_("First members"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    join = forms.BooleanField(
        label=_("I join it too: I will read its cases and may grant it to others"),
        required=False,
    )

    def __init__(self, *args: Any, users: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = self.fields["members"]
        members.queryset = users if users is not None else User.objects.none()  # type: ignore[attr-defined]
        members.label_from_instance = lambda user: f"{user.username} · {user.get_role_display()}"  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "members" in data and not data["members"] and not data.get("join"):
            raise ValidationError(
                _(
                    "Choose at least one first member, or join it yourself: a compartment "
                    "nobody holds opens only with the trustees' recovery shares."
                )
            )
        return data


class MemberForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Staff member"), queryset=User.objects.none())

    def __init__(self, *args: Any, users: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users if users is not None else User.objects.none()  # type: ignore[attr-defined]


AGE_RECIPIENT_INVALID = _(
    "This is not an age public key. It starts with age1 and has 62 characters, "
    "as age-keygen writes it."
)


def age_recipient_clean(text: str) -> str:
    """`text` as an age X25519 recipient (`age1...`, checked by pyrage), "" for empty, or
    ValidationError with a message people can act on."""
    import pyrage

    text = text.strip()
    if not text:
        return ""
    try:
        pyrage.x25519.Recipient.from_str(text)
    except Exception as exc:  # pyrage raises its own RecipientError
        raise ValidationError(AGE_RECIPIENT_INVALID) from exc
    if not text.startswith("age1") or len(text) != 62:
        raise ValidationError(AGE_RECIPIENT_INVALID)
    return text


class AgeRecipientForm(forms.Form):
    """The user's own age recipient (`age1...`), for exports encrypted to them (decision 0037).
    Empty removes it."""

    age_recipient = forms.CharField(
        label=_("Your age public key (age1...)"),
        help_text=_(
            "Make a key pair on your own computer with age-keygen -o my-key.txt and paste the "
            "line that starts with age1 (the public key). Keep my-key.txt to yourself: it opens "
            "what is encrypted to you. Leave empty to remove the key."
        ),
        required=False,
        max_length=100,
    )

    def clean_age_recipient(self) -> str:
        return age_recipient_clean(self.cleaned_data["age_recipient"])
