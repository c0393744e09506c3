"""Case writes: each one transaction with its audit entry."""

from __future__ import annotations

from django.db import transaction

from corridor.audit.log import audit_record
from corridor.cases.models import Case
from corridor.vault.models import Compartment


def case_create(
    *,
    actor_id: int,
    compartment: Compartment,
    full_name: str,
    phone: str = "",
    aliases: list[str] | None = None,
    location: str = "",
    notes: str = "",
    risk_level: str = "medium",
) -> Case:
    with transaction.atomic():
        case = Case(compartment=compartment, risk_level=risk_level, assignee_id=actor_id)
        case.full_name = full_name
        case.phone = phone
        case.aliases = aliases or []
        case.location = location
        case.notes = notes
        case.save()
        audit_record(
            actor_id=actor_id, action="case.create", object_type="case", object_id=str(case.pk)
        )
    return case
