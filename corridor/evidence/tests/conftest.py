from datetime import date
from typing import Any

import pytest

from corridor.documentation.consent import consent_record
from corridor.documentation.tests.conftest import desk, lawyer  # noqa: F401 - shared fixtures
from corridor.evidence.actions import item_receive, package_choose, package_create
from corridor.evidence.models import EvidenceItem, Package


@pytest.fixture(autouse=True)
def evidence_dir(settings, tmp_path_factory):
    settings.CORRIDOR_EVIDENCE_DIR = tmp_path_factory.mktemp("evidence")
    return settings.CORRIDOR_EVIDENCE_DIR


def consented_package(
    team: Any, *, anonymised: bool, item: dict[str, Any], with_testimony: bool
) -> tuple[EvidenceItem, Package]:
    """The desk's testimony consented for international bodies, a file received with it, and
    a package to the UN Working Group holding the file (and the testimony, if asked)."""
    consent_record(
        actor_id=team.lawyer.user.pk,
        testimony=team.testimony,
        use="international",
        granted=True,
        anonymised=anonymised,
        obtained_how="signed_form",
        obtained_on=date(2017, 5, 3),
        obtained_by="x",
    )
    docs = team.org.compartment("Documentation")
    received = item_receive(
        actor_id=team.lawyer.user.pk, compartment=docs, testimony=team.testimony, **item
    )
    package = package_create(
        actor_id=team.lawyer.user.pk,
        compartment=docs,
        recipient="UN Working Group",
        recipient_kind="international",
        language="en",
    )
    chosen = [("testimony", team.testimony.pk)] if with_testimony else []
    package_choose(
        actor_id=team.lawyer.user.pk, package=package, chosen=[*chosen, ("item", received.pk)]
    )
    return received, package
