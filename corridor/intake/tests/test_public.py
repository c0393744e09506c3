"""The public form and status page: no cookie, no trace of the requester, nothing readable
at rest, clear refusals that store nothing, and limits that hold under a flood (T5, T7, T8)."""

from __future__ import annotations

import io
import logging
import re
import secrets
import string
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.utils import translation
from django.utils.html import escape
from PIL import Image

from corridor.intake import actions, views
from corridor.intake.actions import attachment_open, reply_send, submission_open
from corridor.intake.models import RateBucket, Reply, Submission, SubmissionAttachment
from corridor.vault.keyring import keyring_activated

from .conftest import Desk
from .images import GPS_IFD, jpeg_with_gps, pdf_with_metadata
from .scan import database_hits, database_snapshot

TAG = "".join(secrets.choice(string.ascii_lowercase) for _ in range(8))
ADDRESS = "203.0.113.77"
AGENT = f"Zorkbrowser/9.{TAG} (Markerphone)"
FIELDS = {
    "name": f"Хеда Маркерова{TAG}",
    "contact": f"@qxcontact{TAG}",
    "region": f"Qxregion{TAG} Гудермес",
    "message": f"Брат угрожает. Qxmessage{TAG} нужна помощь.",
    "threat": "family",
    "urgency": "now",
}
NEEDLES = {
    "name": f"Маркерова{TAG}",
    "contact": f"qxcontact{TAG}",
    "region": f"Qxregion{TAG}",
    "message": f"Qxmessage{TAG}",
    "reply": f"Qxreply{TAG}",
    "follow-up": f"Qxfollowup{TAG}",
    "address": ADDRESS,
    "agent": f"Zorkbrowser/9.{TAG}",
}
CODENAME = re.compile(r'codename-shown" lang="(?:ru|en)">([^<]+)<')


ORIGIN = "http://testserver"  # what a browser sends with every post from the form's page


def _client(address: str = ADDRESS) -> Client:
    return Client(
        REMOTE_ADDR=address, HTTP_USER_AGENT=AGENT, HTTP_ACCEPT_LANGUAGE="en", HTTP_ORIGIN=ORIGIN
    )


def _send(client: Client, data: dict[str, Any], path: str = "/help/") -> Any:
    return client.post(path, data)


def _codename(response: Any) -> str:
    found = CODENAME.search(response.content.decode())
    assert found, response.content.decode()[:2000]
    return found[1]


def _no_cookie(response: Any) -> None:
    assert "Set-Cookie" not in response.headers and not response.cookies, response.cookies


# --- the form -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "language"),
    [("/help/", "ru"), ("/help/en/", "en"), ("/help/status/", "ru"), ("/help/en/status/", "en")],
)
def test_it_serves_the_pages_in_their_language_without_cookies(
    db: None, path: str, language: str
) -> None:
    # Given a browser that prefers English
    client = _client()
    # When it opens a public page
    response = client.get(path)
    # Then the path alone decides the language: Russian by default, English one link away
    assert response.status_code == 200
    assert f'<html lang="{language}">' in response.content.decode()
    assert response["Content-Language"] == language
    other = "/help/en/" if language == "ru" else "/help/"
    assert f'href="{other}' in response.content.decode()
    # And it sets no cookie, loads no script and nothing from another origin
    _no_cookie(response)
    page = response.content.decode()
    assert "<script" not in page and "style=" not in page
    assert not re.search(r'(src|href)="(https?:)?//', page.replace('class="quick-exit" href', ""))
    assert "https://" in page.split('class="quick-exit"', 1)[1].split(">", 1)[0]  # the exit


