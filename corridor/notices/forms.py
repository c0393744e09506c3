from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from corridor.notices.models import NoticeLanguage


class NoticeAddressForm(forms.Form):
    address = forms.EmailField(
        label=_("E-mail address for notices"),
        max_length=254,
        help_text=_("Best an address that does not carry your name and that only you read."),
    )
    language = forms.ChoiceField(label=_("Language of the notice"), choices=NoticeLanguage.choices)
