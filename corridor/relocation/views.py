"""Relocation screens. Thin: access through the case's door, writes through actions.

Forms for a case's papers, applications and journeys are shown in the case page's panel
(`panels.case_panel`) and post here; a refused input is shown again on its own page with
the message, and nothing is written.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from corridor.accounts.decorators import require_permission, staff_user
from corridor.audit.log import audit_record_many
from corridor.cases.access import case_for_user, member_compartment_ids
from corridor.cases.models import Case, Stage
from corridor.relocation import actions
from corridor.relocation.access import case_record_for_user
from corridor.relocation.board import board_compute, refusals_recent
from corridor.relocation.forms import ApplicationForm, CountryForm, DocumentForm, TravelLegForm
from corridor.relocation.models import Application, Country, Document, TravelLeg
from corridor.relocation.panels import risk_documents

GET_POST = require_http_methods(["GET", "POST"])


# --- the country board and the registry --------------------------------------------------


@require_http_methods(["GET"])
@require_permission("country.view")
def board(request: HttpRequest) -> HttpResponse:
    """Waits per destination country and stage, counted over the user's compartments only."""
    user = staff_user(request)
    compartment_ids = member_compartment_ids(user.pk)
    rows = board_compute(compartment_ids=compartment_ids, now=timezone.now())
    refusals: dict[int, list[Any]] = {}
    if user.may("case.person"):  # a refusal reason can be about the person (decision 0032)
        refusals = refusals_recent(compartment_ids)
        with transaction.atomic():
            audit_record_many(
                actor_id=user.pk,
                action="application.list",
                object_type="application",
                object_ids=[str(a.pk) for found in refusals.values() for a in found],
            )
    shown = [row for row in rows if row.cases or row.applications]
    return render(
        request,
        "relocation/board.html",
        {
            "rows": [(row, refusals.get(row.country.pk, [])) for row in shown],
            "quiet": [row.country for row in rows if not (row.cases or row.applications)],
        },
    )


@require_http_methods(["GET"])
@require_permission("country.view")
def country_list(request: HttpRequest) -> HttpResponse:
    countries = Country.objects.prefetch_related("pathways").order_by("code")
    return render(
        request,
        "relocation/countries.html",
        {
            "countries": sorted(countries, key=lambda c: c.name),
            "may_manage": staff_user(request).may("country.manage"),
        },
    )


def _country_page(request: HttpRequest, form: CountryForm, title: str) -> HttpResponse:
    return render(request, "relocation/country_form.html", {"form": form, "title": title})