def test_it_seals_a_request_so_the_database_shows_none_of_it(desk: Desk) -> None:
    # Given a requester who types markers in every field and attaches a photo and a PDF
    client = _client()
    photo = SimpleUploadedFile("IMG_2291.jpg", jpeg_with_gps(), content_type="image/jpeg")
    pdf = SimpleUploadedFile(f"Qxfile{TAG}.pdf", pdf_with_metadata(), "application/pdf")
    # (and the database as it was before, whose vocabularies may hold a codename word)
    before = database_snapshot()
    # When they send the form
    response = _send(client, {**FIELDS, "attachments": [photo, pdf]})
    # Then they get a codename, and no cookie
    assert response.status_code == 200, response.content.decode()[:3000]
    codename = _codename(response)
    _no_cookie(response)
    # And the database holds no marker, no address and no agent in any column of any row
    needles = {**NEEDLES, "file name": f"Qxfile{TAG}", "codename": codename}
    for word in codename.split():
        needles[f"codename word {word}"] = word
    assert database_hits(needles, before) == []
    # And a desk member opens the request and its files through the vault
    submission = Submission.objects.get()
    opened = submission_open(submission, desk.member.keyring)
    assert {k: opened[k] for k in FIELDS} == FIELDS and opened["language"] == "ru"
    assert submission.channel == "web" and submission.received_hour.minute == 0
    names = set()
    with keyring_activated(desk.member.keyring):
        for attachment in SubmissionAttachment.objects.filter(submission=submission):
            name, content_type, content = attachment_open(attachment)
            names.add(name)
            if content_type == "image/jpeg":
                # And the photo carries no EXIF and no GPS position any more
                image = Image.open(io.BytesIO(content))
                assert not image.getexif() and not image.getexif().get_ifd(GPS_IFD)
                assert "exif" not in image.info
    assert names == {"IMG_2291.jpg", f"Qxfile{TAG}.pdf"}


def test_it_keeps_uploads_out_of_temporary_files(desk: Desk, settings: Any, tmp_path: Path) -> None:
    # Given Django's temporary upload folder, and a file above its in-memory threshold
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    big = SimpleUploadedFile("big.jpg", jpeg_with_gps((900, 900)), "image/jpeg")
    assert (big.size or 0) > 1024
    # When it is sent
    response = _send(_client(), {**FIELDS, "attachments": [big]})
    # Then it was accepted and no temporary file was ever written
    assert response.status_code == 200 and Submission.objects.count() == 1
    assert list(tmp_path.iterdir()) == []


# --- the codename round trip ----------------------------------------------------------------


def test_it_shows_replies_to_the_codename_and_threads_what_is_written_back(desk: Desk) -> None:
    # Given a request sent in Russian and its codename
    client = _client()
    first = _codename(_send(client, FIELDS))
    submission = Submission.objects.get()
    # When the desk replies
    with keyring_activated(desk.member.keyring):
        reply_send(actor_id=desk.member.user.pk, submission=submission, text=f"Qxreply{TAG}")
    # Then the status page, given the codename in another case and spacing, shows the reply
    typed = "  " + "   ".join(first.upper().split()) + " "
    page = client.post("/help/status/", {"codename": typed})
    assert page.status_code == 200 and f"Qxreply{TAG}" in page.content.decode()
    _no_cookie(page)
    # And writing more adds a follow-up to the same thread, readable by the desk
    written = client.post("/help/en/status/", {"codename": first, "message": f"Qxfollowup{TAG}"})
    assert written.status_code == 200 and "Your message was sent" in written.content.decode()
    assert f"Qxreply{TAG}" in written.content.decode()
    follow_up = Submission.objects.get(thread=submission)
    assert submission_open(follow_up, desk.member.keyring)["message"] == f"Qxfollowup{TAG}"
    assert follow_up.position == 2 and follow_up.codename_hash is None
    # And the reply is sealed at rest: the database shows neither it nor the follow-up
    assert database_hits({"reply": NEEDLES["reply"], "follow-up": NEEDLES["follow-up"]}) == []
    # And another request's codename does not open this thread
    other = _codename(_send(client, FIELDS))
    assert "Qxreply" not in client.post("/help/status/", {"codename": other}).content.decode()


def test_it_opens_the_thread_with_the_codename_in_either_alphabet(desk: Desk) -> None:
    client = _client()
    response = _send(client, FIELDS)
    russian, english = CODENAME.findall(response.content.decode())
    with keyring_activated(desk.member.keyring):
        reply_send(actor_id=desk.member.user.pk, submission=Submission.objects.get(), text="Ответ")
    for typed in (russian, english, russian.replace("е", "ё")):
        assert "Ответ" in client.post("/help/en/status/", {"codename": typed}).content.decode()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abacus abdomen abdominal abide abiding ability ablaze", "No request matches"),
        ("abacus abdomen", "has 7 words"),
        ("abacus abdomen abdominal abide abiding ability qxnotaword", "is not in the codename"),
        ("", "Type your codename"),
    ],
    ids=["unknown", "short", "misspelt", "empty"],
)
def test_it_tells_a_wrong_codename_clearly_and_reveals_nothing(
    desk: Desk, typed: str, message: str
) -> None:
    # Given a thread with a reply
    client = _client()
    _send(client, FIELDS)
    with keyring_activated(desk.member.keyring):
        reply_send(actor_id=desk.member.user.pk, submission=Submission.objects.get(), text="Secret")
    # When someone types a wrong codename
    response = client.post("/help/en/status/", {"codename": typed})
    # Then they get a clear message and nothing of any thread
    page = response.content.decode()
    assert response.status_code == 200 and message in page
    assert "Secret" not in page and "You have sent" not in page
    assert Submission.objects.count() == 1


