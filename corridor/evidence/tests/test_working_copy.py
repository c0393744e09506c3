"""The working copy of an evidence image (decision 0036): the original kept byte for byte
with its hashes, the copy re-encoded without EXIF/GPS, sealed, shown under its own policy,
every view in the custody trail; non-images and bombs get a note and no copy."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from PIL import Image

from conftest import login
from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.evidence.actions import custody_check, custody_trail, item_path, item_receive
from corridor.evidence.models import CustodyEvent, EvidenceItem
from corridor.evidence.packages import package_export_plain
from corridor.evidence.tests.conftest import consented_package
from corridor.evidence.working import item_working_copy_make, working_path
from corridor.vault.files import SealedFileDamaged, sealed_file_read
from corridor.vault.keyring import keyring_activated

GPS_MARK = b"Corridor-GPS-Marker-Camera"


def gps_jpeg() -> bytes:
    """A JPEG whose EXIF names a camera and a GPS position (55.7558 N, 37.6173 E)."""
    image = Image.new("RGB", (64, 48), (120, 60, 90))
    exif = Image.Exif()
    exif[0x010F] = GPS_MARK.decode()  # Make
    exif[0x0110] = "Phone of the victim"  # Model
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (55.0, 45.0, 20.88)
    gps[3] = "E"
    gps[4] = (37.0, 37.0, 2.28)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=90)
    data = out.getvalue()
    assert GPS_MARK in data and Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)
    return data


def png_bomb() -> bytes:
    """A small PNG that declares 20,000 x 20,000 pixels (400 megapixels)."""
    width = height = 20_000
    raw = zlib.compress(b"\x00" * (width // 8 + 1) * 64, 9)

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def receive(team, data: bytes, name: str = "IMG_0001.jpg", media_type: str = "image/jpeg"):
    with keyring_activated(team.lawyer.keyring):
        return item_receive(
            actor_id=team.lawyer.user.pk,
            compartment=team.org.compartment("Documentation"),
            pieces=[data[: len(data) // 2], data[len(data) // 2 :]],
            title="Bruises, left forearm",
            original_name=name,
            media_type=media_type,
            received_from="The victim, in person",
            received_how="in_person",
            testimony=team.testimony,
        )


def test_it_keeps_the_original_and_shows_a_copy_without_exif_or_gps(desk):
    original = gps_jpeg()
    item = receive(desk, original)
    item = EvidenceItem.objects.get(pk=item.pk)
    client = login(Client(), desk.lawyer)
    # The evidentiary copy: byte for byte, with the hashes taken at receipt
    download = client.get(f"/evidence/items/{item.pk}/original")
    kept = _body(download)
    assert kept == original
    assert download["Content-Disposition"] == f'attachment; filename="{item.pk}.jpg"'
    assert download["X-Content-Type-Options"] == "nosniff"
    with keyring_activated(desk.lawyer.keyring):
        assert item.sha256 == hashlib.sha256(original).hexdigest()
        assert item.sha512 == hashlib.sha512(original).hexdigest()
    # The working copy: an image without EXIF, GPS or the marker's bytes
    page = client.get(f"/evidence/items/{item.pk}/").content.decode()
    assert f'src="/evidence/items/{item.pk}/working.img"' in page
    shown = client.get(f"/evidence/items/{item.pk}/working.img")
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    assert shown["Content-Security-Policy"].startswith("default-src 'none'")
    assert "script-src" not in shown["Content-Security-Policy"]
    assert shown["X-Content-Type-Options"] == "nosniff"
    assert shown["Content-Disposition"] == "inline"
    copy = shown.content
    assert copy != original and GPS_MARK not in copy and b"Exif" not in copy
    opened = Image.open(io.BytesIO(copy))
    assert opened.size == (64, 48)
    assert not opened.getexif() and not opened.getexif().get_ifd(0x8825)
    assert "icc_profile" not in opened.info and "xmp" not in opened.info
    with keyring_activated(desk.lawyer.keyring):
        assert item.working_sha256 == hashlib.sha256(copy).hexdigest()
        trail = custody_trail(item)
    # The original is unchanged after the copy was made and shown
    again = _body(client.get(f"/evidence/items/{item.pk}/original"))
    assert again == original
    # The trail: received, copied, the page's download, the working copy's view, download
    assert [link["action"] for link in trail] == [
        "received", "copied", "downloaded", "viewed",
    ]  # fmt: skip
    assert trail[3]["details"]["copy"] == "working"
    assert custody_check(trail) == ""
    assert AuditEntry.objects.filter(action="evidence_item.viewed", object_id=str(item.pk)).exists()
    assert AuditEntry.objects.filter(
        action="evidence_item.working_copy", object_id=str(item.pk)
    ).exists()


def test_the_working_copy_is_sealed_on_disk(desk):
    item = receive(desk, gps_jpeg())
    sealed = working_path(item).read_bytes()
    assert sealed and GPS_MARK not in sealed and b"JFIF" not in sealed
    assert b"\xff\xd8\xff" not in sealed[:64]


@pytest.mark.parametrize(
    ("data", "note"),
    [
        (b"%PDF-1.4 not an image, named .jpg", "not_image"),
        (b"just text, named .jpg", "not_image"),
        (png_bomb(), "too_large"),
    ],
)
def test_non_images_and_bombs_get_a_note_and_the_original_is_kept(desk, data, note):
    item = receive(desk, data)
    item = EvidenceItem.objects.get(pk=item.pk)
    assert item.working_note == note and not item.working_media_type
    assert not working_path(item).exists()
    client = login(Client(), desk.lawyer)
    page = client.get(f"/evidence/items/{item.pk}/").content.decode()
    assert "there is no working copy" in page and "working.img" not in page
    assert client.get(f"/evidence/items/{item.pk}/working.img").status_code == 404
    assert _body(client.get(f"/evidence/items/{item.pk}/original")) == data
    assert not CustodyEvent.objects.filter(item=item, action="copied").exists()


def test_an_image_received_before_gets_its_copy_by_the_action(desk):
    original = gps_jpeg()
    item = receive(desk, original)
    # As an item received before there were working copies: nothing made, nothing noted
    working_path(item).unlink()
    EvidenceItem.objects.filter(pk=item.pk).update(
        working_note="", working_media_type="", working_size=0, working_sha256_sealed=None
    )
    client = login(Client(), desk.lawyer)
    page = client.get(f"/evidence/items/{item.pk}/").content.decode()
    assert "Make a working copy" in page and "working.img" not in page
    response = client.post(f"/evidence/items/{item.pk}/working/")
    assert response.status_code == 302
    item = EvidenceItem.objects.get(pk=item.pk)
    assert item.working_media_type == "image/jpeg" and working_path(item).exists()
    copy = client.get(f"/evidence/items/{item.pk}/working.img").content
    assert GPS_MARK not in copy and not Image.open(io.BytesIO(copy)).getexif()
    assert _body(client.get(f"/evidence/items/{item.pk}/original")) == original
    # A second time is refused: the copy stands
    with keyring_activated(desk.lawyer.keyring), pytest.raises(ValidationError, match="already"):
        item_working_copy_make(actor_id=desk.lawyer.user.pk, item=item)


@pytest.mark.parametrize(
    "role", [Role.ADMIN, Role.COORDINATOR, Role.CASEWORKER, Role.TRIAGE, Role.VIEWER]
)
def test_other_roles_get_neither_copy(desk, role):
    item = receive(desk, gps_jpeg())
    other = desk.org.staff(f"u-{role}", role, ("Documentation",))
    client = login(Client(), other)
    for url in ("working.img", "original"):
        assert client.get(f"/evidence/items/{item.pk}/{url}").status_code == 403
    assert client.post(f"/evidence/items/{item.pk}/working/").status_code == 403
    assert not CustodyEvent.objects.filter(item=item, action__in=["viewed", "downloaded"]).exists()


def test_a_lawyer_of_another_compartment_gets_404(desk):
    item = receive(desk, gps_jpeg())
    client = login(Client(), desk.org.staff("other-lawyer", Role.LAWYER, ("North",)))
    for url in ("working.img", "original"):
        assert client.get(f"/evidence/items/{item.pk}/{url}").status_code == 404
    assert client.post(f"/evidence/items/{item.pk}/working/").status_code == 404
    assert not CustodyEvent.objects.filter(item=item, action__in=["viewed", "downloaded"]).exists()


def test_a_package_carries_the_original_not_the_working_copy(desk, tmp_path):
    original = gps_jpeg()
    with keyring_activated(desk.lawyer.keyring):
        item, package = consented_package(
            desk,
            anonymised=False,
            with_testimony=False,
            item={
                "pieces": [original],
                "title": "Bruises",
                "original_name": "IMG_0001.jpg",
                "media_type": "image/jpeg",
                "received_from": "The victim",
                "received_how": "in_person",
            },
        )
        assert EvidenceItem.objects.get(pk=item.pk).working_media_type == "image/jpeg"
        package_export_plain(actor_id=desk.lawyer.user.pk, package=package, out=tmp_path / "bag")
    carried = (tmp_path / "bag" / "data" / "files" / f"{item.pk}.jpg").read_bytes()
    assert carried == original and GPS_MARK in carried
    assert [p.name for p in (tmp_path / "bag" / "data" / "files").iterdir()] == [f"{item.pk}.jpg"]


def test_the_working_copy_never_opens_as_the_original(desk):
    # The copy's chunks name `working_copy` in their associated data, the original's `file`
    item = receive(desk, gps_jpeg())
    with keyring_activated(desk.lawyer.keyring), pytest.raises(SealedFileDamaged):
        list(sealed_file_read(item, working_path(item)))  # read as if it were the original
    with keyring_activated(desk.lawyer.keyring), pytest.raises(SealedFileDamaged):
        list(sealed_file_read(item, item_path(item), column="working_copy"))
