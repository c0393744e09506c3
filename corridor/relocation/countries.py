"""A starting list of destination countries, for a new organisation and for the demo.

Not loaded by a migration: the registry is the organisation's own working knowledge, which it
edits, and a migration would bring back countries it deleted on every fresh install
(docs/decisions/0008-relocation.md). Call `countries_seed()` or `manage.py countries_seed`.
The notes are public policy as the 2017 evacuation met it, to be kept up to date by the team.
"""

from __future__ import annotations

from corridor.relocation.actions import country_create
from corridor.relocation.models import Country, Pathway

HUM, NAT, RES, ASY, OTH = (
    Pathway.HUMANITARIAN_VISA,
    Pathway.NATIONAL_VISA,
    Pathway.RESETTLEMENT,
    Pathway.ASYLUM_ON_ARRIVAL,
    Pathway.OTHER,
)

# (code, English name, Russian name, notes, {pathway: notes}); Lithuania first, as in 2017.
SEED_COUNTRIES: list[tuple[str, str, str, str, dict[str, str]]] = [
    (
        "LT",
        "Lithuania",
        "Литва",
        "First country to grant visas to people evacuated from Chechnya (two, 17 May 2017).",
        {
            HUM: "National humanitarian visa issued by the embassy in Moscow.",
            ASY: "Asylum claim after arrival.",
        },
    ),
    (
        "DE",
        "Germany",
        "Германия",
        "Admission on humanitarian grounds is rare and slow; most arrive to claim asylum.",
        {HUM: "Admission from abroad for urgent humanitarian reasons (case by case).", ASY: ""},
    ),
    (
        "FR",
        "France",
        "Франция",
        "Visa for the purpose of asylum through the embassy in Moscow.",
        {NAT: "Long-stay visa 'au titre de l'asile'.", ASY: ""},
    ),
    (
        "CA",
        "Canada",
        "Канада",
        "Received people through private and government-assisted resettlement in 2017.",
        {
            RES: "Referral by a partner organisation; interview and medical checks.",
            OTH: "Temporary resident permit in urgent cases.",
        },
    ),
    ("NL", "Netherlands", "Нидерланды", "", {ASY: "", NAT: "Schengen visa, then asylum claim."}),
    ("SE", "Sweden", "Швеция", "", {ASY: "", NAT: "Schengen visa, then asylum claim."}),
    ("NO", "Norway", "Норвегия", "", {ASY: "", RES: "UNHCR referral only."}),
    ("FI", "Finland", "Финляндия", "", {ASY: "", NAT: "Schengen visa, then asylum claim."}),
    ("LV", "Latvia", "Латвия", "", {NAT: "Schengen visa through the embassy in Moscow.", ASY: ""}),
    (
        "EE",
        "Estonia",
        "Эстония",
        "",
        {NAT: "Schengen visa through the embassy in Moscow.", ASY: ""},
    ),
    ("PL", "Poland", "Польша", "", {HUM: "National humanitarian visa (case by case).", ASY: ""}),
    ("CZ", "Czechia", "Чехия", "", {NAT: "", ASY: ""}),
    (
        "BE",
        "Belgium",
        "Бельгия",
        "",
        {HUM: "Humanitarian visa decided by the immigration office.", ASY: ""},
    ),
    ("ES", "Spain", "Испания", "", {ASY: "", NAT: ""}),
    (
        "GB",
        "United Kingdom",
        "Великобритания",
        "No visa for the purpose of asylum: claims only on arrival.",
        {ASY: ""},
    ),
    (
        "US",
        "United States",
        "США",
        "",
        {RES: "Refugee admissions need a referral; long security checks.", ASY: ""},
    ),
    ("IL", "Israel", "Израиль", "", {OTH: "Only for people eligible under the Law of Return."}),
    ("DK", "Denmark", "Дания", "", {ASY: ""}),
    ("AT", "Austria", "Австрия", "", {ASY: ""}),
    (
        "CH",
        "Switzerland",
        "Швейцария",
        "",
        {HUM: "Humanitarian visa for a direct and serious threat.", ASY: ""},
    ),
    ("IE", "Ireland", "Ирландия", "", {ASY: ""}),
    ("PT", "Portugal", "Португалия", "", {ASY: ""}),
]


def countries_seed(*, actor_id: int | None = None) -> list[Country]:
    """Add the seed countries that are not in the registry yet; returns the ones added.

    Idempotent: a country whose code exists is left as the team edited it.
    """
    present = set(Country.objects.values_list("code", flat=True))
    added = []
    for code, name_en, name_ru, notes, pathways in SEED_COUNTRIES:
        if code in present:
            continue
        added.append(
            country_create(
                actor_id=actor_id,
                code=code,
                name_en=name_en,
                name_ru=name_ru,
                notes=notes,
                pathways={str(key): value for key, value in pathways.items()},
            )
        )
    return added