def test_it_never_takes_the_codename_from_a_url(desk: Desk) -> None:
    codename = _codename(_send(_client(), FIELDS))
    response = Client().get("/help/status/", {"codename": codename})
    assert response.status_code == 200 and "You have sent" not in response.content.decode()


# --- bad input: a clear message in the requester's language, and nothing stored ------------


def _bad_cases() -> list[Any]:
    jpeg = jpeg_with_gps()
    return [
        pytest.param({**FIELDS, "message": ""}, "Please write your message", id="empty"),
        pytest.param({**FIELDS, "message": "x" * 10_001}, "10000", id="long-message"),
        pytest.param({**FIELDS, "name": "n" * 201}, "200", id="long-name"),
        pytest.param({**FIELDS, "message": "a\x00b"}, "Null characters", id="nul"),
        pytest.param({**FIELDS, "threat": "aliens"}, "valid choice", id="choice"),
        pytest.param(
            {**FIELDS, "attachments": [SimpleUploadedFile("a.jpg", b"not an image at all")]},
            "Only images",
            id="wrong-type",
        ),
        pytest.param(
            {**FIELDS, "attachments": [SimpleUploadedFile("a.jpg", jpeg[:200])]},
            "could not be read",
            id="corrupt-image",
        ),
        pytest.param(
            {**FIELDS, "attachments": [SimpleUploadedFile("a.jpg", b"")]},
            "is empty",
            id="empty-file",
        ),
        pytest.param(
            {
                **FIELDS,
                "attachments": [SimpleUploadedFile(f"{i}.jpg", jpeg) for i in range(6)],
            },
            "At most 5 files",
            id="too-many-files",
        ),
        pytest.param(
            {**FIELDS, "attachments": [SimpleUploadedFile("a.pdf", b"%PDF-1.4 " * 600_000)]},
            "larger than 5 MB",
            id="file-too-large",
        ),
    ]


@pytest.mark.parametrize(("data", "message"), _bad_cases())
def test_it_refuses_bad_input_clearly_and_stores_nothing(
    desk: Desk, data: dict[str, Any], message: str
) -> None:
    response = _send(_client(), data, path="/help/en/")
    page = response.content.decode()
    assert response.status_code == 200, page[:2000]
    assert message in page, page[page.index("<main>") : page.index("</main>")]
    assert "codename-shown" not in page
    assert not Submission.objects.exists() and not SubmissionAttachment.objects.exists()
    _no_cookie(response)


