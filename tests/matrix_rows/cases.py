"""Role-matrix rows of the cases app: the role decides the action, the compartment the case."""

from __future__ import annotations

from django.urls import reverse

from corridor.cases.models import Case
from matrix_support import ALL, CASE_CREATORS, CASE_NAME, UUID_PATH, Row, World


def _case_link(world: World) -> str:
    return reverse("cases:detail", kwargs={"case_id": world.case.pk})


ROWS: list[Row] = [
    Row("cases:list", "GET", ALL, shows=_case_link),
    # Search is a POST so that a name never lands in a URL or a log
    Row("cases:list", "POST", ALL, data=lambda w: {"q": CASE_NAME}, shows=_case_link),
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
        effect=lambda w, s: Case.objects.filter(compartment=w.north).count() > 1,
    ),
    Row(
        "cases:detail",
        "GET",
        ALL,
        outsider_status=404,  # not 403: a case in another compartment is not confirmed
        kwargs=lambda w: {"case_id": w.case.pk},
        shows=lambda w: CASE_NAME,
    ),
]
