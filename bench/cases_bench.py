"""Whole case pages through the vault against the same pages over the same rows in clear.

Run with `make bench-cases` (or `.venv/bin/python bench/cases_bench.py --help`). The script
builds its own throwaway database (a `corridor_bench_cases` database beside the one named by
--database-url on PostgreSQL, or a temporary SQLite file), and in it:

* an organisation, four compartments, a few staff, and a caseworker who is a member of two
  of the compartments, through Corridor's real actions;
* N cases (100,000 by default) spread over the four compartments. All but the timed case
  pages are built in bulk with the real encryption: `Case` objects made under an unlocked
  keyring (each with its own data key, wrapped by its compartment's key, and encrypted
  fields), saved with `bulk_create` in batches of 1,000 inside transactions, with their
  keyed-hash search terms (`corridor.cases.search.search_terms`) and their opening
  "request" transition. No audit entry is written for these bulk rows. The cases whose
  pages are timed (50 by default) go through the real actions with their audit entries:
  `case_create`, eight `case_move_to_stage` to "arrived", three `expense_add`, a
  `document_create` and an `application_create`;
* the same rows in clear in the bench-only `vaultbench` tables (TwinCase and its records).

It then logs the caseworker in through the real login views (passphrase, then a TOTP code)
with Django's test Client, so every request runs the full middleware stack with a real
second-factor-verified session, and times whole pages, each against its plaintext twin
(bench/vaultbench/views.py: the same decorators, forms, audit entries and templates):

* list: GET `cases:list`, the newest 50 cases of the user's two compartments;
* search: POST `cases:list` with a name typed in Latin ("Magomed Dadaev") that is stored in
  Cyrillic; the plaintext side looks up a normalised name column with a B-tree index;
* case: GET `cases:detail` of a case with its history (9 transitions, 3 expenses, a
  document, an application); the plaintext side reads the twin case and its twin records.

Plain and vault requests alternate (the order flips every repetition) after a warm-up that
also checks both sides render the same HTML. Aim: p95 under 150 ms for each vault page.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import re
import secrets
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchdb import Timing, bench_organisation, django_setup, throwaway_database, timing, totp_code

BENCH_DATABASE = "corridor_bench_cases"
AIM_P95_MS = 150.0
BATCH = 1000
SEARCH_QUERY = "Magomed Dadaev"  # stored as "Дадаев Магомед ..."
HISTORY_DAYS = 3 * 365

COMPARTMENTS = ["North Caucasus", "Moscow", "Saint Petersburg", "Abroad"]
MEMBER_OF = COMPARTMENTS[:2]  # the timed user's compartments
FIRST_NAMES = ["Асланбек", "Ибрагим", "Магомед", "Руслан", "Тимур", "Зелимхан", "Алихан"]
FIRST_NAMES += ["Ислам", "Хусейн", "Адам", "Рамзан", "Муса", "Ахмед", "Беслан"]
SURNAMES = ["Марзоев", "Дадаев", "Исаев", "Хасанов", "Умаров", "Алиев", "Идрисов", "Вахаев"]
SURNAMES += ["Мусаев", "Бисултанов", "Гайрбеков", "Шамилев", "Ибрагимов", "Магомадов"]
SURNAMES += ["Эльмурзаев", "Петров"]
PATRONYMICS = ["Русланович", "Магомедович", "Ахмедович", "Исламович", "Асланович", "Олегович"]
PLACES = ["Грозный", "Гудермес", "Урус-Мартан", "Назрань", "Махачкала", "Москва", "Ростов"]
NOTE_SENTENCES = [
    "Связался через анкету на сайте, просит перезвонить только вечером.",
    "Родственники знают об ориентации и угрожают, телефон проверяют.",
    "Был задержан на сутки, при задержании забрали паспорт.",
    "Нуждается в безопасном жилье до выезда из региона.",
    "Контакт через подругу, напрямую писать нельзя.",
    "Документы: внутренний паспорт есть, загранпаспорта нет.",
    "Готов выехать в течение недели, денег на билет нет.",
    "Просит не звонить с незнакомых номеров, только сообщения.",
]
PIPELINE = [  # (stage, reason) of the timed cases' moves after the opening "request"
    ("vetting", ""),
    ("accepted", "Проверка пройдена: два независимых подтверждения."),
    ("evacuation", ""),
    ("sheltered", "Доехал до шелтера, встретили волонтёры."),
    ("documents", ""),
    ("application", "Загранпаспорт получен."),
    ("departure", ""),
    ("arrived", "Прилетел, встречен партнёрской организацией."),
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="cases in all (100000)")
    parser.add_argument(
        "--timed-cases", type=int, default=50, help="cases built by the real actions (50)"
    )
    parser.add_argument("--repeat", type=int, default=200, help="timed requests per page (200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests first (20)")
    parser.add_argument(
        "--database-url",
        default="",
        help="a PostgreSQL server to use, e.g. postgres://postgres@127.0.0.1:5432/test: the "
        f"bench creates and drops its own `{BENCH_DATABASE}` database there and never touches "
        "the named one. Default: a temporary SQLite file.",
    )
    parser.add_argument(
        "--profile", action="store_true", help="also print a cProfile of the vault pages"
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="also print the PostgreSQL plans (EXPLAIN ANALYZE) of both sides' search",
    )
    return parser.parse_args()


# --- data --------------------------------------------------------------------------------


@dataclass
class Person:
    full_name: str
    aliases: list[str]
    phone: str
    messengers: list[str]
    location: str
    dependants: list[dict[str, Any]]
    notes: str
    risk_level: str
    threat_source: str


def person_make(rng: random.Random) -> Person:
    """Realistic field sizes: ~25-char Cyrillic names, a Russian mobile, ~500-char notes."""
    first, surname = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
    notes = ""
    while len(notes) < 480:
        notes += rng.choice(NOTE_SENTENCES) + " "
    dependants = []
    if rng.random() < 0.15:
        dependants = [
            {"name": rng.choice(FIRST_NAMES), "relation": "сын", "age": rng.randint(1, 16)}
        ]
    return Person(
        full_name=f"{surname} {first} {rng.choice(PATRONYMICS)}",
        aliases=[first[:4], f"{first} {surname[0]}."][: rng.randint(1, 2)],
        phone=f"+79{rng.randint(10, 99)}{rng.randint(1000000, 9999999)}",
        messengers=[f"Telegram @{first[:3].lower()}{rng.randint(100, 9999)}"][: rng.randint(0, 1)],
        location=f"{rng.choice(PLACES)}, ул. Садовая, д. {rng.randint(1, 120)}",
        dependants=dependants,
        notes=notes.strip(),
        risk_level=rng.choice(["low", "medium", "high", "critical"]),
        threat_source=rng.choice(["state", "family", "both", "unknown"]),
    )


@dataclass
class World:
    worker: Any
    passphrase: str
    device: Any
    timed_case_ids: list[uuid.UUID]
    keyring: Any  # the worker's, for --explain (the pages use the session's)
    setup_s: dict[str, float] = field(default_factory=dict)


def _twin_of_case(case: Any) -> Any:
    from vaultbench.models import TwinCase

    from corridor.linkage.names import name_parse

    return TwinCase(
        id=case.pk,
        compartment_id=case.compartment_id,
        full_name=case.full_name,
        aliases=case.aliases,
        phone=case.phone,
        messengers=case.messengers,
        location=case.location,
        dependants=case.dependants,
        notes=case.notes,
        name_key=name_parse(case.full_name).key,
        stage=case.stage,
        stage_entered_at=case.stage_entered_at,
        risk_level=case.risk_level,
        threat_source=case.threat_source,
        outcome=case.outcome,
        closed_at=case.closed_at,
        assignee_id=case.assignee_id,
        created_at=case.created_at,
    )


def _twin_of(model: Any, record: Any, *names: str) -> Any:
    """A twin row with the record's id, compartment, case and the named fields (opened)."""
    values = {name: getattr(record, name) for name in names}
    return model(
        id=record.pk, compartment_id=record.compartment_id, case_id=record.case_id, **values
    )