def test_it_refuses_a_body_over_the_total_size_before_reading_it(desk: Desk) -> None:
    big = [SimpleUploadedFile(f"{i}.pdf", b"%PDF-" + b"0" * (4 * 1024 * 1024)) for i in range(3)]
    response = _send(_client(), {**FIELDS, "attachments": big}, path="/help/en/")
    assert response.status_code == 413 and "NOT sent" in response.content.decode()
    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        b"name=%FF%FE&message=caf%C3",  # invalid UTF-8
        b"message=%ED%A0%80lone",  # an encoded lone surrogate
    ],
    ids=["invalid-utf8", "surrogate"],
)
def test_it_refuses_text_that_is_not_valid_utf8(desk: Desk, body: bytes) -> None:
    response = _client().generic(
        "POST", "/help/en/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200 and "valid UTF-8" in response.content.decode()
    assert not Submission.objects.exists()


def test_it_refuses_a_broken_multipart_body(desk: Desk) -> None:
    response = _client().generic(
        "POST",
        "/help/en/",
        b"--xyz\r\nContent-Disposition: form-data; name=\r\n\r\nbroken",
        content_type="multipart/form-data; boundary=xyz",
    )
    assert response.status_code in (200, 400, 413)  # 400: cut off (decision 0023)
    assert not Submission.objects.exists()


@pytest.mark.parametrize("path", ["/help/en/", "/help/en/status/"])
@pytest.mark.parametrize("length", ["abc", "-5", "1e3"])
def test_it_refuses_a_malformed_content_length_clearly(desk: Desk, path: str, length: str) -> None:
    # Given a body whose Content-Length header is not a number of bytes
    client = Client(raise_request_exception=False, HTTP_ORIGIN=ORIGIN)
    # When it is posted to the form or the status page
    response = client.generic(
        "POST",
        path,
        b"message=hello+there",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=length,
    )
    # Then it is refused with a message, not a server error, and nothing is stored
    assert response.status_code == 413
    assert "could not be read" in response.content.decode()
    assert not Submission.objects.exists()
    _no_cookie(response)


def test_it_speaks_the_requesters_language_when_refusing(desk: Desk) -> None:
    # Given the same empty message sent to the Russian and to the English form
    with translation.override("ru"):
        expected = str(translation.gettext("Please write your message."))
    russian = _send(_client(), {**FIELDS, "message": ""}, path="/help/").content.decode()
    # Then the Russian page carries the Russian message (whatever the browser prefers)
    assert expected in russian and '<html lang="ru">' in russian


def test_it_refuses_the_honeypot_and_stores_nothing(desk: Desk) -> None:
    response = _send(_client(), {**FIELDS, "website": "http://spam.example"}, path="/help/en/")
    assert response.status_code == 200 and "must stay empty" in response.content.decode()
    assert not Submission.objects.exists()
    page = _client().get("/help/").content.decode()
    # And the trap is hidden by a class from the stylesheet, not an inline style
    assert 'class="hp"' in page and "style=" not in page


def _bare_client(**headers: Any) -> Client:
    """A client that sends only the headers given (no Origin of its own)."""
    return Client(REMOTE_ADDR=ADDRESS, **headers)


REFUSED_ORIGINS = [
    pytest.param({}, id="no-origin-no-referer"),
    pytest.param({"HTTP_ORIGIN": "null"}, id="origin-null"),
    pytest.param({"HTTP_ORIGIN": "https://evil.example"}, id="another-site"),
    pytest.param({"HTTP_ORIGIN": "https://testserver"}, id="another-scheme"),
    pytest.param({"HTTP_ORIGIN": "http://testserver:8080"}, id="another-port"),
    pytest.param({"HTTP_ORIGIN": "http://testserver.evil.example"}, id="longer-host"),
    pytest.param({"HTTP_ORIGIN": "http://testserver/"}, id="not-an-origin"),
    pytest.param({"HTTP_REFERER": "https://evil.example/help/"}, id="referer-another-site"),
    pytest.param({"HTTP_REFERER": "https://testserver/help/"}, id="referer-another-scheme"),
    pytest.param({"HTTP_REFERER": "http://user@testserver/help/"}, id="referer-with-userinfo"),
    pytest.param({"HTTP_REFERER": "/help/"}, id="referer-relative"),
    pytest.param(
        {"HTTP_ORIGIN": "null", "HTTP_REFERER": "http://testserver/help/"}, id="null-and-referer"
    ),
]


@pytest.mark.parametrize("headers", REFUSED_ORIGINS)
@pytest.mark.parametrize(
    ("path", "says"), [("/help/en/", "NOT sent"), ("/help/en/status/", "Nothing was sent")]
)
def test_it_refuses_a_post_that_does_not_name_this_site_as_its_origin(
    desk: Desk, headers: dict[str, str], path: str, says: str
) -> None:
    # Given a request with a codename, so that a follow-up could be written to it
    codename = _codename(_send(_client(), FIELDS))
    assert Submission.objects.count() == 1
    # When a post arrives with no Origin and no Referer, `Origin: null`, or one that is not
    # this site's scheme and host exactly
    data = {**FIELDS, "codename": codename} if "status" in path else FIELDS
    response = _bare_client(**headers).post(path, data)
    # Then it is refused with a page that says so, not a bare 403, and nothing changed
    page = response.content.decode()
    assert response.status_code == 403 and says in page and 'class="refusal"' in page
    assert "codename-shown" not in page and "You have sent" not in page
    assert Submission.objects.count() == 1
    _no_cookie(response)


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"HTTP_ORIGIN": "http://testserver"}, id="origin"),
        pytest.param({"HTTP_REFERER": "http://testserver/help/en/"}, id="referer-only"),
    ],
)
def test_it_takes_a_post_from_its_own_page(desk: Desk, headers: dict[str, str]) -> None:
    response = _bare_client(**headers).post("/help/en/", FIELDS)
    assert response.status_code == 200 and Submission.objects.count() == 1


