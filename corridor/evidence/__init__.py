"""Evidence files, custody trails and verifiable packages (decision 0020)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator


def exports_carrying(testimony_id: uuid.UUID) -> Iterator[tuple[uuid.UUID, str]]:
    """(package id, recipient) of every export that carried this testimony or one of its
    files, oldest first; called by the documentation app when consent is withdrawn.

    The recipient is opened with the active keyring and the read audited; without a key for
    the package's compartment the recipient's kind is given instead.
    """
    from django.db import transaction

    from corridor.audit.log import audit_record_many
    from corridor.evidence.models import EvidenceItem, Package, PackageExport
    from corridor.vault.keyring import active_keyring

    wanted = str(testimony_id)
    items = {
        str(pk)
        for pk in EvidenceItem.objects.filter(testimony_id=testimony_id).values_list(
            "pk", flat=True
        )
    }
    package_ids: list[uuid.UUID] = []
    for export in PackageExport.objects.order_by("at"):
        carried = wanted in export.testimony_ids or items.intersection(export.item_ids)
        if carried and export.package_id not in package_ids:
            package_ids.append(export.package_id)
    packages = {p.pk: p for p in Package.objects.filter(pk__in=package_ids)}
    keyring = active_keyring()
    opened = [
        pk
        for pk in package_ids
        if keyring is not None
        and keyring.may_open(packages[pk].compartment_id, packages[pk].key_version)
    ]
    if opened and keyring is not None:
        with transaction.atomic():
            audit_record_many(
                actor_id=keyring.user_id,
                action="evidence_package.read",
                object_type="evidence_package",
                object_ids=[str(pk) for pk in opened],
            )
    for pk in package_ids:
        package = packages[pk]
        yield pk, (package.recipient if pk in opened else package.get_recipient_kind_display())
