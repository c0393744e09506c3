"""The registry of destination countries and their pathways."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client

from conftest import Org, login
from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.relocation.actions import country_create, country_update
from corridor.relocation.countries import SEED_COUNTRIES, countries_seed
from corridor.relocation.models import Country, CountryPathway
from corridor.relocation.tests.conftest import audit_count

pytestmark = pytest.mark.django_db


def test_it_seeds_the_2017_destinations_once(org: Org) -> None:
    added = countries_seed()
    assert added[0].code == "LT" and added[0].name_ru == "Литва"
    assert {"DE", "FR", "CA", "NL", "SE", "NO", "FI", "LV", "EE", "PL", "CZ", "BE", "ES"} <= {
        country.code for country in added
    }
    assert {"GB", "US", "IL"} <= set(Country.objects.values_list("code", flat=True))
    assert all(country.name_en and country.name_ru for country in added)
    assert CountryPathway.objects.filter(country__code="CA", pathway="resettlement").exists()
    # A second run adds nothing and keeps what the team edited
    Country.objects.filter(code="DE").update(notes="edited")
    assert countries_seed() == []
    out = io.StringIO()
    call_command("countries_seed", stdout=out)
    assert out.getvalue().strip() == "0 countries added"
    assert Country.objects.count() == len(SEED_COUNTRIES)
    assert Country.objects.get(code="DE").notes == "edited"


def test_it_adds_and_replaces_pathways_and_audits_it(org: Org) -> None:
    country = country_create(
        actor_id=org.admin.user.pk,
        code="lt",
        name_en="Lithuania",
        name_ru="Литва",
        pathways={"humanitarian_visa": "embassy in Moscow", "asylum_on_arrival": ""},
    )
    assert country.code == "LT"
    country_update(
        actor_id=org.admin.user.pk,
        country=country,
        code="LT",
        name_en="Lithuania",
        name_ru="Литва",
        notes="first visas 17 May 2017",
        pathways={"national_visa": "Schengen"},
    )
    assert list(country.pathways.values_list("pathway", "notes")) == [("national_visa", "Schengen")]
    assert AuditEntry.objects.filter(action="country.update", object_id=str(country.pk)).exists()


@pytest.mark.parametrize(
    "bad",
    [
        {"code": "DEU"},
        {"code": "D1"},
        {"code": "FR"},  # taken
        {"name_ru": " "},
        {"pathways": {"tourist_visa": ""}},
    ],
)
def test_it_refuses_a_bad_country_and_changes_nothing(org: Org, bad: dict[str, object]) -> None:
    country_create(actor_id=None, code="FR", name_en="France", name_ru="Франция")
    germany = country_create(actor_id=None, code="DE", name_en="Germany", name_ru="Германия")
    entries = audit_count()
    values: dict[str, object] = {"code": "PL", "name_en": "Poland", "name_ru": "Польша"}
    values.update(bad)
    with pytest.raises(ValidationError):
        country_create(actor_id=None, **values)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        country_update(
            actor_id=org.admin.user.pk,
            country=germany,
            **{"notes": "", "pathways": {}, **values},  # type: ignore[arg-type]
        )
    assert Country.objects.count() == 2
    assert Country.objects.get(pk=germany.pk).name_en == "Germany"
    assert audit_count() == entries


def test_it_lists_adds_and_edits_countries_on_screen(org: Org) -> None:
    lawyer = org.staff("lawyer", Role.LAWYER)
    client = login(Client(), lawyer)
    response = client.post(
        "/relocation/countries/new/",
        {
            "code": "LT",
            "name_en": "Lithuania",
            "name_ru": "Литва",
            "pathway_humanitarian_visa": "on",
            "pathway_humanitarian_visa_notes": "embassy in Moscow",
        },
    )
    assert response.status_code == 302
    lithuania = Country.objects.get(code="LT")
    assert list(lithuania.pathways.values_list("pathway", flat=True)) == ["humanitarian_visa"]
    page = client.get("/relocation/countries/").content.decode()
    assert "Литва" in page and "embassy in Moscow" in page
    response = client.post(
        f"/relocation/countries/{lithuania.pk}/",
        {"code": "LTU", "name_en": "Lithuania", "name_ru": "Литва"},
    )
    assert response.status_code == 200  # refused: shown again
    assert Country.objects.get(pk=lithuania.pk).pathways.count() == 1
