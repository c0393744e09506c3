"""Role-matrix rows of the evidence app: lawyers only; a lawyer of South gets 404 for North's
records and an empty list (decision 0020)."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from corridor.evidence.actions import item_receive, package_choose, package_create
from corridor.evidence.models import EvidenceItem
from corridor.evidence.working import working_path
from corridor.vault.keyring import keyring_activated
from matrix_support import Row, World

LAWYER = frozenset({"lawyer"})
ITEM_TITLE = "Matrix-Evidence photograph of the bruises"
RECIPIENT = "Matrix-Package recipient UN Working Group"


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