def _twin_transition(transition: Any) -> Any:
    from vaultbench.models import TwinTransition

    return _twin_of(
        TwinTransition,
        transition,
        "seq",
        "from_stage",
        "to_stage",
        "backward",
        "actor_id",
        "at",
        "reason",
        "outcome",
    )


def bulk_cases(count: int, *, keyring: Any, assignees: list[int], now: datetime) -> None:
    """`count` cases at stage "request", encrypted for real, and their plaintext twins.

    Audit entries are skipped here: case_create writes one per case, and a bulk load of
    100,000 through it would take the better part of an hour.
    """
    from django.db import transaction
    from vaultbench.models import TwinCase, TwinTransition

    from corridor.cases.models import Case, CaseSearchTerm, CaseTransition
    from corridor.cases.search import search_terms
    from corridor.vault import crypto
    from corridor.vault.keyring import keyring_activated, record_wrap_data_key
    from corridor.vault.models import Compartment

    rng = random.Random(3)
    compartments = list(Compartment.objects.order_by("pk"))
    keys = {
        c.pk: (keyring.compartment_key(c.pk, c.key_version), c.key_version) for c in compartments
    }
    encrypted = ("full_name", "aliases", "phone", "messengers", "location", "dependants", "notes")

    def sealed(record: Any) -> Any:
        key, version = keys[record.compartment_id]
        record_wrap_data_key(record, crypto.random_key(), key, version)
        return record

    with keyring_activated(keyring):
        for start in range(0, count, BATCH):
            cases, terms, transitions, twins, twin_transitions = [], [], [], [], []
            for _ in range(min(BATCH, count - start)):
                person = person_make(rng)
                at = now - timedelta(seconds=rng.uniform(86400, HISTORY_DAYS * 86400))
                compartment = rng.choice(compartments)
                case = sealed(
                    Case(
                        compartment_id=compartment.pk,
                        stage="request",
                        stage_entered_at=at,
                        created_at=at,
                        risk_level=person.risk_level,
                        threat_source=person.threat_source,
                        assignee_id=rng.choice(assignees),
                    )
                )
                for name in encrypted:
                    setattr(case, name, getattr(person, name))
                cases.append(case)
                terms += [
                    CaseSearchTerm(case_id=case.pk, term=term)
                    for term in search_terms(
                        person.full_name,
                        person.aliases,
                        person.phone,
                        compartment_id=case.compartment_id,
                        version=case.key_version,
                    )
                ]
                transition = sealed(
                    CaseTransition(
                        compartment_id=case.compartment_id,
                        case_id=case.pk,
                        seq=1,
                        from_stage="",
                        to_stage="request",
                        actor_id=case.assignee_id,
                        at=at,
                    )
                )
                transition.reason = ""
                transitions.append(transition)
                twins.append(_twin_of_case(case))
                twin_transitions.append(_twin_transition(transition))
            with transaction.atomic():
                Case.objects.bulk_create(cases)
                CaseSearchTerm.objects.bulk_create(terms)
                CaseTransition.objects.bulk_create(transitions)
                TwinCase.objects.bulk_create(twins)
                TwinTransition.objects.bulk_create(twin_transitions)


