"""The cost of the vault: reading encrypted cases against the same rows stored in clear.

Run with `make bench` (or `.venv/bin/python bench/vault_bench.py --help`). The script builds
its own throwaway database (a temporary SQLite file, or a `corridor_bench` database beside
the one named by --database-url on PostgreSQL), creates an organisation, a caseworker and a
compartment through Corridor's real actions, N cases through `case_create`, and the same
rows in the bench-only `vaultbench.PlainCase` table. It then times, in the same run:

* page: the 50 newest cases of the compartment, reading name, phone, risk and stage;
* case: one case by id, reading every field.

The vault side of each repetition includes what every request pays: building the keyring
from the session (the browser's cookie secret opens the session's wrapped private key) and
opening the compartment key (one key-wrap row, one sealed box). Aim: at most 1.5 times the
plaintext time (issue #2).
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import pstats
import random
import secrets
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from benchdb import Timing, bench_organisation, django_setup, throwaway_database, timing

BENCH_DATABASE = "corridor_bench"
PAGE_SIZE = 50
AIM = 1.5

FIRST_NAMES = ["Асланбек", "Ибрагим", "Магомед", "Руслан", "Тимур", "Зелимхан", "Алихан"]
FIRST_NAMES += ["Мария", "Анастасия", "Екатерина", "Дмитрий", "Александр", "Никита", "Илья"]
SURNAMES = ["Марзоев", "Дудаев", "Исаев", "Хасанов", "Кадыров", "Умаров", "Алиев", "Иванов"]
SURNAMES += ["Петров", "Смирнов", "Кузнецов", "Соколов", "Михайлов", "Новиков", "Федоров"]
PATRONYMICS = ["Русланович", "Магомедович", "Ахмедович", "Сергеевич", "Андреевич", "Олегович"]
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


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=2000, help="rows of each kind (2000)")
    parser.add_argument("--repeat", type=int, default=200, help="timed repetitions (200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed repetitions first (20)")
    parser.add_argument(
        "--database-url",
        default="",
        help="a PostgreSQL server to use, e.g. postgres://postgres@127.0.0.1:5432/test: the "
        f"bench creates and drops its own `{BENCH_DATABASE}` database there and never touches "
        "the named one. Default: a temporary SQLite file.",
    )
    parser.add_argument(
        "--profile", action="store_true", help="also print a cProfile of the vault operations"
    )
    return parser.parse_args()


# --- data --------------------------------------------------------------------------------


@dataclass
class Person:
    full_name: str
    aliases: list[str]
    phone: str
    location: str
    notes: str
    risk_level: str


def people(count: int, seed: int = 2) -> Iterator[Person]:
    """Cases with realistic field sizes: ~30-char names, ~500-char notes."""
    rng = random.Random(seed)
    for _ in range(count):
        first, surname = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
        notes = ""
        while len(notes) < 480:
            notes += rng.choice(NOTE_SENTENCES) + " "
        yield Person(
            full_name=f"{surname} {first} {rng.choice(PATRONYMICS)}",
            aliases=[first[:4], f"{first} {surname[0]}."][: rng.randint(1, 2)],
            phone=f"+7 9{rng.randint(10, 99)} {rng.randint(100, 999)}-"
            f"{rng.randint(10, 99)}-{rng.randint(10, 99)}",
            location=f"{rng.choice(PLACES)}, ул. Садовая, д. {rng.randint(1, 120)}",
            notes=notes.strip(),
            risk_level=rng.choice(["low", "medium", "high", "critical"]),
        )


@dataclass
class World:
    compartment_id: int
    session_request: Any  # what VaultMiddleware reads: user, session, cookies
    case_ids: list[uuid.UUID]


def build_world(count: int) -> World:
    """An organisation, a caseworker in one compartment, `count` cases twice over."""
    from django.db import transaction
    from vaultbench.models import PlainCase

    from corridor.accounts.actions import staff_create
    from corridor.accounts.roles import Role
    from corridor.cases.actions import case_create
    from corridor.cases.models import Case
    from corridor.vault.actions import compartment_create, membership_grant
    from corridor.vault.keyring import Keyring, keyring_activated
    from corridor.vault.session import COOKIE_NAME, vault_session_open

    # Throwaway keys of a throwaway database: random, never printed.
    admin, admin_keyring = bench_organisation()
    worker, worker_key = staff_create(
        username="worker", role=Role.CASEWORKER, passphrase=secrets.token_urlsafe(24), actor_id=None
    )
    compartment = compartment_create(
        actor_id=admin.pk, name="North Caucasus", member_ids=[admin.pk]
    )
    membership_grant(
        keyring=admin_keyring, actor_id=admin.pk, compartment=compartment, user_id=worker.pk
    )

    with keyring_activated(Keyring(user_id=worker.pk, private_key=worker_key)):
        for person in people(count):
            case_create(actor_id=worker.pk, compartment=compartment, **person.__dict__)
    with transaction.atomic():
        PlainCase.objects.bulk_create(
            PlainCase(
                id=case.pk,
                compartment_id=case.compartment_id,
                full_name=case.full_name,
                aliases=case.aliases,
                phone=case.phone,
                location=case.location,
                notes=case.notes,
                stage=case.stage,
                risk_level=case.risk_level,
                assignee_id=case.assignee_id,
                created_at=case.created_at,
            )
            for case in _all_cases_decrypted(Case, worker.pk, worker_key)
        )

    # A login, as the login view leaves it: the private key wrapped under a random secret
    # in the session row, the secret itself in the browser's cookie.
    request = SimpleNamespace(user=worker, session={}, COOKIES={})
    vault_session_open(request, user_id=worker.pk, private_key=worker_key)  # type: ignore[arg-type]
    request.COOKIES[COOKIE_NAME] = base64.urlsafe_b64encode(request._vault_cookie).decode()
    ids = list(Case.objects.order_by("?").values_list("pk", flat=True)[:PAGE_SIZE])
    return World(compartment.pk, request, ids)


def _all_cases_decrypted(case_model: Any, user_id: int, private_key: bytes) -> list[Any]:
    from corridor.vault.keyring import Keyring, keyring_activated

    with keyring_activated(Keyring(user_id=user_id, private_key=private_key)):
        cases = list(case_model.objects.all())
        for case in cases:
            _ = (case.full_name, case.aliases, case.phone, case.location, case.notes)
    return cases


# --- the operations timed -----------------------------------------------------------------


def operations(world: World) -> dict[str, tuple[Callable[[int], Any], Callable[[int], Any]]]:
    """For each operation: (plaintext, vault) callables taking the repetition number."""
    from vaultbench.models import PlainCase

    from corridor.cases.models import Case
    from corridor.vault.keyring import keyring_activated
    from corridor.vault.session import vault_session_keyring

    compartments = [world.compartment_id]
    plain_list_columns = ("id", "full_name", "phone", "risk_level", "stage", "created_at")

    def page(model: Any, list_columns: bool) -> list[tuple[Any, ...]]:
        rows = model.objects.filter(compartment_id__in=compartments).order_by("-created_at")
        if list_columns:  # as the case list view fetches them, both sides alike
            rows = rows.only(*(Case.LIST_FIELDS if model is Case else plain_list_columns))
        return [(c.full_name, c.phone, c.risk_level, c.stage) for c in rows[:PAGE_SIZE]]

    def case(model: Any, i: int) -> tuple[Any, ...]:
        c = model.objects.get(pk=world.case_ids[i % len(world.case_ids)])
        return (c.full_name, c.aliases, c.phone, c.location, c.notes, c.stage, c.risk_level)

    def vault(read: Callable[[], Any]) -> Any:
        with keyring_activated(vault_session_keyring(world.session_request)):
            return read()

    return {
        f"page of {PAGE_SIZE}, all columns": (
            lambda i: page(PlainCase, False),
            lambda i: vault(lambda: page(Case, False)),
        ),
        f"page of {PAGE_SIZE}, list columns": (
            lambda i: page(PlainCase, True),
            lambda i: vault(lambda: page(Case, True)),
        ),
        "one full case": (
            lambda i: case(PlainCase, i),
            lambda i: vault(lambda: case(Case, i)),
        ),
    }


def measure(
    plain: Callable[[int], Any], vault: Callable[[int], Any], repeat: int, warmup: int
) -> tuple[Timing, Timing]:
    """Interleaved, so drift of the machine or the database cache hits both sides alike."""
    for i in range(warmup):
        assert plain(i) == vault(i), "vault and plaintext rows differ"
    plain_s: list[float] = []
    vault_s: list[float] = []
    clock = time.perf_counter
    for i in range(repeat):
        first, second = ((plain, plain_s), (vault, vault_s))[:: 1 if i % 2 else -1]
        for fn, samples in (first, second):
            start = clock()
            fn(i)
            samples.append(clock() - start)
    return timing(plain_s), timing(vault_s)


def key_opening_timing(world: World, repeat: int, warmup: int) -> Timing:
    """The fixed part of the vault's cost that every request pays once, whatever it reads."""
    from corridor.vault.session import vault_session_keyring

    def open_keys() -> None:
        keyring = vault_session_keyring(world.session_request)
        assert keyring is not None
        keyring.compartment_key(world.compartment_id, 1)

    for _ in range(warmup):
        open_keys()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        open_keys()
        samples.append(time.perf_counter() - start)
    return timing(samples)


