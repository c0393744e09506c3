"""Cold seizure (T1) of evidence: markers typed into evidence files and their free-text fields
(title, file name, who it came from, the receipt note, a package's recipient, a photo's
EXIF) are found in no
database file or dump, evidence file, media file, log or anything else under var/.

Mirrors tests/test_cold_seizure.py with its scanner (every encoding), writing through the
evidence actions (the screens' uploads and plain bags are covered by
corridor/evidence/tests/test_screens.py, decision 0035), committed, with every connection
closed before the scan. Not vacuous: each marker is read back through the vault first, and
the evidence file is found where it is kept; the photo's working copy (decision 0036) is read
back and a slice of its bytes is looked for in every sealed file.
"""

from __future__ import annotations

import secrets
import string
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections
from test_cold_seizure import Scanner, _database_dump, _files_under, _log_files

from conftest import Org
from corridor.accounts.roles import Role
from corridor.documentation import actions as doc
from corridor.documentation.consent import consent_record
from corridor.evidence.actions import item_read, item_receive, package_choose, package_create
from corridor.evidence.models import EvidenceItem, Package
from corridor.evidence.packages import package_export_age
from corridor.evidence.working import working_copy_read, working_path
from corridor.vault.keyring import keyring_activated
from corridor.vault.reads import reads_ledger

TAG = "".join(secrets.choice(string.ascii_lowercase) for _ in range(10))
MARKERS = {
    "file content": f"Qxfilebody{TAG} photograph of Адам",
    "title": f"Qxtitle{TAG}",
    "file name": f"Qxname{TAG}.jpg",
    "received from": f"Qxsister{TAG}",
    "note": f"Qxnote{TAG}",
    "recipient": f"Qxrecipient{TAG}",
    "photo's EXIF": f"Qxcamera{TAG}",
}


def _photo_with_exif(make: str) -> bytes:
    import io

    from PIL import Image

    image = Image.new("RGB", (96, 64), (120, 60, 90))
    for x in range(96):  # pixels that vary, so the copy's bytes are its own
        image.putpixel((x, x % 64), (x * 2, 255 - x, 40))
    exif = Image.Exif()
    exif[0x010F] = make
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_evidence_reveals_no_marker_after_a_cold_seizure(org: Org, tmp_path: Path) -> None:
    import pyrage

    lawyer = org.staff("lawyer", Role.LAWYER, ("Documentation",))
    docs = org.compartment("Documentation")
    body = MARKERS["file content"].encode() + b"\0" * 300_000 + MARKERS["file content"].encode()
    with keyring_activated(lawyer.keyring), reads_ledger():
        person = doc.person_create(
            actor_id=lawyer.user.pk, compartment=docs, name="P", role="victim"
        )
        testimony = doc.testimony_create(
            actor_id=lawyer.user.pk,
            person=person,
            text="t",
            language="ru",
            taken_by="x",
            taken_on=date(2017, 5, 2),
        )
        consent_record(
            actor_id=lawyer.user.pk,
            testimony=testimony,
            use="international",
            granted=True,
            anonymised=False,
            obtained_how="signed_form",
            obtained_on=date(2017, 5, 3),
            obtained_by="x",
        )
        item = item_receive(
            actor_id=lawyer.user.pk,
            compartment=docs,
            pieces=[body],
            title=MARKERS["title"],
            original_name=MARKERS["file name"],
            media_type="image/jpeg",
            received_from=MARKERS["received from"],
            received_how="in_person",
            note=MARKERS["note"],
            testimony=testimony,
        )
        photo = item_receive(
            actor_id=lawyer.user.pk,
            compartment=docs,
            pieces=[_photo_with_exif(MARKERS["photo's EXIF"])],
            title="photo",
            original_name="p.jpg",
            media_type="image/jpeg",
            received_from="x",
            received_how="in_person",
            testimony=testimony,
        )
        package = package_create(
            actor_id=lawyer.user.pk,
            compartment=docs,
            recipient=MARKERS["recipient"],
            recipient_kind="international",
            language="en",
        )
        package_choose(actor_id=lawyer.user.pk, package=package, chosen=[("item", item.pk)])
        out = tmp_path / "out" / "package.age"  # the deliberate output, outside the server
        out.parent.mkdir()
        package_export_age(
            actor_id=lawyer.user.pk,
            package=package,
            recipients=[str(pyrage.x25519.Identity.generate().to_public())],
            out=out,
        )
        # read back through the vault: the markers are really stored
        stored = EvidenceItem.objects.get(pk=item.pk)
        assert stored.title == MARKERS["title"] and stored.original_name == MARKERS["file name"]
        assert b"".join(item_read(actor_id=lawyer.user.pk, item=stored)) == body
        assert Package.objects.get(pk=package.pk).recipient == MARKERS["recipient"]
        # the photo's working copy is made and opens as an image, a slice of it in hand
        photo = EvidenceItem.objects.get(pk=photo.pk)
        assert photo.working_media_type == "image/jpeg"
        copy = working_copy_read(actor_id=lawyer.user.pk, item=photo)
        assert copy.startswith(b"\xff\xd8\xff")
        copy_slice = copy[len(copy) // 2 : len(copy) // 2 + 24]
    evidence_files = _files_under(Path(settings.CORRIDOR_EVIDENCE_DIR))
    assert evidence_files, "the sealed evidence file is kept under var/"
    assert working_path(photo) in evidence_files, "the working copy is kept under var/ too"
    for path in evidence_files:  # the working copy's bytes are nowhere in clear
        assert copy_slice not in path.read_bytes() and b"JFIF" not in path.read_bytes(), path
    alias_settings = dict(connection.settings_dict)
    connections.close_all()
    logs = _log_files()
    scanner = Scanner(MARKERS)
    database = _database_dump(tmp_path, alias_settings)
    hits = scanner.scan_files(
        [
            *database,
            *_files_under(Path(settings.MEDIA_ROOT)),
            *logs,
            *_files_under(Path(settings.VAR_DIR)),
        ]
    )
    assert not hits, "\n".join(f"{hit.needle!r} found in {hit.where}" for hit in hits)
    assert str(evidence_files[0]) in scanner.scanned and str(database[0]) in scanner.scanned