def test_it_takes_a_post_over_https_from_its_own_https_page(desk: Desk) -> None:
    client = Client(REMOTE_ADDR=ADDRESS, HTTP_ORIGIN="https://testserver")
    assert client.post("/help/en/", FIELDS, secure=True).status_code == 200
    plain = Client(REMOTE_ADDR=ADDRESS, HTTP_ORIGIN="http://testserver")
    assert plain.post("/help/en/", FIELDS, secure=True).status_code == 403
    assert Submission.objects.count() == 1


@pytest.mark.parametrize(("path", "language"), [("/help/", "ru"), ("/help/en/status/", "en")])
def test_it_speaks_the_requesters_language_when_refusing_an_origin(
    desk: Desk, path: str, language: str
) -> None:
    message = views.ORIGIN_REFUSED_STATUS if "status" in path else views.ORIGIN_REFUSED_FORM
    with translation.override(language):
        expected = str(message)
    page = _bare_client(HTTP_ORIGIN="null").post(path, FIELDS).content.decode()
    assert f'<html lang="{language}">' in page and escape(expected) in page
    if language == "ru":
        assert "НЕ" in expected or "Ничего" in expected  # translated, not the English source


# --- flood limits ---------------------------------------------------------------------------


def test_it_refuses_requests_over_the_hourly_limit_before_accepting_them(
    desk: Desk, settings: Any
) -> None:
    # Given a global limit of two requests an hour, and people each at their own address
    settings.CORRIDOR_INTAKE_LIMITS = {"submissions_per_hour": 2}
    people = (_client(f"198.51.100.{n}") for n in range(1, 100))
    # When three are sent
    statuses = [_send(next(people), FIELDS, path="/help/en/").status_code for _ in range(2)]
    refused = _send(next(people), FIELDS, path="/help/en/")
    # Then two are stored and the third is refused clearly, with nothing stored for it
    assert statuses == [200, 200] and refused.status_code == 429
    page = refused.content.decode()
    assert "receiving too many requests" in page and "NOT sent" in page
    assert "codename-shown" not in page
    assert Submission.objects.count() == 2
    # And later ones in the same hour are refused at once, until the limit is raised
    assert _send(next(people), FIELDS, path="/help/en/").status_code == 429
    settings.CORRIDOR_INTAKE_LIMITS = {"submissions_per_hour": 3}
    assert _send(next(people), FIELDS, path="/help/en/").status_code == 200
    assert Submission.objects.count() == 3
    # And an operator can still record a call: the hotline does not share the public limit
    actions.submission_create(
        payload={"message": "call"}, channel="hotline", recorded_by_id=desk.member.user.pk
    )
    assert Submission.objects.count() == 4


def test_it_limits_reads_and_writes_per_codename(desk: Desk, settings: Any) -> None:
    settings.CORRIDOR_INTAKE_LIMITS = {"thread_reads_per_hour": 2, "thread_writes_per_hour": 1}
    client = _client()
    codename = _codename(_send(client, FIELDS))
    other = _codename(_send(client, FIELDS))
    reads = [client.post("/help/en/status/", {"codename": codename}).status_code for _ in range(3)]
    assert reads == [200, 200, 429]
    # Another codename is not held back by the first one's limit
    assert client.post("/help/en/status/", {"codename": other}).status_code == 200
    wrote = client.post("/help/en/status/", {"codename": other, "message": "one"})
    again = client.post("/help/en/status/", {"codename": other, "message": "two"})
    assert wrote.status_code == 200 and again.status_code == 429
    assert Submission.objects.filter(thread__isnull=False).count() == 1
    # And the counters name no codename and no thread in clear, only an hour and a count
    assert not RateBucket.objects.filter(subject__in=[b"", None]).filter(scope="thread_read")


def test_it_limits_status_checks_globally(desk: Desk, settings: Any) -> None:
    settings.CORRIDOR_INTAKE_LIMITS = {"status_checks_per_hour": 1}
    codename = _codename(_send(_client(), FIELDS))
    first = _client("198.51.100.1").post("/help/en/status/", {"codename": codename})
    second = _client("198.51.100.2").post("/help/en/status/", {"codename": codename})
    assert first.status_code == 200
    assert second.status_code == 429 and "receiving too many" in second.content.decode()


