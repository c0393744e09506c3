"""Role-matrix rows of the evidence app: lawyers only; a lawyer of South gets 404 for North's
records and an empty list (decision 0020)."""

from __future__ import annotations

from typing import Any

from corridor.evidence.actions import item_receive, package_choose, package_create
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
        package = package_create(
            actor_id=lawyer.user.pk,
            compartment=world.north,
            recipient=RECIPIENT,
            recipient_kind="international",
            language="en",
        )
        package_choose(actor_id=lawyer.user.pk, package=package, chosen=[("item", item.pk)])
    world.extras["evidence"] = {"item": item, "package": package}


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
        "evidence:package",
        "GET",
        LAWYER,
        outsider_status=404,
        kwargs=_pk("package", "package_id"),
        shows=lambda w: RECIPIENT,
    ),
]