def profile(name: str, vault: Callable[[int], Any], repeat: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(repeat):
        vault(i)
    profiler.disable()
    print(f"\ncProfile of the vault side of '{name}', {repeat} repetitions (tottime):")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(12)


def main() -> None:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="corridor-vault-bench-"))
    try:
        with throwaway_database(
            args.database_url, BENCH_DATABASE, sqlite_dir=workdir
        ) as database_url:
            django_setup(database_url, workdir)
            from django.db import connection

            started = time.perf_counter()
            world = build_world(args.cases)
            print(
                f"vault bench: {connection.vendor}, {args.cases} cases, setup "
                f"{time.perf_counter() - started:.1f} s, {args.repeat} repetitions "
                f"after {args.warmup} warm-up"
            )
            header = (
                f"{'operation':<28} {'plain median':>12} {'plain p95':>10} "
                f"{'vault median':>12} {'vault p95':>10} {'ratio':>6}  aim <= {AIM}x"
            )
            print(header + "\n" + "-" * len(header))
            ops = operations(world)
            for name, (plain, vault) in ops.items():
                p, v = measure(plain, vault, args.repeat, args.warmup)
                ratio = v.p50_ms / p.p50_ms
                print(
                    f"{name:<28} {p.p50_ms:>9.3f} ms {p.p95_ms:>7.3f} ms "
                    f"{v.p50_ms:>9.3f} ms {v.p95_ms:>7.3f} ms {ratio:>5.2f}x  "
                    f"{'met' if ratio <= AIM else 'NOT MET'}"
                )
            opening = key_opening_timing(world, args.repeat, args.warmup)
            print(
                f"of which per-request key opening (keyring from the session, one key-wrap "
                f"row, one sealed box): median {opening.p50_ms:.3f} ms, "
                f"p95 {opening.p95_ms:.3f} ms"
            )
            if args.profile:
                for name, (_plain, vault) in ops.items():
                    profile(name, vault, args.repeat)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