@pytest.mark.parametrize("limit_value", [1, 3, 20, 37])
def test_it_counts_up_to_the_limit_and_no_further(desk: Desk, limit_value: int) -> None:
    from django.db import transaction
    from django.db.models import Sum

    from corridor.intake import limits

    # Given a global limit split in shards, and more attempts than it allows
    taken = 0
    for _ in range(limit_value + 5):
        try:
            with transaction.atomic():
                limits.rate_take("test", limit_value)
            taken += 1
        except limits.RateLimited:
            pass
    # Then exactly the limit was taken, whichever shards the attempts landed on
    assert taken == limit_value
    buckets = RateBucket.objects.filter(scope="test")
    assert buckets.aggregate(total=Sum("count"))["total"] == limit_value
    assert buckets.count() <= min(limit_value, limits.SHARDS)


# --- no trace of the requester in rows or logs ----------------------------------------------


def test_it_holds_intake_records_of_any_logger_at_the_log_handlers() -> None:
    # Given the handlers settings.LOGGING gives the root logger: the log file and the console
    handlers = [h for h in logging.getLogger().handlers if h.name in ("file", "console")]
    assert len(handlers) == 2
    # When a security logger reports a bad Host header on the public form
    record = logging.LogRecord(
        "django.security.DisallowedHost", logging.ERROR, __file__, 1, "Invalid HTTP_HOST", (), None
    )
    record.request = RequestFactory().post("/help/")
    record.status_code = 400
    # Then every handler drops it
    for handler in handlers:
        assert not handler.filter(record), handler


def test_it_logs_nothing_of_a_request_its_address_or_agent(
    desk: Desk, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given every logger recorded at every level
    caplog.set_level(logging.DEBUG)
    server = logging.getLogger("django.server")  # does not propagate: listen to it directly
    server.addHandler(caplog.handler)
    client = _client()
    try:
        # When a request is sent, read back, refused (4xx) and the view fails (5xx)
        codename = _codename(_send(client, FIELDS))
        client.post("/help/status/", {"codename": codename, "message": f"Qxfollowup{TAG}"})
        client.put("/help/", FIELDS)  # 405
        _send(client, {**FIELDS, "website": "spam"})
        big = [SimpleUploadedFile("a.pdf", b"%PDF-" + b"0" * (11 * 1024 * 1024))]
        _send(client, {**FIELDS, "attachments": big})  # 413

        def fail(**kwargs: Any) -> None:
            raise RuntimeError(f"failure holding {FIELDS['message']}")

        monkeypatch.setattr("corridor.intake.views.submission_create", fail)
        broken = Client(
            raise_request_exception=False,
            REMOTE_ADDR=ADDRESS,
            HTTP_USER_AGENT=AGENT,
            HTTP_ORIGIN=ORIGIN,
        )
        assert _send(broken, FIELDS).status_code == 500
        # And the development server logs its request line, as runserver does
        server.info(
            '"%s" %s %s',
            "POST /help/status/ HTTP/1.1",
            "200",
            "1234",
            extra={"request": None, "server_time": "now", "status_code": 200},
        )
    finally:
        server.removeHandler(caplog.handler)
    # Then no record holds a marker, the codename, the address or the agent
    needles = [*NEEDLES.values(), codename, *codename.split()]
    for record in caplog.records:
        text = record.getMessage() + repr(record.args) + repr(getattr(record, "request", ""))
        text += str(record.exc_info) + str(record.exc_text)
        assert not [n for n in needles if n in text], (record.name, text)
    # And the 500 is still known, as a bare line
    failures = [r for r in caplog.records if "intake view failed" in r.getMessage()]
    assert len(failures) == 1 and "RuntimeError" in failures[0].getMessage()
    # And its time says the hour and nothing finer
    assert failures[0].created % 3600 == 0 and failures[0].msecs == 0
    assert failures[0].relativeCreated == 0
    assert not [r for r in caplog.records if "/help/" in r.getMessage()]


def test_it_stores_no_address_or_agent_in_any_row(desk: Desk) -> None:
    client = _client()
    codename = _codename(_send(client, FIELDS))
    client.post("/help/status/", {"codename": codename})
    client.post("/help/status/", {"codename": "wrong words here and there again"})
    with keyring_activated(desk.member.keyring):
        reply_send(actor_id=desk.member.user.pk, submission=Submission.objects.get(), text="Ответ")
    assert Reply.objects.count() == 1
    hits = database_hits({"address": ADDRESS, "agent": NEEDLES["agent"]})
    assert hits == []
    # The scan is not blind: a value stored in clear is found
    assert database_hits({"compartment": "Intake desk"})
