"""The demo's case history, modelled on the 2017 evacuation (shared/design/domain.md).

About 170 requests over eight months, built only through the apps' own actions with explicit
past times, so every figure on the screens (time in stage, the country board, the shelter
board, alerts) comes from the same code paths real work uses. Each request follows a planned
route (vetting, evacuation, a shelter, papers, applications to destination countries with
their own waits and refusal rates, departure, arrival, close); the route is cut at "now", so
the cases still open are those whose next step lies in the future, as in a real desk.

Names are invented from common Chechen and Russian names, written in Cyrillic or in one of
several Latin spellings, so cross-script search has something to find.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

import iuliia
from django.core.exceptions import ValidationError
from django.utils import timezone

from corridor.accounts.models import User
from corridor.cases.actions import case_create, case_move_to_stage, expense_add
from corridor.cases.models import Case
from corridor.relocation.actions import (
    application_create,
    application_decide,
    document_create,
    travel_leg_create,
)
from corridor.relocation.countries import countries_seed
from corridor.relocation.models import Country
from corridor.shelters.actions import (
    placement_create,
    placement_end,
    placement_request_create,
    placement_request_decide,
    placement_request_withdraw,
    shelter_create,
)
from corridor.shelters.models import Placement, PlacementRequest, Shelter
from corridor.shelters.occupancy import shelter_capacity_left
from corridor.tasks.actions import checkin_record, checkin_schedule_create, duty_set, task_create
from corridor.tasks.worker import work_once
from corridor.vault.models import Compartment

REQUESTS = 170
HISTORY_DAYS = 300

FIRST_NAMES = ["Магомед", "Ислам", "Хусейн", "Адам", "Рамзан", "Муса", "Ахмед", "Зелимхан"]
FIRST_NAMES += ["Лечи", "Руслан", "Тимур", "Беслан", "Аслан", "Ибрагим", "Умар", "Хасан"]
SURNAMES = ["Магомадов", "Идрисов", "Исаев", "Хасанов", "Умаров", "Алиев", "Дудаев", "Вахаев"]
SURNAMES += ["Мусаев", "Эльмурзаев", "Бисултанов", "Гайрбеков", "Шамилев", "Ибрагимов"]
PLACES = ["Грозный", "Гудермес", "Урус-Мартан", "Аргун", "Шали", "Назрань", "Махачкала"]
LATIN_SCHEMES = [iuliia.WIKIPEDIA, iuliia.ICAO_DOC_9303, iuliia.TELEGRAM, iuliia.MOSMETRO]

# Destination: (ISO code, weight, days from submission to decision, chance of refusal).
DESTINATIONS = [
    ("LT", 5, 20, 0.05),  # the first to grant visas, in May 2017
    ("DE", 6, 45, 0.15),
    ("FR", 4, 60, 0.20),
    ("CA", 4, 90, 0.10),
    ("NL", 3, 50, 0.25),
    ("LV", 2, 35, 0.60),
    ("PL", 2, 40, 0.70),
]
# The network's 2017 spending per person, by category (shares of about 4,500 euros).
SPENDING = [
    ("social_work", 830),
    ("travel_domestic", 650),
    ("visa_departure", 595),
    ("housing", 485),
    ("food", 485),
    ("medical", 415),
    ("documents", 180),
]


@dataclass
class DemoPipelineSummary:
    requests: int = 0
    evacuated: int = 0
    abroad: int = 0
    refusals: int = 0
    failed_travel: int = 0
    placements: int = 0
    alerts: int = 0
    stages: dict[str, int] = field(default_factory=dict)


@dataclass
class _Desk:
    """Who does what in the demo, and the shared objects their work touches."""

    rng: random.Random
    now: datetime
    north: Compartment
    shelter: Shelter
    coordinator: User
    caseworker: User
    lawyer: User
    countries: dict[str, Country]
    summary: DemoPipelineSummary


def _person(rng: random.Random) -> tuple[str, list[str]]:
    """A name in Cyrillic or one Latin spelling, with the other forms as aliases."""
    cyrillic = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
    latin = rng.choice(LATIN_SCHEMES).translate(cyrillic)
    if rng.random() < 0.4:
        return latin, [cyrillic]
    return cyrillic, [latin] if rng.random() < 0.5 else []


def _phone(rng: random.Random) -> str:
    number = f"928{rng.randrange(10**7):07d}"
    return rng.choice([f"+7 {number}", f"8 ({number[:3]}) {number[3:6]}-{number[6:]}"])


class _Route:
    """One case walking its planned route; `step` refuses to act past "now"."""

    def __init__(self, desk: _Desk, case: Case, at: datetime) -> None:
        self.desk, self.case, self.at = desk, case, at

    def later(self, low: float, high: float) -> datetime | None:
        at = self.at + timedelta(days=self.desk.rng.uniform(low, high))
        return at if at < self.desk.now else None

    def move(self, stage: str, at: datetime, *, reason: str = "", outcome: str = "") -> None:
        actor = self.desk.coordinator if stage in {"accepted", "declined", "closed"} else None
        case_move_to_stage(
            actor_id=(actor or self.desk.caseworker).pk,
            case=self.case,
            to_stage=stage,
            reason=reason,
            outcome=outcome,
            at=at,
        )
        self.case.refresh_from_db()
        self.at = at


def _expenses(desk: _Desk, case: Case, since: datetime) -> None:
    for category, euros in SPENDING:
        spent = since + timedelta(days=desk.rng.uniform(0, 10))
        if spent >= desk.now:
            continue
        amount = Decimal(round(euros * desk.rng.uniform(0.6, 1.4)))
        expense_add(
            actor_id=desk.caseworker.pk,
            case=case,
            category=category,
            amount=amount,
            currency="EUR",
            spent_on=timezone.localdate(spent),
        )


def _shelter(desk: _Desk, route: _Route) -> Placement | None:
    """Ask the board for a place; it decides within three days; place if there is room."""
    asked = route.at
    decided = route.later(0.2, 3)
    request = placement_request_create(
        actor_id=desk.caseworker.pk, case=route.case, shelter=desk.shelter, at=asked
    )
    if decided is None:
        return None
    try:
        placement_request_decide(
            actor_id=desk.coordinator.pk, request=request, approve=True, at=decided
        )
    except ValidationError:  # full (the board is told the next free bed): a rented flat
        placement_request_decide(
            actor_id=desk.coordinator.pk,
            request=request,
            approve=False,
            reason="Мест нет до следующей недели: снята квартира.",
            at=decided,
        )
        return None
    try:
        placement = placement_create(
            actor_id=desk.coordinator.pk, request=request, starts_on=timezone.localdate(decided)
        )
    except ValidationError:  # full on some later day of the stay: the person goes to a flat
        placement_request_withdraw(
            actor_id=desk.coordinator.pk,
            request=request,
            reason="Мест нет на весь срок: снята квартира.",
            at=decided,
        )
        return None
    desk.summary.placements += 1
    # Papers and visas take longer than six weeks: a stay runs to the cap, then a rented flat.
    if placement.planned_end < timezone.localdate(desk.now):
        placement_end(
            actor_id=desk.coordinator.pk, placement=placement, ends_on=placement.planned_end
        )
    return placement


def _shelter_again(desk: _Desk, route: _Route) -> None:
    """After a failed flight: his stay ended when he left; back to the shelter if the board
    finds him a bed, otherwise he waits for the next flight in a rented flat."""
    try:
        placement = _shelter(desk, route)
    except ValidationError:
        return  # a request of his is still waiting for the board
    if placement is None:
        return
    back = timezone.make_aware(datetime.combine(placement.starts_on, time(21, 0)))
    back = max(back, route.at)
    if back < desk.now:
        route.move("sheltered", back, reason="Рейс не состоялся: вернулся в шелтер.")


def _papers(desk: _Desk, route: _Route) -> None:
    rng = desk.rng
    document_create(
        actor_id=desk.lawyer.pk, case=route.case, kind="internal_passport", status="held_by_person"
    )
    relatives = rng.random() < 0.15
    document_create(
        actor_id=desk.lawyer.pk,
        case=route.case,
        kind="international_passport",
        status="held_by_relative" if relatives else rng.choice(["needed", "held_by_person"]),
        risk_flags=["theft_complaint"] if relatives else [],
        risk_note="Родственники заявили о краже паспорта." if relatives else "",
    )


def _applications(desk: _Desk, route: _Route) -> tuple[Country, datetime] | None:
    """Apply country after country until one grants a visa; None while still waiting."""
    rng = desk.rng
    codes = [code for code, *_rest in DESTINATIONS]
    weights = [weight for _code, weight, *_rest in DESTINATIONS]
    for _attempt in range(3):
        code = rng.choices(codes, weights)[0]
        _code, _weight, wait, refusal = next(d for d in DESTINATIONS if d[0] == code)
        country = desk.countries[code]
        submitted = route.at
        application = application_create(
            actor_id=desk.lawyer.pk,
            case=route.case,
            country=country,
            pathway="humanitarian_visa",
            submitted_on=timezone.localdate(submitted),
            at=submitted,
        )
        decided = route.later(wait * 0.6, wait * 1.5)
        if decided is None:
            return None
        refused = rng.random() < refusal
        application_decide(
            actor_id=desk.lawyer.pk,
            application=application,
            outcome="refused" if refused else "granted",
            decision_on=timezone.localdate(decided),
            refusal_reason="Отказ без объяснения причин." if refused else "",
            at=decided,
        )
        route.at = decided
        if not refused:
            return country, decided
        desk.summary.refusals += 1
    return None


def _depart(desk: _Desk, route: _Route, country: Country) -> bool:
    """Departure, a failed flight now and then (back to the shelter), arrival."""
    leave = route.later(2, 10)
    if leave is None:
        return False
    route.move("departure", leave)
    flight = route.later(1, 5)
    if flight is None:
        return False
    if desk.rng.random() < 0.08:
        travel_leg_create(
            actor_id=desk.caseworker.pk,
            case=route.case,
            kind="departure",
            from_place="Москва, Шереметьево",
            to_place=country.name_ru,
            travelled_on=timezone.localdate(flight),
            outcome="failed",
            failure_reason="Пограничник не выпустил: заявление родственников о краже паспорта.",
            country=country,
            at=flight,
        )
        desk.summary.failed_travel += 1
        route.at = flight
        route.case.refresh_from_db()
        if route.case.stage == "departure":
            _shelter_again(desk, route)
        retry = route.later(5, 15)
        if retry is None:
            return False
        if route.case.stage != "departure":
            route.move("departure", retry)
        flight = route.later(1, 4)
        if flight is None:
            return False
    travel_leg_create(
        actor_id=desk.caseworker.pk,
        case=route.case,
        kind="arrival",
        from_place="Москва",
        to_place=country.name_ru,
        travelled_on=timezone.localdate(flight),
        outcome="completed",
        country=country,
        at=flight,
    )
    route.case.refresh_from_db()
    route.at = flight
    return True


def _walk(desk: _Desk, route: _Route) -> None:
    """The planned route of one accepted request, cut at now."""
    rng = desk.rng
    for stage, low, high in (("vetting", 0.5, 6), ("accepted", 1, 8)):
        at = route.later(low, high)
        if at is None:
            return
        route.move(stage, at)
    if rng.random() < 0.12:
        _close_early(desk, route)
        return
    at = route.later(1, 4)
    if at is None:
        return
    route.move("evacuation", at)
    desk.summary.evacuated += 1
    _expenses(desk, route.case, at)
    at = route.later(1, 2)
    if at is None:
        return
    _shelter(desk, route)
    route.move("sheltered", max(route.at, at))
    at = route.later(3, 8)
    if at is None:
        return
    route.move("documents", at)
    _papers(desk, route)
    at = route.later(3, 10)
    if at is None:
        return
    route.move("application", at)
    granted = _applications(desk, route)
    if granted is None or not _depart(desk, route, granted[0]):
        return
    desk.summary.abroad += 1
    closed = route.later(30, 120)
    if closed is not None and rng.random() < 0.6:
        route.move(
            "closed", closed, reason="Получил статус, живёт самостоятельно.", outcome="resettled"
        )


def _close_early(desk: _Desk, route: _Route) -> None:
    """Accepted, then referred to a partner or lost before the evacuation."""
    at = route.later(2, 20)
    if at is None:
        return
    outcome, reason = desk.rng.choice(
        [
            ("referred", "Передан партнёрской организации в другом регионе."),
            ("lost_contact", "Не выходит на связь больше месяца."),
        ]
    )
    route.move("closed", at, reason=reason, outcome=outcome)


def _fill_shelter(desk: _Desk) -> None:
    """Today the shelter is full and the board has requests waiting, as it was in 2017."""
    today = timezone.localdate(desk.now)
    busy = Placement.objects.filter(ends_on__isnull=True).values("case_id")
    asking = PlacementRequest.objects.filter(decision="pending").values("case_id")
    waiting = (
        Case.objects.filter(compartment=desk.north, stage__in=["documents", "application"])
        .exclude(pk__in=busy)
        .exclude(pk__in=asking)
        .order_by("-created_at")
    )
    left_waiting = 3
    for number, case in enumerate(waiting):
        asked = desk.now - timedelta(days=1 + number % 5, hours=3)
        request = placement_request_create(
            actor_id=desk.caseworker.pk, case=case, shelter=desk.shelter, at=asked
        )
        if shelter_capacity_left(desk.shelter, today) == 0:
            left_waiting -= 1  # this one waits for the board
            if left_waiting == 0:
                return
            continue
        placement_request_decide(
            actor_id=desk.coordinator.pk,
            request=request,
            approve=True,
            at=asked + timedelta(hours=20),
            full_confirmed=True,  # a bed is free today (checked above)
        )
        placement_create(actor_id=desk.coordinator.pk, request=request, starts_on=today)
        desk.summary.placements += 1


def _decline(desk: _Desk, route: _Route) -> None:
    for stage, low, high in (("vetting", 0.5, 6), ("declined", 1, 10)):
        at = route.later(low, high)
        if at is None:
            return
        reason = (
            "Не удалось подтвердить историю; возможная провокация." if stage == "declined" else ""
        )
        route.move(stage, at, reason=reason)


def _checkins(desk: _Desk) -> None:
    """Safety check-ins for people in the shelter and the newly arrived; some now missed."""
    open_cases = Case.objects.filter(
        compartment=desk.north, stage__in=["sheltered", "arrived", "evacuation"]
    ).order_by("created_at")
    for number, case in enumerate(open_cases[:24]):
        started = desk.now - timedelta(days=6)
        schedule = checkin_schedule_create(
            actor_id=desk.caseworker.pk,
            case=case,
            every_hours=24,
            first_due_at=started + timedelta(hours=24),
            channel="Signal, условленное слово",
            at=max(started, case.created_at),
        )
        missed = number % 6 == 0  # every sixth person has gone quiet
        last = desk.now - timedelta(hours=50 if missed else 10)
        checkin_record(actor_id=desk.caseworker.pk, schedule=schedule, at=last)


def _tasks(desk: _Desk) -> None:
    waiting = Case.objects.filter(compartment=desk.north, stage__in=["documents", "application"])
    for number, case in enumerate(waiting.order_by("created_at")[:20]):
        due = timezone.localdate(desk.now) + timedelta(days=number % 7 - 3)  # some overdue
        task_create(
            actor_id=desk.coordinator.pk,
            case=case,
            title="Позвонить в посольство по поводу записи на интервью",
            owner_id=desk.lawyer.pk,
            due_on=due,
            at=max(case.created_at, desk.now - timedelta(days=5)),
        )


def demo_pipeline_build(
    *, north: Compartment, shelter_compartment: Compartment
) -> DemoPipelineSummary:
    """Build the history; the caller holds a keyring with both compartments' keys."""
    rng = random.Random(2017)  # noqa: S311 - demo data must be the same on every run
    now = timezone.now()
    coordinator = User.objects.get(username="coordinator")
    countries = {country.code: country for country in countries_seed(actor_id=coordinator.pk)}
    shelter = shelter_create(
        actor_id=coordinator.pk,
        compartment=shelter_compartment,
        name="Убежище «Дом»",
        address="Москва, адрес известен только координаторам",
        capacity=15,
        stay_cap_days=42,
        at=now - timedelta(days=HISTORY_DAYS + 5),
    )
    duty_set(actor_id=coordinator.pk, compartment=north, user_id=coordinator.pk)
    desk = _Desk(
        rng=rng,
        now=now,
        north=north,
        shelter=shelter,
        coordinator=coordinator,
        caseworker=User.objects.get(username="caseworker"),
        lawyer=User.objects.get(username="lawyer"),
        countries=countries,
        summary=DemoPipelineSummary(),
    )
    starts = sorted(rng.uniform(0.3, HISTORY_DAYS) for _ in range(REQUESTS))
    for days_ago in reversed(starts):
        full_name, aliases = _person(rng)
        case = case_create(
            actor_id=desk.caseworker.pk,
            compartment=north,
            full_name=full_name,
            aliases=aliases,
            phone=_phone(rng) if rng.random() < 0.8 else "",
            location=rng.choice(PLACES),
            risk_level=rng.choice(["medium", "high", "high", "critical"]),
            threat_source=rng.choice(["state", "family", "both", "both"]),
            at=now - timedelta(days=days_ago),
        )
        desk.summary.requests += 1
        route = _Route(desk, case, case.created_at)
        (_decline if rng.random() < 0.22 else _walk)(desk, route)
    _fill_shelter(desk)
    _checkins(desk)
    _tasks(desk)
    counts = work_once(now + timedelta(minutes=1))
    desk.summary.alerts = counts.alerts_raised
    for case in Case.objects.filter(compartment=north).only("stage"):
        desk.summary.stages[case.stage] = desk.summary.stages.get(case.stage, 0) + 1
    return desk.summary
