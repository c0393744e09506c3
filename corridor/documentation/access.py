"""The doors to the documentation: role, compartment membership and the audit entry of each read.

Lawyers own this work (`documentation.view` / `.edit`); a record opens only for members of its
compartment, and anyone else gets 404, so its existence is not confirmed (T3, T4). Every read
of a record, one by one or in a list, is audited in the same request, on the record itself
(the object types below), so the vault's read check finds each opened record covered.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest

from corridor.accounts.decorators import staff_user
from corridor.audit.log import audit_record_many
from corridor.cases.access import request_compartment_ids
from corridor.documentation.models import (
    Act,
    Consent,
    ConsentWithdrawal,
    Event,
    EventChain,
    Involvement,
    Person,
    Referral,
    ReferralAnswer,
    SourceInformation,
    Testimony,
)

Record = TypeVar("Record", bound=Model)

OBJECT_TYPES: dict[type, str] = {
    Event: "doc_event",
    Act: "doc_act",
    Person: "doc_person",
    Involvement: "doc_involvement",
    SourceInformation: "doc_source",
    EventChain: "doc_chain",
    Testimony: "doc_testimony",
    Consent: "doc_consent",
    ConsentWithdrawal: "doc_withdrawal",
    Referral: "doc_referral",
    ReferralAnswer: "doc_answer",
}


def documentation_member_of(
    request: HttpRequest, permission: str = "documentation.view"
) -> list[int]:
    """The compartments this user is a member of, if their role allows `permission`."""
    if not staff_user(request).may(permission):
        raise PermissionDenied(permission)
    return request_compartment_ids(request)


def visible(
    request: HttpRequest, model: type[Record], permission: str = "documentation.view"
) -> QuerySet[Record]:
    """`model`'s records in this user's compartments (nothing opened or audited yet)."""
    member_of = documentation_member_of(request, permission)
    return model._default_manager.filter(compartment_id__in=member_of)


def reads_audit(request: HttpRequest, records: Iterable[Model], *, listed: bool = True) -> None:
    """Audit the read of these records, one entry each, grouped by type (a list or a page)."""
    by_type: dict[str, list[str]] = {}
    for record in records:
        by_type.setdefault(OBJECT_TYPES[type(record)], []).append(str(record.pk))
    verb = "list" if listed else "read"
    with transaction.atomic():
        for object_type, ids in by_type.items():
            audit_record_many(
                actor_id=staff_user(request).pk,
                action=f"{object_type}.{verb}",
                object_type=object_type,
                object_ids=list(dict.fromkeys(ids)),
            )


def record_for_user(
    request: HttpRequest,
    model: type[Record],
    record_id: uuid.UUID,
    *,
    permission: str = "documentation.view",
) -> Record:
    """One record, if the role allows `permission` and the user is a member of its
    compartment (404 otherwise); its read is audited before it is returned."""
    record = visible(request, model, permission).filter(pk=record_id).first()
    if record is None:
        raise Http404
    reads_audit(request, [record], listed=False)
    return record
