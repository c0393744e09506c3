"""Role-matrix rows of the published statistics (decision 0030): coordinators prepare and
publish; anyone reads what is published at /figures/."""

from __future__ import annotations

import uuid
from datetime import date

from corridor.figures.actions import release_prepare, release_publish
from corridor.figures.models import Release
from matrix_support import COORDINATOR, PublicRow, Row, World

UNKNOWN = uuid.UUID("00000000-0000-4000-8000-000000000014")


def build(world: World) -> None:
    coordinator = world.staff[("coordinator", True)].user.pk
    common = {"first_month": date(2017, 5, 1), "last_month": date(2017, 6, 1)}
    world.extras["figures_draft"] = release_prepare(
        actor_id=coordinator, tables=["requests"], epsilon=0.1, **common
    )
    published = release_prepare(actor_id=coordinator, tables=["abroad"], epsilon=0.1, **common)
    world.extras["figures_published"] = release_publish(
        actor_id=coordinator, release_id=published.pk
    )


def _draft(world: World) -> dict[str, object]:
    return {"release_id": world.extras["figures_draft"].pk}


ROWS: list[Row] = [
    Row("figures:manage", "GET", COORDINATOR),
    Row("figures:manage", "POST", COORDINATOR),  # empty form: shown again with errors
    Row("figures:release", "GET", COORDINATOR, kwargs=_draft),
    Row(
        "figures:publish",
        "POST",
        COORDINATOR,
        status=302,
        kwargs=_draft,
        location=lambda w: r"/figures/manage/[0-9a-f-]{36}/",
        effect=lambda w, s: Release.objects.filter(
            pk=w.extras["figures_draft"].pk, status="published"
        ).exists(),
    ),
]

PUBLIC_ROWS: list[PublicRow] = [
    PublicRow("figures:public", "GET", 200),
    PublicRow("figures:public_en", "GET", 200),
    # An unknown (or unpublished) release is not found, for anyone
    PublicRow("figures:csv", "GET", 404, kwargs={"release_id": UNKNOWN}),
    PublicRow("figures:json", "GET", 404, kwargs={"release_id": UNKNOWN}),
]
