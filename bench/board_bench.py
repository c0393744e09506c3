"""The country board page at N cases, against the board as it was before it moved its
per-case work into SQL, and against the country registry page, in the same run.

Run with `make bench-board` (or `.venv/bin/python bench/board_bench.py --help`). The script
builds its own throwaway database (`corridor_bench_board` beside the one named by
--database-url on PostgreSQL, or a temporary SQLite file; bench/benchdb.py), and in it:

* an organisation, the seeded countries, two compartments and a caseworker who is a member
  of both, through Corridor's real actions;
* N cases (100,000 by default) with their pipeline histories and applications, in bulk
  (`bulk_create`, real record keys, no audit entries): each case walks the pipeline from
  "request", a few days to weeks per move, and stops somewhere (declined, closed, or at any
  stage up to arrived); cases that reach "application" apply to a country; some are refused,
  sent back to application and apply again elsewhere; cases in departure or arrived hold a
  granted application, some applications are withdrawn.

It then logs the caseworker in through the real login views (passphrase, then a TOTP code;
`cases_bench.logged_in_client`) and times, alternating, GET `relocation:board` with the
current `board_compute`, the same page with `board_before` (the previous implementation,
kept below), and GET `relocation:countries`. Before timing it checks that both board
functions give identical figures (counts, medians and worsts to the microsecond) at one
fixed `now`. Aim: board page p95 under 300 ms at 100,000 cases on PostgreSQL.
"""

from __future__ import annotations

import argparse
import random
import secrets
import shutil
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from itertools import groupby
from pathlib import Path
from typing import Any, NamedTuple

from benchdb import bench_organisation, django_setup, throwaway_database, timing
from cases_bench import World, _load, logged_in_client

BENCH_DATABASE = "corridor_bench_board"
AIM_P95_MS = 300.0
BATCH = 2000
COMPARTMENTS = ["North Caucasus", "Moscow"]
HISTORY_DAYS = 4 * 365
FORWARD = [
    "request",
    "vetting",
    "accepted",
    "evacuation",
    "sheltered",
    "documents",
    "application",
    "departure",
    "arrived",
]
# Where a case's walk stops, as an index in FORWARD (then maybe closed or declined).
STOP_WEIGHTS = [18, 14, 8, 5, 6, 6, 14, 5, 24]
DESTINATIONS = ["DE", "FR", "CA", "LT", "NL", "SE", "NO", "FI", "LV", "EE", "PL", "CZ"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="cases in all (100000)")
    parser.add_argument("--repeat", type=int, default=40, help="timed requests per page (40)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests first (3)")
    parser.add_argument(
        "--database-url",
        default="",
        help="a PostgreSQL server to use, e.g. postgres://postgres@127.0.0.1:5432/test: the "
        f"bench creates and drops its own `{BENCH_DATABASE}` database there and never touches "
        "the named one. Default: a temporary SQLite file.",
    )
    return parser.parse_args()


# --- the board before: the previous board_compute, one pass in Python ---------------------


class Move(NamedTuple):
    to_stage: str
    at: datetime


def _raw_rows(queryset: Any) -> Iterator[tuple[Any, ...]]:
    from django.core.exceptions import EmptyResultSet
    from django.db import connections

    try:
        sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    except EmptyResultSet:
        return
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(10000):
            yield from batch