@GET_POST
@require_permission("country.manage")
def country_new(request: HttpRequest) -> HttpResponse:
    form = CountryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.country_create(
                actor_id=staff_user(request).pk,
                code=data["code"],
                name_en=data["name_en"],
                name_ru=data["name_ru"],
                notes=data["notes"],
                pathways=form.pathways(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The country was added."))
            return redirect("relocation:countries")
    return _country_page(request, form, _("New destination country"))


@GET_POST
@require_permission("country.manage")
def country_edit(request: HttpRequest, country_id: int) -> HttpResponse:
    country = get_object_or_404(Country, pk=country_id)
    form = CountryForm(request.POST or None, initial=CountryForm.initial_for(country))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.country_update(
                actor_id=staff_user(request).pk,
                country=country,
                code=data["code"],
                name_en=data["name_en"],
                name_ru=data["name_ru"],
                notes=data["notes"],
                pathways=form.pathways(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The country was saved."))
            return redirect("relocation:countries")
    return _country_page(request, form, country.name)


# --- a case's papers, applications and journeys --------------------------------------------


def _record_page(
    request: HttpRequest, case: Case, form: Form, *, title: str, travel: bool = False
) -> HttpResponse:
    return render(
        request,
        "relocation/record_form.html",
        {
            "case": case,
            "form": form,
            "title": title,
            # Departure planning shows the filings that stop people at airports.
            "risks": risk_documents(case) if travel else [],
        },
    )


def _saved(request: HttpRequest, case: Case, saved: object = None) -> HttpResponse:
    """Back to the case, saying so if the record moved it along the pipeline (or why the
    move it implies was refused)."""
    stage = Case.objects.values_list("stage", flat=True).get(pk=case.pk)
    messages.success(request, _("Saved."))
    refused = getattr(saved, "move_refused", "")
    if refused:
        messages.warning(request, refused)
    if stage != case.stage:
        messages.info(
            request, _("The case moved to the stage: %(stage)s.") % {"stage": Stage(stage).label}
        )
    return redirect("cases:detail", case_id=case.pk)


def _record_form(
    request: HttpRequest,
    case: Case,
    form: Form,
    save: Callable[[dict[str, Any]], object],
    *,
    title: str,
    travel: bool = False,
) -> HttpResponse:
    """On a valid POST, `save` the form's data through its action and go back to the case;
    otherwise (or if the action refuses it) show the form again with the message."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _saved(request, case, saved)
    return _record_page(request, case, form, title=title, travel=travel)


@GET_POST
@require_permission("document.edit")
def document_new(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case = case_for_user(request, case_id, permission="document.edit")
    actor_id = staff_user(request).pk
    return _record_form(
        request,
        case,
        DocumentForm(request.POST or None),
        lambda data: actions.document_create(actor_id=actor_id, case=case, **data),
        title=_("Add a document"),
    )


@GET_POST
@require_permission("document.edit")
def document_edit(request: HttpRequest, case_id: uuid.UUID, document_id: uuid.UUID) -> HttpResponse:
    case, document = case_record_for_user(
        request, Document, case_id, document_id, permission="document.edit"
    )
    actor_id = staff_user(request).pk
    return _record_form(
        request,
        case,
        DocumentForm(request.POST or None, initial=DocumentForm.initial_for(document)),
        lambda data: actions.document_update(actor_id=actor_id, document=document, **data),
        title=_("Document"),
    )


@GET_POST
@require_permission("application.edit")
def application_new(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case = case_for_user(request, case_id, permission="application.edit")
    actor_id = staff_user(request).pk
    return _record_form(
        request,
        case,
        ApplicationForm(request.POST or None),
        lambda data: actions.application_create(actor_id=actor_id, case=case, **data),
        title=_("Add an application"),
    )


@GET_POST
@require_permission("application.edit")
def application_edit(
    request: HttpRequest, case_id: uuid.UUID, application_id: uuid.UUID
) -> HttpResponse:
    case, application = case_record_for_user(
        request, Application, case_id, application_id, permission="application.edit"
    )
    actor_id = staff_user(request).pk
    return _record_form(
        request,
        case,
        ApplicationForm(request.POST or None, initial=ApplicationForm.initial_for(application)),
        lambda data: actions.application_update(actor_id=actor_id, application=application, **data),
        title=_("Application"),
    )


@GET_POST
@require_permission("travel.edit")
def travel_new(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    case = case_for_user(request, case_id, permission="travel.edit")
    actor_id = staff_user(request).pk
    return _record_form(
        request,
        case,
        TravelLegForm(request.POST or None),
        lambda data: actions.travel_leg_create(actor_id=actor_id, case=case, **data),
        title=_("Add a journey"),
        travel=True,
    )


@GET_POST
@require_permission("travel.edit")
def travel_edit(request: HttpRequest, case_id: uuid.UUID, leg_id: uuid.UUID) -> HttpResponse:
    case, leg = case_record_for_user(request, TravelLeg, case_id, leg_id, permission="travel.edit")
    actor_id = staff_user(request).pk
    return _record_form(
        request,
        case,
        TravelLegForm(request.POST or None, initial=TravelLegForm.initial_for(leg)),
        lambda data: actions.travel_leg_update(actor_id=actor_id, leg=leg, **data),
        title=_("Journey"),
        travel=True,
    )
