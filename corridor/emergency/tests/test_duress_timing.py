"""The login's timing does not tell a duress passphrase from the real one or a wrong one,
nor who has set one (T3; decision 0026).

A security property, not a speed test: each path must pay one password hash and one
Argon2id at the key-wrap cost. Measured over many interleaved tries; the bound is on the
medians of paths whose answers look alike (a duress and a real login both go on to the code
step; a wrong passphrase is refused whether or not the user has a duress passphrase). A
wrong passphrase's answer differs anyway, so its time against a real login is printed, not
bounded: it differs by the session's database writes. The test first shows the Argon2id is
large enough that a path skipping it would fall outside the bound.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.test import Client, override_settings

from conftest import Org
from corridor.accounts.actions import duress_passphrase_set
from corridor.accounts.models import LoginThrottle
from corridor.accounts.roles import Role
from corridor.vault import crypto

TRIES = 30
# Medians within 15% of the real login's median (decision 0026).
BOUND = 0.15
OPSLIMIT, MEMLIMIT = 2, 32 * 1024 * 1024
DURESS = "a second passphrase only for the worst day"


def _timed(post: Callable[[], int], expected: int) -> float:
    LoginThrottle.objects.all().delete()  # a wrong try must not reach the throttle's wait
    start = time.perf_counter()
    status = post()
    elapsed = time.perf_counter() - start
    assert status == expected
    return elapsed


@override_settings(CORRIDOR_KDF_OPSLIMIT=OPSLIMIT, CORRIDOR_KDF_MEMLIMIT=MEMLIMIT)
def test_it_takes_the_same_time_for_a_real_a_duress_and_a_wrong_passphrase(org: Org) -> None:
    # Given a caseworker with a duress passphrase and one without, keys at a real-ish cost
    with_duress = org.staff("with-duress", Role.CASEWORKER, ("North",))
    without = org.staff("without-duress", Role.CASEWORKER, ("North",))
    assert duress_passphrase_set(user=with_duress.user, passphrase=DURESS)
    assert get_user_model().objects.filter(keypair__kdf_memlimit=MEMLIMIT).count() == 2

    def post(username: str, passphrase: str) -> Callable[[], int]:
        def send() -> int:
            client = Client()
            response = client.post(
                "/accounts/login/", {"username": username, "passphrase": passphrase}
            )
            return response.status_code

        return send

    paths = {
        "real": (post("with-duress", with_duress.passphrase), 302),
        "duress": (post("with-duress", DURESS), 302),
        "wrong": (post("with-duress", "a wrong guess of a passphrase"), 200),
        "wrong, no duress set": (post("without-duress", "a wrong guess of a passphrase"), 200),
        "real, no duress set": (post("without-duress", without.passphrase), 302),
    }
    for send, expected in paths.values():  # warm up caches and connections
        _timed(send, expected)
    # When each path is timed, interleaved so the machine's load falls on all alike
    samples: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(TRIES):
        for name, (send, expected) in paths.items():
            samples[name].append(_timed(send, expected))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    # Then the Argon2id alone is well over the bound: a path that skipped it would fail
    kdf = statistics.median(_time_kdf() for _ in range(10))
    report = ", ".join(f"{name} {value * 1000:.1f} ms" for name, value in medians.items())
    print(f"\nlogin medians over {TRIES} tries: {report}; Argon2id alone {kdf * 1000:.1f} ms")
    assert kdf > 1.5 * BOUND * medians["real"], report
    # And the paths that look alike are within the bound of each other
    for name, like in (
        ("duress", "real"),
        ("real, no duress set", "real"),
        ("wrong, no duress set", "wrong"),
    ):
        assert abs(medians[name] - medians[like]) <= BOUND * medians[like], (name, report)


def _time_kdf() -> float:
    start = time.perf_counter()
    crypto.passphrase_key("x", bytes(crypto.SALT_BYTES), OPSLIMIT, MEMLIMIT)
    return time.perf_counter() - start