def _moment(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _time_per_stage(moves: Iterable[Move], now: datetime) -> dict[str, float]:
    from corridor.cases.durations import stage_intervals

    totals: dict[str, float] = {}
    for interval in stage_intervals(moves, now):
        totals[interval.stage] = totals.get(interval.stage, 0.0) + interval.seconds
    return totals


def board_before(*, compartment_ids: Sequence[int], now: datetime) -> list[Any]:
    """board_compute as it was: attribution and every transition of attributed cases read
    into Python, times parsed from text, intervals through `stage_intervals`."""
    from django.db.models import Count, TextField
    from django.db.models.functions import Cast

    from corridor.cases.models import Case, CaseTransition
    from corridor.relocation.board import TIMED_STAGES, CountryFigures, StageFigures
    from corridor.relocation.models import OPEN_OUTCOMES, Application, Country

    compartment_ids = list(compartment_ids)
    countries = {country.pk: CountryFigures(country) for country in Country.objects.all()}
    open_apps = Application.objects.filter(
        compartment_id__in=compartment_ids, outcome__in=OPEN_OUTCOMES
    )
    attributed = dict(
        _raw_rows(
            open_apps.order_by("case_id", "created_at", "id").values_list("case_id", "country_id")
        )
    )
    outcome_counts = (
        Application.objects.filter(compartment_id__in=compartment_ids)
        .values("country_id", "outcome")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in outcome_counts:
        countries[row["country_id"]].outcomes[row["outcome"]] += row["n"]
    open_cases = open_apps.values("case_id")
    waiting: Counter[tuple[int, str]] = Counter()
    stages_now = Case.objects.filter(
        compartment_id__in=compartment_ids, pk__in=open_cases
    ).values_list("id", "stage")
    for case_id, stage in _raw_rows(stages_now):
        country_id = attributed.get(case_id)
        if country_id is not None:
            waiting[(country_id, stage)] += 1
    seconds: defaultdict[tuple[int, str], list[float]] = defaultdict(list)
    moves = (
        CaseTransition.objects.filter(compartment_id__in=compartment_ids, case_id__in=open_cases)
        .order_by("case_id", "seq")
        .annotate(at_text=Cast("at", TextField()))
        .values_list("case_id", "to_stage", "at_text")
    )
    for case_id, rows in groupby(_raw_rows(moves), key=lambda row: row[0]):
        country_id = attributed.get(case_id)
        if country_id is None:
            continue
        case_moves = [Move(to_stage, _moment(at)) for _case, to_stage, at in rows]
        for stage, total in _time_per_stage(case_moves, now).items():
            seconds[(country_id, stage)].append(total)
    for country_id, figures in countries.items():
        figures.cases = sum(n for (c, _s), n in waiting.items() if c == country_id)
        figures.arrived = waiting[(country_id, "arrived")]
        figures.closed = waiting[(country_id, "closed")]
        for stage in TIMED_STAGES:
            values = seconds.get((country_id, stage), [])
            figures.stages.append(
                StageFigures(
                    stage=stage,
                    waiting=waiting[(country_id, stage)],
                    timed=len(values),
                    median=timedelta(seconds=statistics.median(values)) if values else None,
                    worst=timedelta(seconds=max(values)) if values else None,
                )
            )
    return sorted(countries.values(), key=lambda f: (-f.cases, -f.applications, f.country.name))


# --- data --------------------------------------------------------------------------------


class History(NamedTuple):
    moves: list[tuple[str, datetime]]  # (to_stage, at), in order
    applications: list[tuple[str, str, datetime]]  # (country code, outcome, recorded at)


def history_make(rng: random.Random, now: datetime) -> History:
    """One case's walk along the pipeline, with the applications that drive it."""
    at = now - timedelta(days=rng.uniform(20, HISTORY_DAYS))
    moves = [("request", at)]
    applications: list[tuple[str, str, datetime]] = []
    stop = rng.choices(range(len(FORWARD)), weights=STOP_WEIGHTS)[0]
    index = 0

    def step(stage: str, days: tuple[float, float] = (1, 30)) -> bool:
        nonlocal at
        at += timedelta(days=rng.uniform(*days), seconds=rng.uniform(0, 86400))
        if at >= now:
            return False
        moves.append((stage, at))
        return True

    while index < stop:
        stage = FORWARD[index + 1]
        if stage == "accepted" and rng.random() < 0.1:
            step("declined")
            return History(moves, applications)
        if not step(stage):
            break
        index += 1
        if stage == "application":
            country = rng.choice(DESTINATIONS)
            applications.append((country, "pending", at))
            if rng.random() < 0.15 and step("departure") and step("application", (1, 10)):
                applications[-1] = (country, "refused", applications[-1][2])
                applications.append((rng.choice(DESTINATIONS), "pending", at))
        if stage == "departure":
            country, _outcome, recorded = applications[-1]
            applications[-1] = (country, "granted", recorded)
    final = moves[-1][0]
    if final == "arrived" and rng.random() < 0.6:
        step("closed", (10, 90))
    elif final != "arrived" and rng.random() < 0.3:
        step("closed")
        if applications and applications[-1][1] == "pending":
            applications[-1] = (applications[-1][0], "withdrawn", applications[-1][2])
    elif final == "application" and applications and rng.random() < 0.3:
        country, _outcome, recorded = applications[-1]
        applications[-1] = (country, "refused", recorded)  # refused, not yet applied again
    return History(moves, applications)


def bulk_histories(count: int, *, keyring: Any, actor_id: int, now: datetime) -> Counter[str]:
    """`count` cases with their transitions and applications, keys wrapped for real."""
    from django.db import transaction

    from corridor.cases.models import Case, CaseTransition
    from corridor.relocation.models import Application, Country
    from corridor.vault import crypto
    from corridor.vault.keyring import keyring_activated, record_wrap_data_key
    from corridor.vault.models import Compartment

    rng = random.Random(8)
    compartments = list(Compartment.objects.order_by("pk"))
    keys = {
        c.pk: (keyring.compartment_key(c.pk, c.key_version), c.key_version) for c in compartments
    }
    country_ids = dict(Country.objects.values_list("code", "pk"))
    made: Counter[str] = Counter()

    def sealed(record: Any) -> Any:
        key, version = keys[record.compartment_id]
        record_wrap_data_key(record, crypto.random_key(), key, version)
        return record

    with keyring_activated(keyring):
        for start in range(0, count, BATCH):
            cases, transitions, applications = [], [], []
            for _ in range(min(BATCH, count - start)):
                history = history_make(rng, now)
                last_stage, last_at = history.moves[-1]
                compartment_id = rng.choice(compartments).pk
                case = sealed(
                    Case(
                        compartment_id=compartment_id,
                        stage=last_stage,
                        stage_entered_at=last_at,
                        created_at=history.moves[0][1],
                        closed_at=last_at if last_stage == "closed" else None,
                        assignee_id=actor_id,
                    )
                )
                case.full_name, case.phone, case.notes = "Bench Case", "", ""
                cases.append(case)
                previous = ""
                for seq, (stage, at) in enumerate(history.moves, start=1):
                    transition = sealed(
                        CaseTransition(
                            compartment_id=compartment_id,
                            case_id=case.pk,
                            seq=seq,
                            from_stage=previous,
                            to_stage=stage,
                            backward=bool(previous)
                            and stage in FORWARD
                            and previous in FORWARD
                            and FORWARD.index(stage) < FORWARD.index(previous),
                            actor_id=actor_id,
                            at=at,
                        )
                    )
                    transition.reason = ""
                    transitions.append(transition)
                    previous = stage
                for code, outcome, at in history.applications:
                    application = sealed(
                        Application(
                            compartment_id=compartment_id,
                            case_id=case.pk,
                            country_id=country_ids[code],
                            pathway="humanitarian_visa",
                            submitted_on=at.date(),
                            decision_on=at.date() if outcome in ("granted", "refused") else None,
                            outcome=outcome,
                            created_at=at,
                            updated_at=at,
                        )
                    )
                    application.refusal_reason = "no reason given" if outcome == "refused" else ""
                    application.notes = ""
                    applications.append(application)
            with transaction.atomic():
                Case.objects.bulk_create(cases)
                CaseTransition.objects.bulk_create(transitions)
                Application.objects.bulk_create(applications)
            made.update(cases=len(cases), transitions=len(transitions))
            made.update(applications=len(applications))
    return made


def build_world(cases: int) -> tuple[World, Counter[str], list[int]]:
    from django.db import connection
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from corridor.accounts.actions import staff_create
    from corridor.accounts.roles import Role
    from corridor.relocation.countries import countries_seed
    from corridor.vault.actions import compartment_create, membership_grant
    from corridor.vault.keyring import Keyring

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
    for compartment in compartments:
        membership_grant(
            keyring=admin_keyring, actor_id=admin.pk, compartment=compartment, user_id=worker.pk
        )
    made = bulk_histories(cases, keyring=admin_keyring, actor_id=worker.pk, now=timezone.now())
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # fresh statistics, as autovacuum would leave them
    world = World(
        worker, passphrase, device, [], Keyring(user_id=worker.pk, private_key=worker_key)
    )
    return world, made, [c.pk for c in compartments]


# --- checks and timings ------------------------------------------------------------------


def figures(rows: list[Any]) -> list[tuple[Any, ...]]:
    return [
        (
            row.country.code,
            row.cases,
            row.arrived,
            row.closed,
            sorted(row.outcomes.items()),
            row.stages,
        )
        for row in rows
    ]


def same_figures(compartment_ids: list[int]) -> str:
    """Both implementations at one `now`: identical figures, or the bench stops."""
    from django.utils import timezone

    from corridor.relocation.board import board_compute, case_countries

    now = timezone.now()
    before, after = (
        figures(fn(compartment_ids=compartment_ids, now=now))
        for fn in (board_before, board_compute)
    )
    if before != after:
        for old, new in zip(before, after, strict=True):
            if old != new:
                print(f"before: {old}\nafter:  {new}")
        raise SystemExit("board_compute and board_before disagree")
    attributed = len(case_countries(compartment_ids))
    timed = sum(s.timed for row in after for s in row[5])
    return f"{attributed:,} cases attributed, {timed:,} (case, stage) times: figures identical"


def measure(
    ops: dict[str, Callable[[], Any]], repeat: int, warmup: int
) -> dict[str, tuple[float, float]]:
    """Every page in turn, the order rotated each repetition."""
    for _ in range(warmup):
        for op in ops.values():
            op()
    samples: dict[str, list[float]] = {name: [] for name in ops}
    names = list(ops)
    for i in range(repeat):
        order = names[i % len(names) :] + names[: i % len(names)]
        for name in order:
            start = time.perf_counter()
            ops[name]()
            samples[name].append(time.perf_counter() - start)
    return {name: (t.p50_ms, t.p95_ms) for name, t in ((n, timing(s)) for n, s in samples.items())}


def pages(client: Any) -> dict[str, Callable[[], Any]]:
    from corridor.relocation import board, views

    def get(path: str, compute: Callable[..., Any] | None = None) -> Callable[[], Any]:
        def op() -> Any:
            views.board_compute = compute or board.board_compute
            try:
                response = client.get(path)
            finally:
                views.board_compute = board.board_compute
            assert response.status_code == 200, (response.status_code, response.content[:300])
            return response

        return op

    return {
        "countries (GET)": get("/relocation/countries/"),
        "board before (GET)": get("/relocation/", board_before),
        "board now (GET)": get("/relocation/"),
    }


def main() -> None:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="corridor-board-bench-"))
    try:
        with throwaway_database(args.database_url, BENCH_DATABASE, sqlite_dir=workdir) as url:
            print(f"board bench: before setup, {_load()}", flush=True)
            started = time.perf_counter()
            django_setup(url, workdir, environment={"ALLOWED_HOSTS": "testserver"})
            from django.db import connection
            from django.urls import reverse

            world, made, compartment_ids = build_world(args.cases)
            print(
                f"board bench: {connection.vendor}, {made['cases']:,} cases, "
                f"{made['transitions']:,} transitions, {made['applications']:,} applications "
                f"in {len(COMPARTMENTS)} compartments (the user is a member of both); setup "
                f"{time.perf_counter() - started:.0f} s",
                flush=True,
            )
            print(same_figures(compartment_ids), flush=True)
            assert reverse("relocation:board") == "/relocation/"
            assert reverse("relocation:countries") == "/relocation/countries/"
            ops = pages(logged_in_client(world))
            print(
                f"{args.repeat} requests per page after {args.warmup} warm-up; {_load()}",
                flush=True,
            )
            results = measure(ops, args.repeat, args.warmup)
            header = f"{'page':<22} {'p50':>10} {'p95':>10}  aim: board p95 < {AIM_P95_MS:.0f} ms"
            print(header + "\n" + "-" * len(header))
            for name, (p50, p95) in results.items():
                met = ""
                if name == "board now (GET)":
                    met = "  met" if p95 < AIM_P95_MS else "  NOT MET"
                print(f"{name:<22} {p50:>7.1f} ms {p95:>7.1f} ms{met}")
            print(f"after the run: {_load()}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
