"""Role-matrix rows of the evidence app: lawyers only; a lawyer of South gets 404 for North's
records and an empty list (decision 0020)."""

from __future__ import annotations

import io
from typing import Any

import pyrage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from corridor.evidence.actions import item_receive, package_choose, package_create
from corridor.evidence.models import EvidenceItem, Package, PackageEntry, PackageExport
from corridor.evidence.working import working_path
from corridor.vault.keyring import keyring_activated
from matrix_support import Row, World

LAWYER = frozenset({"lawyer"})
ITEM_TITLE = "Matrix-Evidence photograph of the bruises"
RECIPIENT = "Matrix-Package recipient UN Working Group"
RECEIVED_TITLE = "Matrix-Received medical record"
NEW_RECIPIENT = "Matrix-New package for the OSCE"
AGE_RECIPIENT = str(pyrage.x25519.Identity.generate().to_public())


def build(world: World) -> None:
    lawyer = world.staff[("lawyer", True)]
    with keyring_activated(lawyer.keyring):
        item = item_receive(
            actor_id=lawyer.user.pk,
            compartment=world.north,
            pieces=[b"jpeg bytes"],
            title=ITEM_TITLE,
            original_name="a.jpg",
            media_type="image/jpeg",
            received_from="Matrix-Sister",
            received_how="in_person",
        )
        out = io.BytesIO()
        Image.new("RGB", (8, 8), (90, 40, 40)).save(out, "JPEG")
        photo = item_receive(
            actor_id=lawyer.user.pk,
            compartment=world.north,
            pieces=[out.getvalue()],
            title="Matrix-Evidence photo",
            original_name="b.jpg",
            media_type="image/jpeg",
            received_from="Matrix-Sister",
            received_how="in_person",
        )
        # A second photo, as if received before working copies: none made, none noted
        unmade = item_receive(
            actor_id=lawyer.user.pk,
            compartment=world.north,
            pieces=[out.getvalue()],
            title="Matrix-Evidence photo, old",
            original_name="c.jpg",
            media_type="image/jpeg",
            received_from="Matrix-Sister",
            received_how="in_person",
        )
        working_path(unmade).unlink()
        EvidenceItem.objects.filter(pk=unmade.pk).update(
            working_note="", working_media_type="", working_size=0, working_sha256_sealed=None
        )
        package = package_create(
            actor_id=lawyer.user.pk,
            compartment=world.north,
            recipient=RECIPIENT,
            recipient_kind="international",
            language="en",
        )
        package_choose(actor_id=lawyer.user.pk, package=package, chosen=[("item", item.pk)])
    world.extras["evidence"] = {
        "item": item,
        "photo": photo,
        "unmade": unmade,
        "package": package,
    }


def _pk(name: str, key: str) -> Any:
    return lambda w: {key: w.extras["evidence"][name].pk}


def _receipt(world: World) -> dict[str, Any]:
    return {
        "compartment": world.north.pk,
        "file": SimpleUploadedFile("record.pdf", b"%PDF matrix", content_type="application/pdf"),
        "title": RECEIVED_TITLE,
        "received_from": "Matrix-Clinic",
        "received_how": "post",
    }


def _package_of(world: World) -> Package:
    return world.extras["evidence"]["package"]


UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


ROWS: list[Row] = [
    Row("evidence:home", "GET", LAWYER, shows=lambda w: ITEM_TITLE),
    Row(
        "evidence:item",
        "GET",
        LAWYER,
        outsider_status=404,
        kwargs=_pk("item", "item_id"),
        shows=lambda w: ITEM_TITLE,
    ),
    Row(
        "evidence:item_working",
        "GET",
        LAWYER,
        outsider_status=404,
        kwargs=_pk("photo", "item_id"),
    ),
    Row(
        "evidence:item_download",
        "GET",
        LAWYER,
        outsider_status=404,
        kwargs=_pk("item", "item_id"),
    ),
    Row(
        "evidence:item_working_make",
        "POST",
        LAWYER,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=_pk("unmade", "item_id"),
        effect=lambda w, _s: EvidenceItem.objects.filter(
            pk=w.extras["evidence"]["unmade"].pk, working_media_type="image/jpeg"
        ).exists(),
    ),
    Row(
        "evidence:package",
        "GET",
        LAWYER,
        outsider_status=404,
        kwargs=_pk("package", "package_id"),
        shows=lambda w: RECIPIENT,
    ),
    # The write screens (decision 0035)
    Row("evidence:item_new", "GET", LAWYER),
    Row(
        "evidence:item_new",
        "POST",
        LAWYER,
        status=302,
        outsider_status=200,  # "North" is not a choice for them: the form refuses it
        outsider_effect=False,
        data=_receipt,
        location=lambda w: rf"/evidence/items/{UUID}/",
        effect=lambda w, s: EvidenceItem.objects.filter(size=len(b"%PDF matrix")).exists(),
    ),
    Row("evidence:package_new", "GET", LAWYER),
    Row(
        "evidence:package_new",
        "POST",
        LAWYER,
        status=302,
        outsider_status=200,
        outsider_effect=False,
        data=lambda w: {
            "compartment": w.north.pk,
            "recipient": NEW_RECIPIENT,
            "recipient_kind": "international",
            "language": "ru",
        },
        location=lambda w: rf"/evidence/packages/{UUID}/contents/",
        effect=lambda w, s: Package.objects.filter(language="ru").exists(),
    ),
    Row(
        "evidence:package_contents",
        "GET",
        LAWYER,
        outsider_status=404,
        kwargs=_pk("package", "package_id"),
        shows=lambda w: ITEM_TITLE,
    ),
    Row(
        "evidence:package_contents",
        "POST",
        LAWYER,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=_pk("package", "package_id"),
        data=lambda w: {},  # nothing chosen: the package is emptied
        location=lambda w: rf"/evidence/packages/{_package_of(w).pk}/",
        effect=lambda w, s: not PackageEntry.objects.filter(package=_package_of(w)).exists(),
    ),
    Row(
        "evidence:package_export",
        "POST",
        LAWYER,
        outsider_status=404,
        outsider_effect=False,
        kwargs=_pk("package", "package_id"),
        data=lambda w: {"recipients": AGE_RECIPIENT},
        effect=lambda w, s: PackageExport.objects.filter(encrypted=True).exists(),
    ),
    Row(
        "evidence:package_export_plain",
        "POST",
        LAWYER,
        outsider_status=404,
        outsider_effect=False,
        kwargs=_pk("package", "package_id"),
        data=lambda w: {"confirm": "unencrypted"},
        effect=lambda w, s: PackageExport.objects.filter(encrypted=False).exists(),
    ),
    # No file posted: a message and back to the package page, nothing stored
    Row(
        "evidence:package_timestamp",
        "POST",
        LAWYER,
        status=302,
        outsider_status=404,
        kwargs=_pk("package", "package_id"),
        location=lambda w: f"/evidence/packages/{w.extras['evidence']['package'].pk}/",
    ),
]
