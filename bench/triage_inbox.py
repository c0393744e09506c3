"""The triage inbox page (`triage:inbox`) with a desk of 300 and of 5,000 requests.

Run with `make bench-triage` (or `.venv/bin/python bench/triage_inbox.py --help`). For each
size the script builds its own throwaway database (a temporary SQLite file by default, or
a `corridor_bench_triage` database beside the one named by --database-url on PostgreSQL,
created and dropped by the bench), and in it, through Corridor's real actions:

* an organisation, the desk and North compartments, a triage desk member (also a member of
  North) with a TOTP device, and the intake desk with its key (`intake_desk_create`);
* 20 cases in North (`case_create`), some sharing a name or a phone with requests, and 20
  watch-list entries (`watch_entry_add`), a few of them hit by requests;
* N requests sealed to the intake key as the public form seals them (`payload_check`,
  `payload_seal`), stored in bulk: a 2023-style flood, two requests an hour with bursts
  of 12 an hour (one hour in six), near-identical messages in the bursts, shared phones and
  handles, common names, and one request in ten with a follow-up;
* every request indexed beforehand (`triage.actions.submissions_index`, in batches), as a
  desk that keeps up has them: the timed pages are the steady state. The first visit of an
  unindexed desk is timed once on its own (it indexes what the page shows and a backlog).

It logs the desk member in through the real views (passphrase, then a TOTP code) and times
GET /triage/ (50 requests opened and flagged) against a baseline in the same run: the same
page without flags (`/bench/triage/plain/`: same decorators and desk check, the 50 requests
and their follow-ups opened, the same template, a `triage.list` audit entry), alternating.
It prints p50/p95 in ms and the queries of one page of each.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import astuple
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchdb import bench_organisation, django_setup, throwaway_database, timing, totp_code

BENCH_DATABASE = "corridor_bench_triage"
AIM_MS = {300: 300.0, 5000: 500.0}
FIRST = ["Асланбек", "Ибрагим", "Магомед", "Руслан", "Тимур", "Зелимхан", "Алихан", "Ислам"]
LAST = ["Марзоев", "Дадаев", "Исаев", "Хасанов", "Умаров", "Алиев", "Идрисов", "Вахаев"]
LAST += ["Мусаев", "Бисултанов", "Гайрбеков", "Шамилев", "Ибрагимов", "Магомадов"]
PLACES = ["Грозный", "Гудермес", "Урус-Мартан", "Назрань", "Махачкала", "Шали"]
SENTENCES = [
    "Родственники узнали обо мне и угрожают, телефон проверяют.",
    "Меня задержали на сутки, забрали паспорт, потом отпустили.",
    "Из дома выходить не дают, могу писать только вечером.",
    "Нужна помощь с выездом из республики, денег на билет нет.",
    "Прошу связаться через мессенджер, не звонить.",
    "Брат нашёл переписку, сказал, что отец всё решит.",
    "Паспорт у меня, загранпаспорта нет.",
    "Подруга дала ваш адрес, она сама уехала в прошлом году.",
]
BURST_TEXT = "Здравствуйте, меня преследуют, нужна срочная помощь с эвакуацией из Грозного"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="300,5000", help="requests in the desk (300,5000)")
    parser.add_argument("--repeat", type=int, default=30, help="timed pages per side (30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed pages first (3)")
    parser.add_argument(
        "--database-url",
        default="",
        help="a PostgreSQL server to use, e.g. postgres://postgres@127.0.0.1:5432/test: the "
        f"bench creates and drops its own `{BENCH_DATABASE}` database there and never touches "
        "the named one. Default: a temporary SQLite file.",
    )
    parser.add_argument("--seed", type=int, default=2023)
    return parser.parse_args()


def _plain_inbox(request: Any) -> Any:
    """The inbox without flags: the baseline (bench only)."""
    from django.db import transaction
    from django.shortcuts import render

    from corridor.accounts.decorators import staff_user
    from corridor.audit.log import audit_record_many
    from corridor.intake.models import Submission
    from corridor.triage.access import desk_for_user
    from corridor.triage.opening import PayloadOpener, threads_open
    from corridor.triage.pages import FlaggedThread
    from corridor.triage.views import FILTER_LABELS, FILTERS, PAGE_SIZE

    desk_for_user(request, "intake.triage")
    heads = Submission.objects.filter(thread__isnull=True, status__in=FILTERS["open"]).order_by(
        "-received_hour", "pk"
    )[:PAGE_SIZE]
    rows = [FlaggedThread(thread, []) for thread in threads_open(heads, PayloadOpener())]
    with transaction.atomic():
        audit_record_many(
            actor_id=staff_user(request).pk,
            action="triage.list",
            object_type="intake.Submission",
            object_ids=[str(row.thread.head.pk) for row in rows],
        )
    filters = [(key, FILTER_LABELS[key]) for key in FILTERS]
    return render(request, "triage/inbox.html", {"rows": rows, "shown": "open", "filters": filters})


def _urlpatterns() -> list[Any]:
    from django.urls import include, path
    from django.views.decorators.http import require_http_methods

    from corridor.accounts.decorators import require_permission

    plain = require_http_methods(["GET"])(require_permission("intake.triage")(_plain_inbox))
    return [path("bench/triage/plain/", plain), path("", include("corridor.urls"))]


def __getattr__(name: str) -> Any:  # the URLconf, built once Django is set up
    if name == "urlpatterns":
        return _urlpatterns()
    raise AttributeError(name)


# --- data --------------------------------------------------------------------------------


def _phone(rng: random.Random) -> str:
    return f"+7 928 {rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}"


def _payloads(count: int, rng: random.Random) -> list[tuple[int, dict[str, Any]]]:
    """(hours ago, payload) of `count` requests: 2 an hour, 12 an hour one hour in six."""
    shared_phones = [_phone(rng) for _ in range(15)]
    found: list[tuple[int, dict[str, Any]]] = []
    hour = 0
    while len(found) < count:
        burst = rng.random() < 1 / 6
        handle = f"@flood_{hour}" if burst else ""
        for _ in range(12 if burst else 2):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            phone = rng.choice(shared_phones) if rng.random() < 0.1 else _phone(rng)
            contact = f"{phone}, {handle}" if burst and rng.random() < 0.5 else phone
            message = (
                BURST_TEXT + rng.choice(["", "!", ".", " пожалуйста"])
                if burst and rng.random() < 0.7
                else " ".join(rng.sample(SENTENCES, 3))
            )
            payload = {
                "name": name,
                "contact": contact,
                "messenger": f"@user{rng.randint(1, 10**6)}",
                "region": rng.choice(PLACES),
                "message": message,
                "urgency": rng.choice(["now", "days", "weeks"]),
                "language": "ru",
            }
            found.append((hour, payload))
        hour += 1
    return found[:count]


def build_desk(count: int, seed: int) -> dict[str, Any]:
    import base64

    from django.db import transaction
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from corridor.accounts.actions import staff_create
    from corridor.accounts.roles import Role
    from corridor.cases.actions import case_create
    from corridor.intake import sealing
    from corridor.intake.actions import intake_desk_create
    from corridor.intake.models import IntakeKey, Submission
    from corridor.intake.payload import payload_check
    from corridor.triage.actions import submissions_index, watch_entry_add
    from corridor.triage.identifiers import identifiers_of
    from corridor.vault.actions import compartment_create, membership_grant
    from corridor.vault.keyring import Keyring, keyring_activated

    rng = random.Random(seed)
    started = time.perf_counter()
    admin, admin_keyring = bench_organisation()
    desk_compartment = compartment_create(actor_id=admin.pk, name="Desk", member_ids=[admin.pk])
    north = compartment_create(actor_id=admin.pk, name="North", member_ids=[admin.pk])
    passphrase = secrets.token_urlsafe(24)
    member, member_key = staff_create(
        username="desk", role=Role.TRIAGE, passphrase=passphrase, actor_id=None
    )
    device = TOTPDevice.objects.create(user=member, name="authenticator", confirmed=True)
    for compartment in (desk_compartment, north):
        membership_grant(
            keyring=admin_keyring, actor_id=admin.pk, compartment=compartment, user_id=member.pk
        )
    keyring = Keyring(user_id=member.pk, private_key=member_key)
    payloads = _payloads(count, rng)
    with keyring_activated(keyring):
        intake_desk_create(actor_id=member.pk, compartment=desk_compartment)
        key = IntakeKey.objects.get(active=True)
        private = base64.b64decode(key.private_key)
        for number in range(20):
            _hours, payload = payloads[number * 7 % len(payloads)]
            case_create(
                actor_id=member.pk,
                compartment=north,
                full_name=payload["name"] if number % 2 else f"{rng.choice(LAST)} Бенчев",
                phone=payload["contact"].split(",")[0] if number % 3 == 0 else _phone(rng),
            )
            watched = payloads[number * 13 % len(payloads)][1] if number < 5 else {}
            watch_entry_add(
                actor_id=member.pk,
                kind="phone",
                value=watched.get("contact", "").split(",")[0] or _phone(rng),
                note="bench",
            )
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    rows = []
    for hours, payload in payloads:
        rows.append(
            Submission(
                id=uuid.UUID(int=rng.getrandbits(128), version=4),  # the same page every run
                intake_key_id=key.pk,
                sealed=sealing.payload_seal(bytes(key.public_key), payload_check(payload)),
                channel="web",
                received_hour=now - timedelta(hours=hours),
            )
        )
    with transaction.atomic():
        Submission.objects.bulk_create(rows, batch_size=500)
        follow_ups = [
            Submission(
                id=uuid.UUID(int=rng.getrandbits(128), version=4),
                intake_key_id=key.pk,
                sealed=sealing.payload_seal(
                    bytes(key.public_key),
                    payload_check({"message": f"мой второй номер {_phone(rng)}", "language": "ru"}),
                ),
                channel="web",
                received_hour=head.received_hour,
                thread=head,
                position=1,
            )
            for head in rows[::10]
        ]
        Submission.objects.bulk_create(follow_ups, batch_size=500)
    built = time.perf_counter() - started
    started = time.perf_counter()
    with keyring_activated(keyring):
        everything = list(Submission.objects.order_by("received_hour", "position"))
        for start in range(0, len(everything), 500):
            items = [
                (s, identifiers_of(sealing.payload_unseal(private, bytes(s.sealed))))
                for s in everything[start : start + 500]
            ]
            submissions_index(actor_id=member.pk, items=items)
    indexed = time.perf_counter() - started
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return {
        "member": member,
        "passphrase": passphrase,
        "device": device,
        "built_s": built,
        "indexed_s": indexed,
        "follow_ups": len(follow_ups),
    }


def unindexed_copy(desk: dict[str, Any]) -> None:
    """Forget the index, to time the first visit of a desk nobody has indexed yet."""
    from corridor.triage.models import LinkageKey, SubmissionIndexed, SubmissionTerm

    SubmissionTerm.objects.all().delete()
    LinkageKey.objects.all().delete()
    SubmissionIndexed.objects.all().delete()


# --- the pages ---------------------------------------------------------------------------


def logged_in_client(desk: dict[str, Any]) -> Any:
    from django.test import Client

    client = Client()
    response = client.post(
        "/accounts/login/", {"username": desk["member"].username, "passphrase": desk["passphrase"]}
    )
    assert response.status_code == 302, response.content[:300]
    response = client.post("/accounts/login/code/", {"token": totp_code(desk["device"])})
    assert response.status_code == 302 and "/accounts/" not in response["Location"]
    return client


def _get(client: Any, path: str) -> Any:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code, response.content[:300])
    return response


def _shown(response: Any) -> tuple[int, int]:
    html = response.content.decode()
    return html.count('<a href="/triage/'), html.count("badge warn flag-")


def _queries_and_audit(client: Any, path: str) -> tuple[int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from corridor.audit.models import AuditEntry

    before = AuditEntry.objects.count()
    with CaptureQueriesContext(connection) as queries:
        _get(client, path)
    return len(queries), AuditEntry.objects.count() - before


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def run_size(count: int, args: argparse.Namespace) -> None:
    from django.db import connection

    desk = build_desk(count, args.seed)
    client = logged_in_client(desk)
    inbox, plain = "/triage/", "/bench/triage/plain/"
    links, badges = _shown(_get(client, inbox))
    q_inbox, a_inbox = _queries_and_audit(client, inbox)
    q_plain, a_plain = _queries_and_audit(client, plain)
    print(
        f"\n{connection.vendor}, {count:,} requests (+{desk['follow_ups']} follow-ups): built "
        f"{desk['built_s']:.0f} s, indexed {desk['indexed_s']:.0f} s; the inbox shows {links} "
        f"links and {badges} flag badges; one page: inbox {q_inbox} queries and {a_inbox} "
        f"audit entries, plain {q_plain} queries and {a_plain} audit entries; {_load()}",
        flush=True,
    )
    for _i in range(args.warmup):
        _get(client, inbox)
        _get(client, plain)
    samples: dict[str, list[float]] = {inbox: [], plain: []}
    clock = time.perf_counter
    for i in range(args.repeat):
        for path in (inbox, plain)[:: 1 if i % 2 else -1]:
            start = clock()
            _get(client, path)
            samples[path].append(clock() - start)
    (i50, i95), (p50, p95) = astuple(timing(samples[inbox])), astuple(timing(samples[plain]))
    aim = AIM_MS.get(count)
    met = "" if aim is None else f"  aim p95 < {aim:.0f} ms: {'met' if i95 < aim else 'NOT MET'}"
    print(f"  inbox with flags   p50 {i50:7.1f} ms  p95 {i95:7.1f} ms{met}")
    print(f"  inbox, no flags    p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  (baseline)")
    print(f"  ratio              p50 {i50 / p50:6.2f}x   p95 {i95 / p95:6.2f}x")
    unindexed_copy(desk)
    start = clock()
    _get(client, inbox)
    first = (clock() - start) * 1000
    start = clock()
    _get(client, inbox)
    second = (clock() - start) * 1000
    print(
        f"  unindexed desk: first visit {first:.0f} ms, second {second:.0f} ms "
        f"(each indexes the page and a bounded backlog); {_load()}",
        flush=True,
    )


def main() -> None:
    args = parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if len(sizes) > 1:  # one process per size: each its own database and Django set-up
        for size in sizes:
            command = [sys.executable, __file__, *sys.argv[1:], "--sizes", str(size)]
            subprocess.run(command, check=True)
        return
    workdir = Path(tempfile.mkdtemp(prefix="corridor-triage-bench-"))
    try:
        with throwaway_database(
            args.database_url, BENCH_DATABASE, sqlite_dir=workdir
        ) as database_url:
            django_setup(
                database_url,
                workdir,
                environment={"ALLOWED_HOSTS": "testserver"},  # the test Client's host
                root_urlconf=__name__,  # Corridor's URLs plus the baseline page below
            )
            run_size(sizes[0], args)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
