"""One flooding client cannot close the public form for everyone else (T5), and no address
is kept anywhere while it is held back (T1, T8; decision 0015).

The hourly limits were global only: three threads sent 44 accepted requests a second, so one
client could take the hour's whole budget and every person after it that hour was told
their request was not sent. These tests send such a flood from one address through the
real views and check that another address is still served.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import re
import secrets
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from django.utils.html import escape

from corridor.intake import codename as codenames
from corridor.intake import flood
from corridor.intake.actions import thread_find
from corridor.intake.models import Submission

from .conftest import Desk
from .images import jpeg_with_gps
from .scan import database_hits

ORIGIN = "http://testserver"
TAG = secrets.token_hex(4)
MESSAGE = f"Помогите, брат угрожает. Qxflood{TAG}"
FIELDS = {"name": "", "contact": "", "region": "", "message": MESSAGE, "website": ""}
CODENAME = re.compile(r'codename-shown" lang="(?:ru|en)">([^<]+)<')
# Addresses unique to this run, so that a scan of files other runs wrote cannot mistake them.
FLOODER = f"10.{secrets.randbelow(200) + 20}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"
PERSON = f"2001:db8:{secrets.token_hex(2)}:{secrets.token_hex(2)}::7"


def _client(address: str, **headers: Any) -> Client:
    return Client(REMOTE_ADDR=address, HTTP_ORIGIN=ORIGIN, **headers)


def _send(client: Client, path: str = "/help/en/") -> Any:
    return client.post(path, FIELDS)


def _codename(response: Any) -> str | None:
    found = CODENAME.search(response.content.decode())
    return found[1] if found else None


def _flood(client: Client, count: int, path: str = "/help/en/") -> list[Any]:
    return [_send(client, path) for _ in range(count)]


def _address_forms(address: str) -> dict[str, str]:
    """The textual forms of an address a scan should look for."""
    parsed = ipaddress.ip_address(address)
    return {"address": address, "address, exploded": parsed.exploded, "compressed": str(parsed)}


def test_it_refuses_a_flood_from_one_address_while_another_is_still_accepted(
    desk: Desk, settings: Any
) -> None:
    # Given an hourly budget of 100 requests, which one client flooding at full speed used
    # to take whole (the per-peer share is 2% of it: 2 requests)
    settings.CORRIDOR_INTAKE_LIMITS = {"submissions_per_hour": 100}
    flooder, person = _client(FLOODER), _client(PERSON)
    # When one address sends 150 requests as fast as it can
    answers = _flood(flooder, 150)
    # Then it got its share and no more, and each refusal says the request was NOT sent
    accepted = [a for a in answers if a.status_code == 200]
    refused = [a for a in answers if a.status_code == 429]
    assert len(accepted) == 2 and len(refused) == 148
    assert all("from your network" in a.content.decode() for a in refused)
    # And every request it was told was accepted is stored and opens with its codename
    assert Submission.objects.count() == 2
    for answer in accepted:
        codename = _codename(answer)
        assert codename and thread_find(codenames.codename_positions(codename)) is not None
    # And another person, from another address, is still served
    served = _send(person)
    assert served.status_code == 200 and _codename(served), served.content.decode()[:2000]
    assert Submission.objects.count() == 3


def test_it_let_one_flooding_address_take_the_whole_budget_without_the_per_peer_limit(
    desk: Desk, settings: Any
) -> None:
    # The attack as it was, with the per-peer limits switched off (the bench's baseline):
    # the same flood takes the budget and the next person is told their request was not sent
    settings.CORRIDOR_INTAKE_LIMITS = {"submissions_per_hour": 100}
    settings.CORRIDOR_INTAKE_FLOOD = {"enabled": False}
    answers = _flood(_client(FLOODER), 110)
    assert sum(a.status_code == 200 for a in answers) == 100
    refused = _send(_client(PERSON))
    assert refused.status_code == 429 and "receiving too many" in refused.content.decode()


def test_it_holds_one_address_to_a_burst_then_a_request_a_second(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the default limits (burst 10, then one a second) and a clock we can move
    now = [1000.0]
    monkeypatch.setattr(flood.time, "monotonic", lambda: now[0])
    flooder = _client(FLOODER)
    # When one address sends 15 requests at once
    statuses = [a.status_code for a in _flood(flooder, 15)]
    # Then the first ten are accepted and the rest refused
    assert statuses == [200] * 10 + [429] * 5
    # And another address is served at once
    assert _send(_client(PERSON)).status_code == 200
    # And three seconds later the first address may send three more, not four
    now[0] += 3.0
    assert [a.status_code for a in _flood(flooder, 4)] == [200, 200, 200, 429]
    assert Submission.objects.count() == 14


@pytest.mark.parametrize(("path", "language"), [("/help/", "ru"), ("/help/en/", "en")])
def test_it_tells_a_refused_requester_in_their_language_and_keeps_their_text(
    desk: Desk, settings: Any, path: str, language: str
) -> None:
    # Given an address that has just used its burst (of one, here)
    settings.CORRIDOR_INTAKE_FLOOD = {"burst": 1}
    client = _client(FLOODER)
    assert _send(client, path).status_code == 200
    # When the same address sends again at once, with a photo this time
    photo = SimpleUploadedFile("IMG_1.jpg", jpeg_with_gps(), content_type="image/jpeg")
    refused = client.post(path, {**FIELDS, "attachments": [photo]})
    # Then it is told, in the page's language, that the request was NOT sent
    page = refused.content.decode()
    with translation.override(language):
        message = str(flood.refusal(flood.SUBMIT).messages[0])
    assert refused.status_code == 429 and f'role="alert">{escape(message)}<' in page
    assert ("NOT sent" if language == "en" else "НЕ отправлен") in message
    # And the text is still in the form, to send again; and nothing more was stored
    assert f"{MESSAGE}</textarea>" in page
    assert "codename-shown" not in page and Submission.objects.count() == 1


def test_it_holds_a_flood_of_status_checks_and_keeps_a_follow_up_in_the_form(
    desk: Desk, settings: Any
) -> None:
    # Given a request, and a status budget whose 2% share is two checks
    settings.CORRIDOR_INTAKE_LIMITS = {"status_checks_per_hour": 100}
    codename = _codename(_send(_client(PERSON)))
    assert codename
    flooder = _client(FLOODER)
    # When one address posts twenty status checks
    guesses = [
        flooder.post("/help/en/status/", {"codename": "abacus " * 7}).status_code for _ in range(20)
    ]
    # Then all but its share are refused
    assert guesses.count(429) == 18
    # When the flooding address writes a follow-up, it is refused and kept in the form
    written = flooder.post(
        "/help/en/status/", {"codename": codename, "message": f"Qxfollowup{TAG}"}
    )
    assert written.status_code == 429 and f"Qxfollowup{TAG}</textarea>" in written.content.decode()
    assert "nothing was sent" in written.content.decode()
    # And the requester still reads their thread and writes to it
    person = _client(PERSON)
    assert (
        "You have sent" in person.post("/help/en/status/", {"codename": codename}).content.decode()
    )
    sent = person.post("/help/en/status/", {"codename": codename, "message": "Ещё"})
    assert sent.status_code == 200 and "Your message was sent" in sent.content.decode()
    assert Submission.objects.count() == 2


def test_it_gives_each_address_its_share_of_the_upload_volume(desk: Desk, settings: Any) -> None:
    # Given 1,000 KiB of uploads an hour: a share of 20 KiB for each address
    settings.CORRIDOR_INTAKE_LIMITS = {"attachment_kib_per_hour": 1000}
    big = {**FIELDS, "message": MESSAGE + "x" * 9000}  # about 10 KiB of body each
    flooder = _client(FLOODER)
    # When one address posts four such bodies
    statuses = [flooder.post("/help/en/", big).status_code for _ in range(4)]
    # Then it is refused once its 20 KiB are spent, and another address is still served
    assert statuses[0] == 200 and statuses[-1] == 429
    assert _client(PERSON).post("/help/en/", big).status_code == 200


def test_it_believes_x_forwarded_for_only_from_a_named_proxy(desk: Desk, settings: Any) -> None:
    settings.CORRIDOR_INTAKE_FLOOD = {"burst": 2}
    # Given no trusted proxy: a client writing a new X-Forwarded-For each time is one peer
    forged = [
        _client(FLOODER, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").post("/help/en/", FIELDS)
        for n in range(5)
    ]
    assert [a.status_code for a in forged] == [200, 200, 429, 429, 429]
    # Given a proxy named in CORRIDOR_TRUSTED_PROXIES: the address it appends is the peer,
    # whatever the client wrote to the left of it
    settings.CORRIDOR_TRUSTED_PROXIES = ["192.0.2.0/24"]

    def via_proxy(client_address: str, written: str = "") -> int:
        header = f"{written}, {client_address}" if written else client_address
        proxied = _client("192.0.2.10", HTTP_X_FORWARDED_FOR=header)
        return int(proxied.post("/help/en/", FIELDS).status_code)

    flooding = [via_proxy("203.0.113.50", written=f"198.51.100.{n}") for n in range(4)]
    assert flooding == [200, 200, 429, 429]
    assert via_proxy("203.0.113.51") == 200  # another client behind the same proxy
    # And the proxy's own address, given no X-Forwarded-For, is just one more peer
    assert via_proxy("") == 200


def test_it_counts_each_client_behind_a_proxy_on_a_unix_socket(desk: Desk, settings: Any) -> None:
    # Given gunicorn on a Unix socket (no REMOTE_ADDR) behind nginx, as deploy/ ships it
    settings.CORRIDOR_INTAKE_FLOOD = {"burst": 2}

    def via_socket(forwarded: str) -> int:
        client = Client(REMOTE_ADDR="", HTTP_ORIGIN=ORIGIN, HTTP_X_FORWARDED_FOR=forwarded)
        return int(client.post("/help/en/", FIELDS).status_code)

    # When "unix" is among the trusted proxies, the address nginx writes is the peer: a
    # flooder is refused after its burst, and another client is still served
    settings.CORRIDOR_TRUSTED_PROXIES = ["unix"]
    assert [via_socket("203.0.113.60") for _ in range(3)] == [200, 200, 429]
    assert via_socket("203.0.113.61") == 200


def test_it_takes_a_global_ipv6_network_as_one_peer_and_a_tor_circuit_as_its_own(
    desk: Desk, settings: Any
) -> None:
    settings.CORRIDOR_INTAKE_FLOOD = {"burst": 1}
    # Given one subscriber's /64: each of its addresses is the same peer
    first = _send(_client("2a00:1450:4001:81c::1"))
    same_network = _send(_client("2a00:1450:4001:81c:dead:beef:1:2"))
    other_network = _send(_client("2a00:1450:4001:81d::1"))
    assert [first.status_code, same_network.status_code, other_network.status_code] == [
        200,
        429,
        200,
    ]
    # And behind an onion service whose Tor exports circuit ids (HiddenServiceExportCircuitID
    # haproxy: fc00:dead:beef:4dad::<circuit>) through a trusted local proxy, each circuit
    # is a peer of its own, not one /64
    settings.CORRIDOR_TRUSTED_PROXIES = ["127.0.0.1"]

    def circuit(number: int) -> int:
        proxied = _client("127.0.0.1", HTTP_X_FORWARDED_FOR=f"fc00:dead:beef:4dad::{number:x}")
        return int(_send(proxied).status_code)

    assert [circuit(1), circuit(1), circuit(2), circuit(3)] == [200, 429, 200, 200]


def test_it_counts_an_onion_services_visitors_as_one_shared_peer(desk: Desk, settings: Any) -> None:
    # Given an onion service: every visitor arrives from 127.0.0.1, a shared peer, which has
    # no burst limit and half of the hourly budget
    settings.CORRIDOR_INTAKE_LIMITS = {"submissions_per_hour": 40}
    onion = Client(REMOTE_ADDR="127.0.0.1", HTTP_ORIGIN=ORIGIN)
    # When visitors (or one flooder) send 25 requests at once through it
    statuses = [a.status_code for a in _flood(onion, 25)]
    # Then twenty, half the budget, are accepted, more than a burst of ten
    assert statuses == [200] * 20 + [429] * 5
    # And people reaching the site directly still have the other half
    assert _send(_client(PERSON)).status_code == 200


def test_it_forgets_the_longest_idle_peer_beyond_its_bound(desk: Desk, settings: Any) -> None:
    # Given room for 20 peers, and a flooder that used up its burst (refilled only slowly)
    settings.CORRIDOR_INTAKE_FLOOD = {"max_peers": 20, "burst": 1, "per_second": 0.001}
    flooder = _client(FLOODER)
    assert [a.status_code for a in _flood(flooder, 2)] == [200, 429]
    # When 60 other addresses come, while the flooder keeps trying
    for n in range(60):
        request = _client(f"198.51.100.{n}")
        assert request.get("/help/en/").status_code == 200  # a page view takes nothing
        assert _send(request).status_code == 200
        if n % 5 == 0:
            assert _send(flooder).status_code == 429
    # Then no more than 20 peers are remembered, and the flooder is still one of them
    assert flood.peers_remembered() == 20
    assert _send(flooder).status_code == 429


def test_it_keeps_no_address_in_the_database_the_log_or_any_file(
    desk: Desk, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # Given every logger recorded at every level
    caplog.set_level(logging.DEBUG)
    settings.CORRIDOR_INTAKE_LIMITS = {"submissions_per_hour": 100}
    # When one IPv4 and one IPv6 address flood the form and the status page
    for address in (FLOODER, PERSON):
        client = _client(address)
        _flood(client, 8)
        for _ in range(12):
            client.post("/help/en/status/", {"codename": "abacus " * 7})
    # Then no row of the database holds either address, in any form
    needles = {
        f"{label} {n}": v
        for n, a in enumerate((FLOODER, PERSON))
        for label, v in _address_forms(a).items()
    }
    assert database_hits(needles) == []
    packed = [ipaddress.ip_address(a).packed for a in (FLOODER, PERSON)]
    packed.append(ipaddress.ip_address(PERSON).packed[:8])  # the /64 a peer stands for
    # And no log record, and no file under var/ (database files, the log file)
    texts = [r.getMessage() + repr(r.args) + repr(r.__dict__) for r in caplog.records]
    assert not [t for t in texts for n in needles.values() if n in t]
    for handler in logging.getLogger().handlers:
        handler.flush()
    files = [p for p in Path(django_settings.VAR_DIR).rglob("*") if p.is_file()]
    assert files
    for path in files:
        data = path.read_bytes()
        assert not [n for n in needles.values() if n.encode() in data], path
        assert not [p for p in packed[:2] if p in data], path
    # And the limiter's memory holds keyed hashes only: no address, no unkeyed hash of one
    assert flood.peers_remembered() == 2
    for key in flood._peers:
        assert not any(p in key for p in packed)
        assert key not in {hashlib.blake2b(p, digest_size=16).digest() for p in packed}
