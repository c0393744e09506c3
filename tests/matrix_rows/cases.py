"""Role-matrix rows of the cases app: the role decides the action, the compartment the case."""

from __future__ import annotations

import io
import uuid

from django.urls import reverse
from django.utils import timezone
from PIL import Image

from corridor.cases.actions import CarriedFile, case_request_carry, expense_add
from corridor.cases.models import Case, CaseAttachment, Expense
from corridor.vault.keyring import keyring_activated
from matrix_support import ALL, CASE_CREATORS, CASE_NAME, COORDINATOR, UUID_PATH, Row, World

CASE_EDITORS = frozenset({"coordinator", "caseworker", "lawyer"})
CASE_MOVERS = frozenset({"coordinator", "caseworker", "lawyer"})
EXPENSE_EDITORS = frozenset({"coordinator", "caseworker"})
CASE_PERSON = ALL - {"viewer"}  # case.person: who may see who the case is about


def _case_link(world: World) -> str:
    return reverse("cases:detail", kwargs={"case_id": world.case.pk})


def _case(world: World) -> dict[str, object]:
    return {"case_id": world.case.pk}


def _case_page(world: World) -> str:
    return rf"/cases/{world.case.pk}/"


def _case_now(world: World) -> Case:
    return Case.objects.get(pk=world.case.pk)


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "blue").save(buffer, format="PNG")
    return buffer.getvalue()


def build(world: World) -> None:
    """One expense on the case, for the correct-or-void page; a request's photo carried in."""
    worker = world.staff[("caseworker", True)]
    with keyring_activated(worker.keyring):
        case_request_carry(
            actor_id=worker.user.pk,
            case=world.case,
            submission_id=uuid.uuid4(),
            channel="hotline",
            received_hour=timezone.now().replace(minute=0, second=0, microsecond=0),
            language="ru",
            fields={"message": "Matrix request message"},
            files=[CarriedFile(uuid.uuid4(), "photo.png", "image/png", _png())],
        )
        world.extras["expense"] = expense_add(
            actor_id=worker.user.pk,
            case=world.case,
            category="food",
            amount="9.00",
            currency="EUR",
            spent_on=timezone.localdate(),
        )


def _expense(world: World) -> dict[str, object]:
    return {"case_id": world.case.pk, "expense_id": world.extras["expense"].pk}


def _attachment(world: World) -> dict[str, object]:
    attachment = CaseAttachment.objects.get(case=world.case)
    return {"case_id": world.case.pk, "attachment_id": attachment.pk}


def _expense_voided(world: World) -> bool:
    return Expense.objects.filter(pk=world.extras["expense"].pk, voided_at__isnull=False).exists()


ROWS: list[Row] = [
    Row("cases:list", "GET", ALL, shows=_case_link),
    # Search is a POST so that a name never lands in a URL or a log
    Row("cases:list", "POST", ALL, data=lambda w: {"q": CASE_NAME}, shows=_case_link),
    # A viewer sees the case's reference, never its name (decision 0032)
    Row("cases:list", "GET", ALL, shows=lambda w: CASE_NAME, hides_from=frozenset({"viewer"})),
    Row("cases:new", "GET", CASE_CREATORS),
    Row(
        "cases:new",
        "POST",
        CASE_CREATORS,
        status=302,
        outsider_status=200,  # "North" is not a choice for them: the form refuses it
        outsider_effect=False,
        data=lambda w: {
            "compartment": w.north.pk,
            "full_name": "Matrix New Person",
            "risk_level": "medium",
        },
        location=lambda w: UUID_PATH,
        # (closed cases of other apps' rows, the retention screen's, do not count)
        effect=lambda w, s: (
            Case.objects.filter(compartment=w.north).exclude(stage="closed").count() > 1
        ),
    ),
    Row(
        "cases:detail",
        "GET",
        ALL,
        outsider_status=404,  # not 403: a case in another compartment is not confirmed
        kwargs=_case,
        shows=lambda w: CASE_NAME,
        hides_from=frozenset({"viewer"}),  # a viewer sees stages and dates only
    ),
    # The request's files carried into the case (decision 0040): who may see the person
    Row("cases:attachment", "GET", CASE_PERSON, outsider_status=404, kwargs=_attachment),
    Row("cases:attachment_download", "GET", CASE_PERSON, outsider_status=404, kwargs=_attachment),
    Row(
        "cases:edit",
        "GET",
        CASE_EDITORS,
        outsider_status=404,
        kwargs=_case,
        shows=lambda w: CASE_NAME,
    ),
    Row(
        "cases:edit",
        "POST",
        CASE_EDITORS,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=_case,
        data=lambda w: {
            "full_name": CASE_NAME,
            "threat_source": "family",
            "risk_level": "critical",
        },
        location=_case_page,
        effect=lambda w, s: _case_now(w).risk_level == "critical",
    ),
    Row("cases:assign", "GET", COORDINATOR, outsider_status=404, kwargs=_case),
    Row(
        "cases:assign",
        "POST",
        COORDINATOR,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=_case,
        data=lambda w: {"assignee": w.staff[("lawyer", True)].user.pk},
        location=_case_page,
        effect=lambda w, s: _case_now(w).assignee_id == w.staff[("lawyer", True)].user.pk,
    ),
    # An ordinary move: case work
    Row(
        "cases:move",
        "POST",
        CASE_MOVERS,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=_case,
        data=lambda w: {"to_stage": "vetting"},
        location=_case_page,
        effect=lambda w, s: _case_now(w).stage == "vetting",
    ),
    # A decision (accept, decline, close) also needs case.decide. It is checked after the case
    # is found, so a non-member gets 404 whatever the move (the matrix would expect 403 for
    # the roles without case.decide): corridor/cases/tests/test_views.py covers it.
    Row(
        "cases:expense_add",
        "POST",
        EXPENSE_EDITORS,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=_case,
        data=lambda w: {
            "category": "food",
            "amount": "12.50",
            "currency": "EUR",
            "spent_on": timezone.localdate().isoformat(),
        },
        location=_case_page,
        effect=lambda w, s: Expense.objects.filter(case=w.case).count() > 1,
    ),
    # An empty expense: the case page again with the form's errors (decision 0027)
    Row(
        "cases:expense_add",
        "POST",
        EXPENSE_EDITORS,
        outsider_status=404,
        kwargs=_case,
        shows=lambda w: 'href="#id_amount"',
    ),
    # A wrong entry is corrected or voided with a reason, never deleted (decision 0041)
    Row("cases:expense_change", "GET", EXPENSE_EDITORS, outsider_status=404, kwargs=_expense),
    Row(
        "cases:expense_change",
        "POST",
        EXPENSE_EDITORS,
        status=302,
        outsider_status=404,
        outsider_effect=False,
        kwargs=_expense,
        data=lambda w: {"step": "void", "reason": "typed twice"},
        location=_case_page,
        effect=lambda w, s: _expense_voided(w),
    ),
]
