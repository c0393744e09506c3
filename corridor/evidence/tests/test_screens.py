"""The evidence write screens (decision 0035): receiving a file, making and filling a package,
exporting it from the page, encrypted with the stock `age` or deliberately plain, and the
stock `bagit.py` and `minisign` on what the browser downloads."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from conftest import login
from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.core.archives import tar_extract_safely
from corridor.evidence.models import (
    CustodyEvent,
    EvidenceItem,
    Package,
    PackageEntry,
    PackageExport,
)
from corridor.evidence.tests.test_packages import BAGIT, _consent, _item, _package, _run
from corridor.vault.files import sealed_file_read

# More than one spool chunk and one sealed chunk, with a marker the disk must never show.
PHOTO = b"\xff\xd8\xff\xe0 Marker-Screens-Photo " + bytes(range(256)) * 5000


@pytest.fixture
def client(desk):
    return login(Client(), desk.lawyer)


def _receipt(desk: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "compartment": desk.org.compartment("Documentation").pk,
        "file": SimpleUploadedFile("IMG_0042.JPG", PHOTO, content_type="image/jpeg"),
        "title": "Photograph of the bruises",
        "received_from": "The victim's sister",
        "received_how": "messenger",
        "received_on": "2017-05-04",
        "testimony": str(desk.testimony.pk),
        "event": str(desk.event.pk),
        "note": "Sent from her phone",
    }
    return {**data, **overrides}


def _disk(settings: Any) -> list[Path]:
    return [p for p in Path(settings.CORRIDOR_EVIDENCE_DIR).rglob("*") if p.is_file()]


def test_it_receives_a_file_byte_for_byte_and_shows_both_hashes(desk, client, settings):
    # When a lawyer uploads a file of more than one chunk
    response = client.post("/evidence/items/new/", _receipt(desk))
    # Then it is kept as received, hashed at receipt, linked, its receipt the first link
    item = EvidenceItem.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/evidence/items/{item.pk}/"
    assert item.sha256 == hashlib.sha256(PHOTO).hexdigest()
    assert item.sha512 == hashlib.sha512(PHOTO).hexdigest()
    assert (item.size, item.media_type, item.original_name) == (
        len(PHOTO),
        "image/jpeg",
        "IMG_0042.JPG",
    )
    assert (item.testimony_id, item.event_id) == (desk.testimony.pk, desk.event.pk)
    from corridor.vault.reads import reads_ledger

    with reads_ledger():
        stored = b"".join(
            sealed_file_read(item, Path(settings.CORRIDOR_EVIDENCE_DIR) / f"{item.pk}.sealed")
        )
    assert stored == PHOTO
    # And nothing in clear is on the disk: the one file there is the sealed copy
    files = _disk(settings)
    assert files == [Path(settings.CORRIDOR_EVIDENCE_DIR) / f"{item.pk}.sealed"]
    assert b"Marker-Screens-Photo" not in files[0].read_bytes()
    # And its page shows SHA-256 and SHA-512 and who it came from, how and when
    page = client.get(response["Location"]).content.decode()
    assert hashlib.sha256(PHOTO).hexdigest() in page
    assert hashlib.sha512(PHOTO).hexdigest() in page
    assert "The victim&#x27;s sister" in page and "messenger" in page and "2017-05-04" in page
    assert "Sent from her phone" in page


@pytest.mark.parametrize(
    "overrides",
    [
        {"received_from": ""},
        {"received_how": "telepathy"},
        {"file": None},
        {"title": ""},
        {"testimony": "00000000-0000-0000-0000-000000000000"},
    ],
    ids=["no-from", "bad-how", "no-file", "no-title", "foreign-testimony"],
)
def test_a_bad_receipt_says_why_and_changes_nothing(desk, client, settings, overrides):
    data = {k: v for k, v in _receipt(desk, **overrides).items() if v is not None}
    response = client.post("/evidence/items/new/", data)
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    assert not EvidenceItem.objects.exists() and not CustodyEvent.objects.exists()
    assert _disk(settings) == []


def test_a_file_over_the_limit_is_refused_with_the_limit(desk, client, settings):
    settings.CORRIDOR_EVIDENCE_UPLOAD_MAX = 3 * (1 << 20)
    big = SimpleUploadedFile("film.mp4", b"v" * (4 << 20), content_type="video/mp4")
    response = client.post("/evidence/items/new/", _receipt(desk, file=big))
    assert response.status_code == 200
    assert "larger than 3 MB: nothing was received" in response.content.decode()
    assert not EvidenceItem.objects.exists()
    assert _disk(settings) == []


def test_a_compartment_the_lawyer_is_not_in_is_no_choice(desk, client, org):
    other = org.compartment("Elsewhere")
    response = client.post("/evidence/items/new/", _receipt(desk, compartment=other.pk))
    assert response.status_code == 200 and not EvidenceItem.objects.exists()
    assert "Select a valid choice" in response.content.decode()


def test_it_makes_a_package_and_chooses_its_contents(desk, client):
    item = _item(desk)
    docs = desk.org.compartment("Documentation")
    # Given a bad form first: nothing is made
    response = client.post(
        "/evidence/packages/new/",
        {"compartment": docs.pk, "recipient": "", "recipient_kind": "court", "language": "ru"},
    )
    assert response.status_code == 200 and not Package.objects.exists()
    response = client.post(
        "/evidence/packages/new/",
        {
            "compartment": docs.pk,
            "recipient": "Leninsky District Court",
            "recipient_kind": "court",
            "language": "ru",
        },
    )
    package = Package.objects.get()
    assert package.recipient == "Leninsky District Court" and package.language == "ru"
    assert response["Location"] == f"/evidence/packages/{package.pk}/contents/"
    # When the contents page is opened, the compartment's records are the choices
    page = client.get(response["Location"]).content.decode()
    assert "Detentions in Argun" in page and "Photograph of the bruises" in page
    assert "Victim One" in page
    # A choice outside the compartment is refused, and the choice stays as it was
    bad = client.post(response["Location"], {"item": ["00000000-0000-0000-0000-000000000000"]})
    assert bad.status_code == 200 and not PackageEntry.objects.exists()
    chosen = client.post(
        response["Location"],
        {
            "event": [str(desk.event.pk)],
            "testimony": [str(desk.testimony.pk)],
            "item": [str(item.pk)],
        },
    )
    assert chosen["Location"] == f"/evidence/packages/{package.pk}/"
    assert set(package.entries.values_list("kind", "object_id")) == {
        ("event", desk.event.pk),
        ("testimony", desk.testimony.pk),
        ("item", item.pk),
    }
    # And the preview refuses what no consent covers, with the reason, before any export
    preview = client.get(chosen["Location"]).content.decode()
    assert "No consent was recorded" in preview
    assert 'id="public-key"' in preview and "minisign -V -p corridor.pub" in preview
    assert "bagit.py --validate" in preview
    assert AuditEntry.objects.filter(action="evidence_package.choose").count() == 1


def _keygen(tmp_path: Path) -> tuple[Path, str]:
    """An identity made by the stock age-keygen, and its public key."""
    key_file = tmp_path / "recipient-key.txt"
    result = _run("age-keygen", "-o", str(key_file))
    assert result.returncode == 0, result.stderr
    public = next(
        line.split(":", 1)[1].strip()
        for line in key_file.read_text().splitlines()
        if line.startswith("# public key:")
    )
    return key_file, public


def _bag_checked(tar_path: Path, tmp_path: Path) -> Path:
    """Unpack a bag's tar and check it with the stock bagit.py and minisign against the key
    `manage.py evidence_pubkey` prints."""
    with tarfile.open(tar_path) as archive:
        tar_extract_safely(archive, tmp_path / "unpacked")
    (bag,) = list((tmp_path / "unpacked").iterdir())
    result = _run(BAGIT, "--validate", str(bag))
    assert result.returncode == 0, result.stderr
    key = io.StringIO()
    call_command("evidence_pubkey", stdout=key)
    (tmp_path / "corridor.pub").write_text(key.getvalue())
    result = _run(
        "minisign",
        "-V",
        "-p",
        str(tmp_path / "corridor.pub"),
        "-m",
        str(bag / "tagmanifest-sha256.txt"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return bag


def _download(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def test_it_exports_encrypted_for_the_recipient_and_the_stock_tools_open_it(
    desk, client, tmp_path, settings
):
    # Given a consented testimony and its photograph in a package
    _consent(desk)
    item = _item(desk)
    package = _package(desk, items=[item])
    key_file, public = _keygen(tmp_path)
    # When the lawyer exports it for the recipient's age key (a second key on another line)
    (tmp_path / "second").mkdir()
    _second_key, other = _keygen(tmp_path / "second")
    response = client.post(
        f"/evidence/packages/{package.pk}/export/", {"recipients": f"{public}\n\n {other} \n"}
    )
    # Then the download is the age file, which the stock age opens with the identity
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="package-{package.pk}.tar.age"'
    )
    encrypted = tmp_path / "download.tar.age"
    encrypted.write_bytes(_download(response))
    assert encrypted.read_bytes().startswith(b"age-encryption.org/v1")
    tar_path = tmp_path / "package.tar"
    result = _run("age", "-d", "-i", str(key_file), "-o", str(tar_path), str(encrypted))
    assert result.returncode == 0, result.stderr
    # And the bag inside validates with bagit.py and minisign
    bag = _bag_checked(tar_path, tmp_path)
    assert (bag / "data" / "files" / f"{item.pk}.jpg").read_bytes() == item_bytes()
    # And the export is recorded, encrypted, and nothing is left on the server's disk
    export = PackageExport.objects.get()
    assert export.encrypted and export.item_ids == [str(item.pk)]
    assert AuditEntry.objects.filter(action="evidence_package.export").count() == 1
    assert list((Path(settings.CORRIDOR_EVIDENCE_DIR) / ".exports").iterdir()) == []


def item_bytes() -> bytes:
    from corridor.evidence.tests.test_packages import PHOTO as PACKAGE_PHOTO

    return PACKAGE_PHOTO


@pytest.mark.parametrize(
    "recipients",
    ["", "age1notakey", "AGE-SECRET-KEY-1QQQQ", "ssh-ed25519 AAAAC3Nza"],
    ids=["empty", "bad-key", "secret-key", "ssh-key"],
)
def test_a_bad_age_key_says_why_and_exports_nothing(desk, client, recipients):
    _consent(desk)
    package = _package(desk, items=[_item(desk)])
    links = CustodyEvent.objects.count()
    response = client.post(f"/evidence/packages/{package.pk}/export/", {"recipients": recipients})
    assert response.status_code == 200
    page = response.content.decode()
    assert "error-summary" in page
    assert "age public key" in page
    assert not PackageExport.objects.exists() and CustodyEvent.objects.count() == links


def test_a_plain_export_needs_the_word_and_is_audited_as_plain(desk, client, tmp_path):
    _consent(desk)
    item = _item(desk)
    package = _package(desk, items=[item])
    url = f"/evidence/packages/{package.pk}/export-plain/"
    # The wrong word: refused, nothing exported
    refused = client.post(url, {"confirm": "yes"})
    assert refused.status_code == 200 and "nothing was exported" in refused.content.decode()
    assert not PackageExport.objects.exists()
    # The word: a tar of the bare bag, which the stock tools validate
    response = client.post(url, {"confirm": "Unencrypted"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-tar"
    assert response["Content-Disposition"] == f'attachment; filename="package-{package.pk}.tar"'
    tar_path = tmp_path / "package.tar"
    tar_path.write_bytes(_download(response))
    assert int(response["Content-Length"]) == tar_path.stat().st_size
    bag = _bag_checked(tar_path, tmp_path)
    assert bag.name == f"package-{package.pk}"
    assert not PackageExport.objects.get().encrypted
    assert AuditEntry.objects.filter(action="evidence_package.export_plain").count() == 1
    assert not AuditEntry.objects.filter(action="evidence_package.export").exists()


@pytest.mark.parametrize("how", ["age", "plain"])
def test_an_export_that_fails_halfway_leaves_nothing(desk, client, settings, tmp_path, how):
    # Given a package whose stored file was damaged on disk after receipt
    _consent(desk)
    item = _item(desk)
    package = _package(desk, items=[item])
    path = Path(settings.CORRIDOR_EVIDENCE_DIR) / f"{item.pk}.sealed"
    data = bytearray(path.read_bytes())
    data[-10] ^= 1
    path.write_bytes(bytes(data))
    links = CustodyEvent.objects.count()
    # When the lawyer exports it from the page
    if how == "age":
        _key, public = _keygen(tmp_path)
        response = client.post(f"/evidence/packages/{package.pk}/export/", {"recipients": public})
    else:
        response = client.post(
            f"/evidence/packages/{package.pk}/export-plain/", {"confirm": "unencrypted"}
        )
    # Then the page says it failed, no download, and nothing claims it was exported
    assert response.status_code == 200 and "Content-Disposition" not in response
    assert "The export failed and nothing was exported" in response.content.decode()
    assert not PackageExport.objects.exists()
    assert CustodyEvent.objects.count() == links
    assert Package.objects.get(pk=package.pk).status == "draft"
    assert not AuditEntry.objects.filter(action__startswith="evidence_package.export").exists()
    left = [p for p in _disk(settings) if p != path]
    assert left == []


NEW_VIEWS = [
    ("GET", "/evidence/items/new/"),
    ("POST", "/evidence/items/new/"),
    ("GET", "/evidence/packages/new/"),
    ("POST", "/evidence/packages/new/"),
    ("GET", "/evidence/packages/{pk}/contents/"),
    ("POST", "/evidence/packages/{pk}/contents/"),
    ("POST", "/evidence/packages/{pk}/export/"),
    ("POST", "/evidence/packages/{pk}/export-plain/"),
]


@pytest.mark.parametrize(
    "role", [Role.ADMIN, Role.COORDINATOR, Role.CASEWORKER, Role.TRIAGE, Role.VIEWER]
)
def test_other_roles_are_refused_every_write_screen(desk, role):
    package = _package(desk)
    other = desk.org.staff(f"u-{role}", role, ("Documentation",))
    client = login(Client(), other)
    for method, url in NEW_VIEWS:
        path = url.format(pk=package.pk)
        response = client.get(path) if method == "GET" else client.post(path, {})
        assert response.status_code == 403, (method, path)
    assert Package.objects.count() == 1 and not EvidenceItem.objects.exists()


def test_a_lawyer_of_another_compartment_gets_404_for_the_package(desk):
    _consent(desk)
    package = _package(desk, items=[_item(desk)])
    other = desk.org.staff("other-lawyer", Role.LAWYER, ("North",))
    client = login(Client(), other)
    for method, url in NEW_VIEWS[4:]:
        path = url.format(pk=package.pk)
        response = (
            client.get(path)
            if method == "GET"
            else client.post(path, {"confirm": "unencrypted", "event": [str(desk.event.pk)]})
        )
        assert response.status_code == 404, (method, path)
    # and the receive form does not offer Documentation's records or compartment
    page = client.get("/evidence/items/new/").content.decode()
    assert "Detentions in Argun" not in page and ">Documentation</option>" not in page
    assert ">North</option>" in page
    assert not PackageExport.objects.exists()
    assert set(package.entries.values_list("kind", flat=True)) == {"event", "testimony", "item"}


def test_an_upload_never_goes_through_django_s_plaintext_handlers(desk, client, monkeypatch):
    # Given Django's own handlers watched (the temporary one writes an upload over 2.5 MB
    # to a plaintext file)
    from django.core.files import uploadhandler

    used = []
    for handler in (
        uploadhandler.MemoryFileUploadHandler,
        uploadhandler.TemporaryFileUploadHandler,
    ):
        monkeypatch.setattr(handler, "receive_data_chunk", lambda self, *a: used.append(self))
    # When a file of 3 MB is received
    big = SimpleUploadedFile("film.mp4", PHOTO * 3, content_type="video/mp4")
    response = client.post("/evidence/items/new/", _receipt(desk, file=big))
    # Then it was received through the sealed spool alone
    assert response.status_code == 302 and used == []
    assert EvidenceItem.objects.get().sha256 == hashlib.sha256(PHOTO * 3).hexdigest()


def test_a_spool_holds_no_plaintext_on_disk_and_gives_it_back_whole(settings):
    from corridor.evidence.spool import Spool

    data = (b"Marker-Spool " * 100_000)[: 3 * (1 << 20) + 17]
    spool = Spool()
    for start in range(0, len(data), 65536):
        spool.write(data[start : start + 65536])
    spool.finish()
    on_disk = os.pread(spool._handle.fileno(), 10 << 20, 0)
    assert len(on_disk) > len(data) and b"Marker-Spool" not in on_disk
    assert list(Path(settings.CORRIDOR_EVIDENCE_DIR).rglob("*spool-*")) == []  # no name left
    assert b"".join(spool.chunks()) == data
    assert spool._handle.closed


def test_the_receive_form_still_checks_csrf_though_it_sets_its_handler_first(desk, settings):
    # The view is csrf_exempt outside only to install the spooling handler before the body is
    # read; the check runs inside. Without the token: refused, nothing received.
    client = login(Client(), desk.lawyer)
    client.handler.enforce_csrf_checks = True
    response = client.post("/evidence/items/new/", _receipt(desk))
    assert response.status_code == 403
    assert not EvidenceItem.objects.exists() and _disk(settings) == []
    # With the token the form's page carries, it is received
    page = client.get("/evidence/items/new/")
    token = page.context["csrf_token"]
    response = client.post(
        "/evidence/items/new/", {**_receipt(desk), "csrfmiddlewaretoken": str(token)}
    )
    assert response.status_code == 302 and EvidenceItem.objects.count() == 1


def test_a_plain_download_left_unread_still_closes_its_spool(desk, client, monkeypatch):
    from corridor.evidence import screens
    from corridor.evidence.spool import Spool

    made: list[Spool] = []

    class Watched(Spool):
        def __init__(self) -> None:
            super().__init__()
            made.append(self)

    monkeypatch.setattr(screens, "Spool", Watched)
    _consent(desk)
    package = _package(desk, items=[_item(desk)])
    response = client.post(
        f"/evidence/packages/{package.pk}/export-plain/", {"confirm": "unencrypted"}
    )
    assert response.status_code == 200 and not made[0]._handle.closed
    response.close()  # the browser went away before reading it
    assert made[0]._handle.closed