def timed_cases(count: int, *, keyring: Any, actor_id: int, now: datetime) -> list[uuid.UUID]:
    """Cases built only through the real actions, with a history, in the user's compartments."""
    from django.utils import timezone

    from corridor.cases.actions import case_create, case_move_to_stage, expense_add
    from corridor.relocation.actions import application_create, document_create
    from corridor.relocation.models import Country
    from corridor.vault.keyring import keyring_activated
    from corridor.vault.models import Compartment

    rng = random.Random(4)
    compartments = list(Compartment.objects.filter(name__in=MEMBER_OF).order_by("pk"))
    germany = Country.objects.get(code="DE")
    ids = []
    with keyring_activated(keyring):
        for _ in range(count):
            person = person_make(rng)
            at = now - timedelta(days=rng.uniform(200, HISTORY_DAYS))
            case = case_create(
                actor_id=actor_id, compartment=rng.choice(compartments), at=at, **person.__dict__
            )
            times = {}
            for stage, reason in PIPELINE:
                at += timedelta(days=rng.uniform(3, 20), seconds=rng.uniform(0, 3600))
                case_move_to_stage(
                    actor_id=actor_id, case=case, to_stage=stage, reason=reason, at=at
                )
                times[stage] = at
            day = timezone.localdate
            for category, amount, currency, stage, note in (
                ("travel_domestic", "4200.00", "RUB", "evacuation", "Билеты на автобус до Ростова"),
                ("housing", "18000.00", "RUB", "sheltered", "Аренда квартиры на две недели"),
                ("visa_departure", "80.00", "EUR", "application", "Консульский сбор"),
            ):
                expense_add(
                    actor_id=actor_id,
                    case=case,
                    category=category,
                    amount=Decimal(amount),
                    currency=currency,
                    spent_on=day(times[stage]),
                    note=note,
                )
            document_create(
                actor_id=actor_id,
                case=case,
                kind="international_passport",
                status="held_by_person",
                holder_note="У него на руках, копия у координатора.",
                expires_on=date(2031, 5, 1),
                risk_flags=["theft_complaint"] if rng.random() < 0.3 else [],
                risk_note="Родственники писали заявление о краже паспорта.",
                at=times["documents"],
            )
            application_create(
                actor_id=actor_id,
                case=case,
                country=germany,
                pathway="humanitarian_visa",
                submitted_on=day(times["application"]),
                interview_on=day(times["application"]) + timedelta(days=1),
                decision_on=day(times["departure"]) - timedelta(days=1),
                outcome="granted",
                notes="Подано через посольство в Ереване, собеседование прошло спокойно.",
                at=times["application"],
            )
            ids.append(case.pk)
    return ids


