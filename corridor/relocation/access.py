"""The door to a case's papers, applications and journeys: through the case's own door.

`case_for_user` checks the role's permission and compartment membership (a non-member gets
404) and audits the case read; the record must belong to that case, and its read is
audited too, in its own transaction like the case's.
"""

from __future__ import annotations

import uuid
from typing import TypeVar

from django.db import transaction
from django.http import Http404, HttpRequest

from corridor.audit.log import audit_record
from corridor.cases.access import case_for_user
from corridor.cases.models import Case
from corridor.relocation.models import Application, Document, TravelLeg

Record = TypeVar("Record", Document, Application, TravelLeg)

OBJECT_TYPES: dict[type, str] = {
    Document: "document",
    Application: "application",
    TravelLeg: "travel_leg",
}


def case_record_for_user(
    request: HttpRequest,
    model: type[Record],
    case_id: uuid.UUID,
    record_id: uuid.UUID,
    *,
    permission: str,
) -> tuple[Case, Record]:
    """The case and one of its records, if this user may `permission` on the case."""
    case = case_for_user(request, case_id, permission=permission)
    record = model.objects.filter(case=case, pk=record_id).first()
    if record is None:
        raise Http404
    record.case = case
    object_type = OBJECT_TYPES[model]
    with transaction.atomic():
        audit_record(
            actor_id=request.user.pk,
            action=f"{object_type}.read",
            object_type=object_type,
            object_id=str(record.pk),
        )
    return case, record
