"""The administrator's lockdown page (fresh re-authentication and the typed organisation
name), and the alerts of duress logins for administrators and coordinators (decision 0026)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from corridor.accounts.actions import session_end
from corridor.accounts.decorators import require_permission, require_reauth, staff_user
from corridor.audit.log import audit_record_many
from corridor.emergency.actions import (
    duress_alert_resolve,
    duress_alerts_visible,
    organisation_lockdown,
)
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


@require_http_methods(["GET"])
@require_permission("emergency.alerts")
def alerts(request: HttpRequest) -> HttpResponse:
    """Colleagues who logged in with their duress passphrase: open ones first."""
    viewer = staff_user(request)
    rows = list(
        duress_alerts_visible(viewer)
        .select_related("user", "resolved_by")
        .prefetch_related("compartments")
        .order_by("resolved_at", "-raised_at")[:100]
    )
    if rows:
        with transaction.atomic():
            audit_record_many(
                actor_id=viewer.pk,
                action="emergency.duress_read",
                object_type="duress_alert",
                object_ids=[str(row.pk) for row in rows],
            )
    return render(request, "emergency/alerts.html", {"rows": rows})


@require_POST
@require_permission("emergency.alerts")
def alert_resolve(request: HttpRequest, alert_id: int) -> HttpResponse:
    viewer = staff_user(request)
    alert = duress_alerts_visible(viewer).filter(pk=alert_id).first()
    if alert is None:
        raise Http404
    duress_alert_resolve(actor=viewer, alert=alert)
    messages.success(request, _("Alert resolved."))
    return redirect("emergency:alerts")