def twins_of_timed_cases(ids: list[uuid.UUID], keyring: Any) -> None:
    """The timed cases and their records, opened with the keyring and stored in clear."""
    from django.db import transaction
    from vaultbench.models import (
        TwinApplication,
        TwinCase,
        TwinDocument,
        TwinExpense,
        TwinTransition,
    )

    from corridor.cases.models import Case, CaseTransition, Expense
    from corridor.relocation.models import Application, Document
    from corridor.vault.keyring import keyring_activated

    with keyring_activated(keyring), transaction.atomic():
        TwinCase.objects.bulk_create(_twin_of_case(c) for c in Case.objects.filter(pk__in=ids))
        TwinTransition.objects.bulk_create(
            _twin_transition(t) for t in CaseTransition.objects.filter(case_id__in=ids)
        )
        TwinExpense.objects.bulk_create(
            _twin_of(
                TwinExpense,
                e,
                *("category", "amount", "currency", "spent_on", "note"),
                *("recorded_by_id", "recorded_at"),
            )
            for e in Expense.objects.filter(case_id__in=ids)
        )
        TwinDocument.objects.bulk_create(
            _twin_of(
                TwinDocument,
                d,
                *("kind", "status", "holder_note", "expires_on", "risk_flags", "risk_note"),
                *("created_at", "updated_at"),
            )
            for d in Document.objects.filter(case_id__in=ids)
        )
        TwinApplication.objects.bulk_create(
            _twin_of(
                TwinApplication,
                a,
                *("country_id", "pathway", "submitted_on", "interview_on", "decision_on"),
                *("outcome", "refusal_reason", "notes", "created_at", "updated_at"),
            )
            for a in Application.objects.filter(case_id__in=ids)
        )


def build_world(cases: int, timed: int) -> World:
    from django.db import connection
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from corridor.accounts.actions import staff_create
    from corridor.accounts.roles import Role
    from corridor.relocation.countries import countries_seed
    from corridor.vault.actions import compartment_create, membership_grant
    from corridor.vault.keyring import Keyring

    setup_s: dict[str, float] = {}
    started = time.perf_counter()
    # Throwaway keys of a throwaway database: random, never printed.
    admin, admin_keyring = bench_organisation()
    countries_seed(actor_id=admin.pk)
    compartments = [
        compartment_create(actor_id=admin.pk, name=name, member_ids=[admin.pk])
        for name in COMPARTMENTS
    ]
    passphrase = secrets.token_urlsafe(24)
    worker, worker_key = staff_create(
        username="worker", role=Role.CASEWORKER, passphrase=passphrase, actor_id=None
    )
    device = TOTPDevice.objects.create(user=worker, name="authenticator", confirmed=True)
    assignees = [worker.pk]
    for number, compartment in enumerate(compartments):
        if compartment.name in MEMBER_OF:
            membership_grant(
                keyring=admin_keyring, actor_id=admin.pk, compartment=compartment, user_id=worker.pk
            )
        colleague, _key = staff_create(
            username=f"colleague{number}",
            role=Role.CASEWORKER,
            passphrase=secrets.token_urlsafe(24),
            actor_id=None,
        )
        membership_grant(
            keyring=admin_keyring, actor_id=admin.pk, compartment=compartment, user_id=colleague.pk
        )
        assignees.append(colleague.pk)
    setup_s["organisation"] = time.perf_counter() - started

    now = timezone.now()
    started = time.perf_counter()
    bulk_cases(cases - timed, keyring=admin_keyring, assignees=assignees, now=now)
    setup_s["bulk"] = time.perf_counter() - started

    started = time.perf_counter()
    worker_keyring = Keyring(user_id=worker.pk, private_key=worker_key)
    ids = timed_cases(timed, keyring=worker_keyring, actor_id=worker.pk, now=now)
    twins_of_timed_cases(ids, worker_keyring)
    setup_s["timed"] = time.perf_counter() - started

    started = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # fresh statistics, as autovacuum would leave them
    setup_s["analyze"] = time.perf_counter() - started
    return World(worker, passphrase, device, ids, worker_keyring, setup_s)


