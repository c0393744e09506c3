"""The administrator's lockdown page: fresh re-authentication and the typed organisation name."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from corridor.accounts.actions import session_end
from corridor.accounts.decorators import require_permission, require_reauth, staff_user
from corridor.emergency.actions import organisation_lockdown
from corridor.vault.models import Organisation


class LockdownForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Organisation name"), max_length=120)

    def __init__(self, *args: object, organisation: Organisation, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.organisation = organisation

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"]
        if name.strip() != self.organisation.name:
            raise forms.ValidationError(_("Type the organisation's name exactly as shown."))
        return name


@require_http_methods(["GET", "POST"])
@require_permission("emergency.lockdown")
@require_reauth
def lockdown(request: HttpRequest) -> HttpResponse:
    organisation = Organisation.objects.get()
    form = LockdownForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        organisation_lockdown(actor_id=staff_user(request).pk)
        # This session's row went with the others: end it here too, so the session
        # middleware does not try to save a row that no longer exists.
        session_end(request)
        return redirect("accounts:login")
    return render(request, "emergency/lockdown.html", {"form": form, "organisation": organisation})
