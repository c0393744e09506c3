"""Evidence kept as received, custody trails, consent in packages, and the round trip with the
stock `age`, `minisign` and `bagit.py` programs (decision 0020)."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from datetime import date
from pathlib import Path

import pyrage
import pytest
from django.core.exceptions import ValidationError

from corridor.core.archives import tar_extract_safely
from corridor.documentation import actions as doc_actions
from corridor.documentation.consent import consent_record, consent_withdraw
from corridor.evidence.actions import (
    custody_check,
    custody_trail,
    item_read,
    item_receive,
    package_choose,
    package_create,
)
from corridor.evidence.models import CustodyEvent, EvidenceItem, Package, PackageExport
from corridor.evidence.packages import (
    ExportFailed,
    package_export_age,
    package_export_plain,
    package_plan,
)
from corridor.evidence.verify import BagInvalid, path_check
from corridor.vault import signing
from corridor.vault.files import SealedFileDamaged
from corridor.vault.reads import reads_ledger

BAGIT = str(Path(sys.executable).with_name("bagit.py"))
PHOTO = (
    b"\xff\xd8\xff\xe0 photograph of the bruises, EXIF GPS 43.3,45.7 " + bytes(range(256)) * 9000
)


def _consent(desk, use="domestic_authority", anonymised=False):
    return consent_record(
        actor_id=desk.lawyer.user.pk,
        testimony=desk.testimony,
        use=use,
        granted=True,
        anonymised=anonymised,
        obtained_how="signed_form",
        obtained_on=date(2017, 5, 3),
        obtained_by="Interviewer",
    )


def _item(desk, data=PHOTO, title="Photograph of the bruises"):
    return item_receive(
        actor_id=desk.lawyer.user.pk,
        compartment=desk.org.compartment("Documentation"),
        pieces=[data[i : i + 70000] for i in range(0, len(data), 70000)],
        title=title,
        original_name="IMG_0042.JPG",
        media_type="image/jpeg",
        received_from="The victim's sister",
        received_how="in_person",
        testimony=desk.testimony,
    )


def _package(desk, kind="domestic_authority", items=()):
    package = package_create(
        actor_id=desk.lawyer.user.pk,
        compartment=desk.org.compartment("Documentation"),
        recipient="Investigative Committee",
        recipient_kind=kind,
        language="ru",
    )
    chosen = [("event", desk.event.pk), ("testimony", desk.testimony.pk)]
    chosen += [("item", item.pk) for item in items]
    package_choose(actor_id=desk.lawyer.user.pk, package=package, chosen=chosen)
    return package


def _identity():
    identity = pyrage.x25519.Identity.generate()
    return identity, str(identity.to_public())


def _run(*args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, check=False, **kwargs)


def test_file_kept_byte_for_byte_with_hashes_and_receipt(desk, settings):
    import hashlib

    item = _item(desk)
    stored = (Path(settings.CORRIDOR_EVIDENCE_DIR) / f"{item.pk}.sealed").read_bytes()
    assert b"photograph of the bruises" not in stored and b"EXIF" not in stored
    item = EvidenceItem.objects.get(pk=item.pk)
    assert item.sha256 == hashlib.sha256(PHOTO).hexdigest()
    assert item.sha512 == hashlib.sha512(PHOTO).hexdigest()
    with reads_ledger():
        assert b"".join(item_read(actor_id=desk.lawyer.user.pk, item=item)) == PHOTO
    trail = custody_trail(item)
    assert [link["action"] for link in trail] == ["received", "viewed"]
    assert trail[0]["details"]["from"] == "The victim's sister"
    assert custody_check(trail) == ""


def test_custody_trail_tamper_is_named(desk):
    item = _item(desk)
    with reads_ledger():
        list(item_read(actor_id=desk.lawyer.user.pk, item=item, action="downloaded"))
    trail = custody_trail(item)
    trail[0]["details"]["from"] = "Someone else"
    assert "link 1 was altered" in custody_check(trail)
    trail = custody_trail(item)
    del trail[0]
    assert custody_check(trail) != ""


def test_stored_file_altered_fails_to_read(desk, settings):
    item = _item(desk)
    path = Path(settings.CORRIDOR_EVIDENCE_DIR) / f"{item.pk}.sealed"
    data = bytearray(path.read_bytes())
    data[100] ^= 1
    path.write_bytes(bytes(data))
    with reads_ledger(), pytest.raises(SealedFileDamaged):
        list(item_read(actor_id=desk.lawyer.user.pk, item=EvidenceItem.objects.get(pk=item.pk)))


def test_bad_receipt_changes_nothing(desk, settings):
    before = EvidenceItem.objects.count()
    with pytest.raises(ValidationError):
        item_receive(
            actor_id=desk.lawyer.user.pk,
            compartment=desk.org.compartment("Documentation"),
            pieces=[b"x"],
            title="",
            original_name="",
            media_type="",
            received_from="",
            received_how="telepathy",
        )
    assert EvidenceItem.objects.count() == before
    assert not list(Path(settings.CORRIDOR_EVIDENCE_DIR).glob("*"))


def test_round_trip_with_stock_tools_and_tamper(desk, tmp_path):
    _consent(desk)
    item = _item(desk)
    package = _package(desk, items=[item])
    identity, recipient = _identity()
    out = tmp_path / "package.tar.age"
    with reads_ledger():
        plan = package_export_age(
            actor_id=desk.lawyer.user.pk, package=package, recipients=[recipient], out=out
        )
    assert not plan.refused
    assert b"Investigative" not in out.read_bytes()
    key_file = tmp_path / "id.txt"
    key_file.write_text(str(identity) + "\n")
    tar_path = tmp_path / "package.tar"
    result = _run("age", "-d", "-i", str(key_file), "-o", str(tar_path), str(out))
    assert result.returncode == 0, result.stderr
    with tarfile.open(tar_path) as archive:
        tar_extract_safely(archive, tmp_path / "x")
    bag = next((tmp_path / "x").iterdir())
    pub = tmp_path / "corridor.pub"
    pub.write_text(signing.public_key_minisign(signing.evidence_public_key()))
    assert _run(BAGIT, "--validate", str(bag)).returncode == 0
    result = _run("minisign", "-V", "-p", str(pub), "-m", str(bag / "tagmanifest-sha256.txt"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Trusted comment: corridor evidence package" in result.stdout
    files = list((bag / "data" / "files").iterdir())
    assert files[0].read_bytes() == PHOTO  # the evidentiary copy, byte for byte
    description = json.loads((bag / "data" / "package.json").read_text())
    assert description["files"][0]["sha512"] == item.sha512
    trail = json.loads((bag / "data" / "custody" / f"{item.pk}.json").read_text())
    assert [link["action"] for link in trail] == ["received", "exported"]
    assert "Investigative Committee" in (bag / "data" / "index-ru.txt").read_text()
    assert "Пакет" in (bag / "data" / "index-ru.txt").read_text()
    checked = path_check(out, signing.evidence_public_key(), str(identity))
    assert any("signature: good" in line for line in checked)

    # A byte changed anywhere: in a payload file, a tag file, the signature, a trail.
    victims = [
        files[0],
        bag / "bag-info.txt",
        bag / "manifest-sha512.txt",
        bag / "tagmanifest-sha256.txt",
        bag / "data" / "custody" / f"{item.pk}.json",
    ]
    for victim in victims:
        original = victim.read_bytes()
        altered = bytearray(original)
        altered[len(altered) // 2] ^= 0x20
        victim.write_bytes(bytes(altered))
        stock_bagit = _run(BAGIT, "--validate", str(bag)).returncode
        stock_minisign = _run(
            "minisign", "-V", "-p", str(pub), "-m", str(bag / "tagmanifest-sha256.txt")
        ).returncode
        assert stock_bagit != 0 or stock_minisign != 0, victim
        with pytest.raises(BagInvalid):
            path_check(bag, signing.evidence_public_key())
        victim.write_bytes(original)
    path_check(bag, signing.evidence_public_key())
    # A byte of the encrypted file: age refuses it.
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 1
    broken = tmp_path / "broken.age"
    broken.write_bytes(bytes(data))
    assert (
        _run("age", "-d", "-i", str(key_file), "-o", str(tmp_path / "o"), str(broken)).returncode
        != 0
    )
    with pytest.raises(BagInvalid):
        path_check(broken, signing.evidence_public_key(), str(identity))


def test_signature_of_another_key_is_refused_by_minisign(desk, tmp_path):
    _consent(desk)
    package = _package(desk)
    with reads_ledger():
        package_export_plain(actor_id=desk.lawyer.user.pk, package=package, out=tmp_path / "b")
    other = signing.public_key_minisign(bytes(32))
    (tmp_path / "other.pub").write_text(other)
    result = _run(
        "minisign",
        "-V",
        "-p",
        str(tmp_path / "other.pub"),
        "-m",
        str(tmp_path / "b" / "tagmanifest-sha256.txt"),
    )
    assert result.returncode != 0
    with pytest.raises(BagInvalid, match="signature"):
        path_check(tmp_path / "b", signing.crypto.signing_public_key(b"\x01" * 32))


def test_no_consent_refuses_with_reason(desk, tmp_path):
    item = _item(desk)
    package = _package(desk, items=[item])
    with reads_ledger():
        plan = package_export_plain(
            actor_id=desk.lawyer.user.pk, package=package, out=tmp_path / "b"
        )
    assert {r.kind for r in plan.refused} == {"testimony", "item"}
    assert all("No consent was recorded" in r.reason for r in plan.refused)
    assert not list((tmp_path / "b" / "data").glob("files/*"))
    text = (tmp_path / "b" / "data" / "package.json").read_text()
    assert "basement" not in text


def test_consent_for_another_use_does_not_cover_this_recipient(desk):
    _consent(desk, use="international")
    package = _package(desk, kind="domestic_authority")
    with reads_ledger():
        plan = package_plan(Package.objects.get(pk=package.pk))
    assert [r.kind for r in plan.refused] == ["testimony"]


def test_withdrawal_refuses_later_exports_and_lists_earlier(desk, tmp_path):
    _consent(desk)
    item = _item(desk)
    package = _package(desk, items=[item])
    with reads_ledger():
        package_export_plain(actor_id=desk.lawyer.user.pk, package=package, out=tmp_path / "a")
        carried = consent_withdraw(
            actor_id=desk.lawyer.user.pk,
            testimony=desk.testimony,
            use="domestic_authority",
            reason="Afraid for the family",
        )
    assert carried == [(package.pk, "Investigative Committee")]
    with reads_ledger():
        plan = package_export_plain(
            actor_id=desk.lawyer.user.pk,
            package=Package.objects.get(pk=package.pk),
            out=tmp_path / "b",
        )
    assert {r.kind for r in plan.refused} == {"testimony", "item"}
    assert all("withdrawn" in r.reason for r in plan.refused)
    assert PackageExport.objects.count() == 2


def test_anonymised_consent_redacts_names_and_places(desk, tmp_path):
    _consent(desk, anonymised=True)
    # the fixture's testimony names its victim and the place in its text:
    desk.testimony.text = "Victim One was held in the basement at 12 Lenin Street."
    desk.testimony.save()
    act = doc_actions.act_create(
        actor_id=desk.lawyer.user.pk,
        event=desk.event,
        victim=desk.victim,
        act_type=__import__("corridor.documentation.models", fromlist=["Term"])
        .Term.objects.filter(vocabulary="act_type")
        .first(),
        exact_place="12 Lenin Street",
        start_precision="month",
        start_date=date(2017, 3, 20),
    )
    item = _item(desk)
    package = _package(desk, items=[item])
    package_choose(
        actor_id=desk.lawyer.user.pk,
        package=package,
        chosen=[
            ("event", desk.event.pk),
            ("act", act.pk),
            ("testimony", desk.testimony.pk),
            ("item", item.pk),
        ],
    )
    with reads_ledger():
        plan = package_plan(Package.objects.get(pk=package.pk))
    text = json.dumps([plan.testimonies, plan.acts, plan.events], ensure_ascii=False)
    assert "Victim One" not in text and "Lenin" not in text
    assert plan.testimonies[0]["source_name"] == plan.acts[0]["victim_name"]  # consistent
    assert plan.testimonies[0]["redacted"] is True
    assert [r.kind for r in plan.refused] == ["item"]  # a file cannot be redacted


def test_failed_export_leaves_nothing(desk, tmp_path, settings):
    _consent(desk)
    item = _item(desk)
    package = _package(desk, items=[item])
    path = Path(settings.CORRIDOR_EVIDENCE_DIR) / f"{item.pk}.sealed"
    data = bytearray(path.read_bytes())
    data[-10] ^= 1
    path.write_bytes(bytes(data))
    _identity_, recipient = _identity()
    links = CustodyEvent.objects.count()
    with reads_ledger(), pytest.raises((ExportFailed, SealedFileDamaged)):
        package_export_age(
            actor_id=desk.lawyer.user.pk,
            package=package,
            recipients=[recipient],
            out=tmp_path / "p.age",
        )
    assert list(tmp_path.iterdir()) == []
    assert CustodyEvent.objects.count() == links
    assert PackageExport.objects.count() == 0
    with reads_ledger(), pytest.raises(ExportFailed):
        package_export_age(
            actor_id=desk.lawyer.user.pk,
            package=package,
            recipients=["not-a-key"],
            out=tmp_path / "p.age",
        )