# --- the pages ---------------------------------------------------------------------------


def logged_in_client(world: World) -> Any:
    """A test Client holding a real, second-factor-verified session (and the vault cookie)."""
    from django.test import Client

    client = Client()
    response = client.post(
        "/accounts/login/", {"username": world.worker.username, "passphrase": world.passphrase}
    )
    assert response.status_code == 302, response.content[:300]
    response = client.post("/accounts/login/code/", {"token": totp_code(world.device)})
    assert response.status_code == 302 and "/accounts/" not in response["Location"]
    return client


Request = Callable[[int], Any]


def pages(client: Any, world: World) -> dict[str, tuple[Request, Request]]:
    """For each page: (plaintext, vault) requests taking the repetition number."""
    ids = world.timed_case_ids

    def ok(response: Any) -> Any:
        assert response.status_code == 200, (response.status_code, response.content[:300])
        return response

    search = {"q": SEARCH_QUERY}
    return {
        "case list (GET, 50 rows)": (
            lambda i: ok(client.get("/bench/cases/")),
            lambda i: ok(client.get("/cases/")),
        ),
        f"search “{SEARCH_QUERY}” (POST)": (
            lambda i: ok(client.post("/bench/cases/", search)),
            lambda i: ok(client.post("/cases/", search)),
        ),
        "case page (GET)": (
            lambda i: ok(client.get(f"/bench/cases/{ids[i % len(ids)]}/")),
            lambda i: ok(client.get(f"/cases/{ids[i % len(ids)]}/")),
        ),
    }


_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
_MAIN = re.compile(r"<main.*</main>", re.S)


def comparable(response: Any) -> str:
    """The page's main content, without the per-request CSRF tokens."""
    found = _MAIN.search(response.content.decode())
    assert found, "no <main> in the page"
    return _CSRF.sub("", found.group(0))


_ROW = re.compile(r'<tr><td><a href="/cases/[0-9a-f-]+/">')
_TIMELINE_ROW = re.compile(r"<td>\d{4}-\d\d-\d\d \d\d:\d\d</td>")


def shown(ops: dict[str, tuple[Request, Request]]) -> str:
    """What the vault pages show, to be sure the timed pages are not empty."""
    (_, listing), (_, search), (_, case) = ops.values()
    rows, found = (len(_ROW.findall(comparable(page(0)))) for page in (listing, search))
    moves = len(_TIMELINE_ROW.findall(comparable(case(0))))
    if not (rows and found and moves):
        raise SystemExit(f"empty pages: {rows} rows listed, {found} found, {moves} moves")
    return f"the list shows {rows} cases, the search {found}, the case page {moves} moves"


def measure(
    ops: dict[str, tuple[Request, Request]], repeat: int, warmup: int
) -> dict[str, tuple[Timing, Timing]]:
    """Every page, plaintext and vault alternating (order flipped each repetition)."""
    for i in range(warmup):
        for name, (plain, vault) in ops.items():
            plain_page, vault_page = comparable(plain(i)), comparable(vault(i))
            if plain_page != vault_page:
                raise SystemExit(f"{name}: the plaintext and vault pages differ (repetition {i})")
    samples: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in ops}
    clock = time.perf_counter
    for i in range(repeat):
        for name, (plain, vault) in ops.items():
            plain_s, vault_s = samples[name]
            first, second = ((plain, plain_s), (vault, vault_s))[:: 1 if i % 2 else -1]
            for fn, out in (first, second):
                start = clock()
                fn(i)
                out.append(clock() - start)
    return {name: (timing(p), timing(v)) for name, (p, v) in samples.items()}


