"""Role-matrix rows of the lifecycle app: the retention screen, holds and periods (0024)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from corridor.cases.actions import case_create
from corridor.cases.models import Case, Stage
from corridor.lifecycle.actions import legal_hold_place, retention_policy_set
from corridor.lifecycle.models import LegalHold, RetentionPolicy
from corridor.lifecycle.retention import months_before
from corridor.vault.keyring import keyring_activated
from matrix_support import ADMIN, Row, World

HOLDERS = frozenset({"admin", "coordinator"})


def build(world: World) -> None:
    """Two North cases closed seven months ago under a six-month period; one already held."""
    admin = world.org.admin
    with keyring_activated(admin.keyring):
        due, held = (
            case_create(actor_id=admin.user.pk, compartment=world.north, full_name=name)
            for name in ("Matrix Retention One", "Matrix Retention Two")
        )
    Case.objects.filter(pk__in=[due.pk, held.pk]).update(
        stage=Stage.CLOSED, closed_at=months_before(timezone.now(), 7)
    )
    retention_policy_set(
        actor_id=admin.user.pk, compartment=world.north, closed_case_months=6, declined_days=None
    )
    world.extras["retention_due"] = due
    world.extras["retention_hold"] = legal_hold_place(
        actor_id=admin.user.pk, object_type="case", object_id=held.pk, basis="court"
    )


def _hold_data(world: World) -> dict[str, Any]:
    return {
        "object_type": "case",
        "object_id": str(world.extras["retention_due"].pk),
        "basis": "court",
    }


ROWS: list[Row] = [
    Row("lifecycle:preview", "GET", HOLDERS),
    Row(
        "lifecycle:policy",
        "POST",
        ADMIN,
        status=302,
        kwargs=lambda w: {"compartment_id": w.north.pk},
        data=lambda w: {"closed_case_months": "12", "declined_days": ""},
        location=lambda w: r"/retention/",
        effect=lambda w, s: RetentionPolicy.objects.filter(
            compartment=w.north, closed_case_months=12
        ).exists(),
    ),
    # A hold is placed and released only by a member of the record's compartment
    Row(
        "lifecycle:hold",
        "POST",
        HOLDERS,
        status=302,
        outsider_status=403,
        outsider_effect=False,
        data=_hold_data,
        location=lambda w: r"/retention/",
        effect=lambda w, s: LegalHold.objects.filter(
            object_id=w.extras["retention_due"].pk, released_at__isnull=True
        ).exists(),
    ),
    Row(
        "lifecycle:release",
        "POST",
        HOLDERS,
        status=302,
        outsider_status=403,
        outsider_effect=False,
        kwargs=lambda w: {"hold_id": w.extras["retention_hold"].pk},
        location=lambda w: r"/retention/",
        effect=lambda w, s: LegalHold.objects.filter(
            pk=w.extras["retention_hold"].pk, released_at__isnull=False
        ).exists(),
    ),
]
