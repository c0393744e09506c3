"""Role-matrix rows of the relocation app: the registry is shared, a case's papers,
applications and journeys follow the case's compartment (outsiders get 404)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from corridor.relocation.actions import (
    application_create,
    country_create,
    document_create,
    travel_leg_create,
)
from corridor.relocation.models import Application, Country, Document, TravelLeg
from corridor.vault.keyring import keyring_activated
from matrix_support import ALL, Row, World

COUNTRY_MANAGERS = frozenset({"coordinator", "lawyer"})
DOCUMENT_EDITORS = frozenset({"coordinator", "caseworker", "lawyer"})
APPLICATION_EDITORS = frozenset({"coordinator", "caseworker", "lawyer"})
TRAVEL_EDITORS = frozenset({"coordinator", "caseworker"})

HOLDER = "Matrix-Holder-Aunt in Gudermes"
PLACE = "Matrix-Place-Vnukovo"


def build(world: World) -> None:
    """A country, and a document, an application and a journey of the North case."""
    worker = world.staff[("caseworker", True)]
    today = timezone.localdate()
    with keyring_activated(worker.keyring):
        country = country_create(
            actor_id=None,
            code="LT",
            name_en="Lithuania",
            name_ru="Литва",
            pathways={"humanitarian_visa": ""},
        )
        document = document_create(
            actor_id=worker.user.pk,
            case=world.case,
            kind="international_passport",
            status="held_by_relative",
            holder_note=HOLDER,
        )
        application = application_create(
            actor_id=worker.user.pk,
            case=world.case,
            country=country,
            pathway="humanitarian_visa",
            submitted_on=today,
        )
        leg = travel_leg_create(
            actor_id=worker.user.pk, case=world.case, kind="departure", to_place=PLACE
        )
    world.extras["relocation"] = {
        "country": country,
        "document": document,
        "application": application,
        "leg": leg,
    }


def _x(world: World, name: str) -> Any:
    return world.extras["relocation"][name]


def _case(world: World) -> dict[str, Any]:
    return {"case_id": world.case.pk}


def _case_page(world: World) -> str:
    return rf"/cases/{world.case.pk}/"


def _today() -> str:
    return timezone.localdate().isoformat()


ROWS: list[Row] = [
    # The board shows counts of the user's own compartments only, never a name
    Row("relocation:board", "GET", ALL),
    Row("relocation:countries", "GET", ALL),  # shared reference data: outsiders see it too
    Row("relocation:country_new", "GET", COUNTRY_MANAGERS),
    Row(
        "relocation:country_new",
        "POST",
        COUNTRY_MANAGERS,
        status=302,
        data=lambda w: {"code": "QZ", "name_en": "Matrixland", "name_ru": "Матрица"},
        location=lambda w: r"/relocation/countries/",
        effect=lambda w, s: Country.objects.filter(code="QZ").exists(),
    ),
    Row(
        "relocation:country_edit",
        "GET",
        COUNTRY_MANAGERS,
        kwargs=lambda w: {"country_id": _x(w, "country").pk},
    ),
    Row(
        "relocation:country_edit",
        "POST",
        COUNTRY_MANAGERS,
        status=302,
        kwargs=lambda w: {"country_id": _x(w, "country").pk},
        data=lambda w: {"code": "LT", "name_en": "Lithuania", "name_ru": "Литва", "notes": "m"},
        location=lambda w: r"/relocation/countries/",
        effect=lambda w, s: Country.objects.get(code="LT").notes == "m",
    ),
    # A case's papers
    Row(
        "relocation:document_new",
        "GET",
        DOCUMENT_EDITORS,
        outsider_status=404,
        kwargs=_case,
    ),
    Row(
        "relocation:document_new",
        "POST",
        DOCUMENT_EDITORS,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=_case,
        data=lambda w: {"kind": "birth_certificate", "status": "needed"},
        location=_case_page,
        effect=lambda w, s: Document.objects.filter(case=w.case, kind="birth_certificate").exists(),
    ),
    Row(
        "relocation:document_edit",
        "GET",
        DOCUMENT_EDITORS,
        outsider_status=404,
        kwargs=lambda w: {**_case(w), "document_id": _x(w, "document").pk},
        shows=lambda w: HOLDER,
    ),
    Row(
        "relocation:document_edit",
        "POST",
        DOCUMENT_EDITORS,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=lambda w: {**_case(w), "document_id": _x(w, "document").pk},
        data=lambda w: {"kind": "international_passport", "status": "lost"},
        location=_case_page,
        effect=lambda w, s: Document.objects.get(pk=_x(w, "document").pk).status == "lost",
    ),
    # Applications
    Row(
        "relocation:application_new",
        "GET",
        APPLICATION_EDITORS,
        outsider_status=404,
        kwargs=_case,
    ),
    Row(
        "relocation:application_new",
        "POST",
        APPLICATION_EDITORS,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=_case,
        data=lambda w: {
            "country": _x(w, "country").pk,
            "pathway": "resettlement",
            "submitted_on": _today(),
            "outcome": "pending",
        },
        location=_case_page,
        effect=lambda w, s: Application.objects.filter(
            case=w.case, pathway="resettlement"
        ).exists(),
    ),
    Row(
        "relocation:application_edit",
        "GET",
        APPLICATION_EDITORS,
        outsider_status=404,
        kwargs=lambda w: {**_case(w), "application_id": _x(w, "application").pk},
    ),
    Row(
        "relocation:application_edit",
        "POST",
        APPLICATION_EDITORS,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=lambda w: {**_case(w), "application_id": _x(w, "application").pk},
        data=lambda w: {
            "country": _x(w, "country").pk,
            "pathway": "humanitarian_visa",
            "submitted_on": _today(),
            "outcome": "withdrawn",
        },
        location=_case_page,
        effect=lambda w, s: (
            Application.objects.get(pk=_x(w, "application").pk).outcome == "withdrawn"
        ),
    ),
    # Journeys
    Row("relocation:travel_new", "GET", TRAVEL_EDITORS, outsider_status=404, kwargs=_case),
    Row(
        "relocation:travel_new",
        "POST",
        TRAVEL_EDITORS,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=_case,
        data=lambda w: {"kind": "domestic", "planned_on": _today(), "outcome": "planned"},
        location=_case_page,
        effect=lambda w, s: TravelLeg.objects.filter(case=w.case, kind="domestic").exists(),
    ),
    Row(
        "relocation:travel_edit",
        "GET",
        TRAVEL_EDITORS,
        outsider_status=404,
        kwargs=lambda w: {**_case(w), "leg_id": _x(w, "leg").pk},
        shows=lambda w: PLACE,
    ),
    Row(
        "relocation:travel_edit",
        "POST",
        TRAVEL_EDITORS,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=lambda w: {**_case(w), "leg_id": _x(w, "leg").pk},
        data=lambda w: {"kind": "domestic", "outcome": "planned"},
        location=_case_page,
        effect=lambda w, s: TravelLeg.objects.get(pk=_x(w, "leg").pk).kind == "domestic",
    ),
]