def profile(ops: dict[str, tuple[Request, Request]], repeat: int) -> None:
    for name, (_plain, vault) in ops.items():
        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(repeat):
            vault(i)
        profiler.disable()
        print(f"\ncProfile of the vault side of '{name}', {repeat} requests (cumtime):")
        pstats.Stats(profiler).sort_stats("cumtime").print_stats(25)


def explain(world: World) -> None:
    """The plans of the search query on both sides, as the two list views build them."""
    from django.http import QueryDict
    from vaultbench.models import TwinCase

    from corridor.cases.access import member_compartment_ids
    from corridor.cases.filters import CaseListForm, case_list_filter
    from corridor.cases.models import Case
    from corridor.linkage.names import name_parse
    from corridor.vault.keyring import keyring_activated

    ids = member_compartment_ids(world.worker.pk)
    form = CaseListForm(QueryDict(f"q={SEARCH_QUERY}"), compartment_ids=ids)
    with keyring_activated(world.keyring):
        vault = case_list_filter(Case.objects.filter(compartment_id__in=ids), form, search=True)
        vault = vault.only(*Case.LIST_FIELDS)[:51]
        plain = TwinCase.objects.filter(
            compartment_id__in=ids, name_key=name_parse(SEARCH_QUERY).key
        ).order_by("-created_at", "pk")[:51]
        for side, rows in (("vault", vault), ("plain", plain)):
            print(f"\nEXPLAIN ANALYZE, {side} search:\n{rows.explain(analyze=True)}")


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def main() -> None:
    args = parse_args()
    if not 0 < args.timed_cases < args.cases:
        raise SystemExit("--timed-cases must be between 1 and --cases")
    workdir = Path(tempfile.mkdtemp(prefix="corridor-cases-bench-"))
    try:
        with throwaway_database(
            args.database_url, BENCH_DATABASE, sqlite_dir=workdir
        ) as database_url:
            print(f"cases bench: before setup, {_load()}", flush=True)
            started = time.perf_counter()
            django_setup(
                database_url,
                workdir,
                environment={"ALLOWED_HOSTS": "testserver"},  # the test Client's host
                root_urlconf="vaultbench.urls",
            )
            from django.db import connection

            migrated = time.perf_counter() - started
            world = build_world(args.cases, args.timed_cases)
            setup = time.perf_counter() - started
            parts = world.setup_s
            print(
                f"cases bench: {connection.vendor}, {args.cases:,} cases in "
                f"{len(COMPARTMENTS)} compartments (the user is a member of {len(MEMBER_OF)}); "
                f"setup {setup:.0f} s: migrate {migrated:.0f} s, organisation "
                f"{parts['organisation']:.0f} s, {args.cases - args.timed_cases:,} cases in "
                f"bulk {parts['bulk']:.0f} s (real encryption and search terms, no audit "
                f"entries), {args.timed_cases} timed cases through the actions "
                f"{parts['timed']:.0f} s, analyze {parts['analyze']:.0f} s",
                flush=True,
            )
            client = logged_in_client(world)
            ops = pages(client, world)
            print(
                f"{shown(ops)}; {args.repeat} requests per page and side after {args.warmup} "
                f"warm-up (which checked both sides render the same page); {_load()}",
                flush=True,
            )
            results = measure(ops, args.repeat, args.warmup)
            header = (
                f"{'page':<32} {'plain p50':>10} {'plain p95':>10} {'vault p50':>10} "
                f"{'vault p95':>10} {'ratio p50':>9} {'ratio p95':>9}  aim: vault p95 < "
                f"{AIM_P95_MS:.0f} ms"
            )
            print(header + "\n" + "-" * len(header))
            for name, (plain, vault) in results.items():
                met = "met" if vault.p95_ms < AIM_P95_MS else "NOT MET"
                print(
                    f"{name:<32} {plain.p50_ms:>7.1f} ms {plain.p95_ms:>7.1f} ms "
                    f"{vault.p50_ms:>7.1f} ms {vault.p95_ms:>7.1f} ms "
                    f"{vault.p50_ms / plain.p50_ms:>8.2f}x {vault.p95_ms / plain.p95_ms:>8.2f}x  "
                    f"{met}"
                )
            print(f"after the run: {_load()}")
            if args.explain and connection.vendor == "postgresql":
                explain(world)
            if args.profile:
                profile(ops, min(args.repeat, 50))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
