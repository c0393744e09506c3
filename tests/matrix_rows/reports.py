"""Role-matrix rows of the reports app: the coordinator's charts (decision 0029), donor reports
and the published statistics (decision 0030); `/figures/` is public."""

from __future__ import annotations

from corridor.accounts.models import User
from corridor.audit.models import AuditEntry
from corridor.cases.models import FundingSource
from corridor.reports.money import donor_report_create, funding_source_create
from corridor.reports.period import period_default
from matrix_support import COORDINATOR, PublicRow, Row, World


def build(world: World) -> None:
    coordinator = world.staff[("coordinator", True)].user.pk
    # Every coordinator has registered an age key: the donor export is encrypted to it.
    User.objects.filter(role="coordinator").update(
        age_recipient="age1ppe0se0ec28m7uesz9yp6rnem02rvrapuwcc0gezsr7z0jal35vsr5mjp6"
    )
    source = funding_source_create(actor_id=coordinator, code="MATRIX-GRANT", kind="grant")
    world.extras["donor_report"] = donor_report_create(
        actor_id=coordinator, source=source, period=period_default(), target_currency="", rates={}
    )


def _report(world: World) -> dict[str, int]:
    return {"report_id": world.extras["donor_report"].pk}


ROWS: list[Row] = [
    Row("reports:charts", "GET", COORDINATOR),
    Row("reports:chart_svg", "GET", COORDINATOR, kwargs=lambda w: {"kind": "funnel"}),
    Row("reports:donor", "GET", COORDINATOR),
    Row("reports:donor", "POST", COORDINATOR),  # empty form: shown again with the reason
    Row(
        "reports:funding_add",
        "POST",
        COORDINATOR,
        status=302,
        data=lambda w: {"code": "MATRIX-DONOR", "kind": "donor"},
        location=lambda w: r"/reports/donors/",
        effect=lambda w, s: FundingSource.objects.filter(code="MATRIX-DONOR").exists(),
    ),
    Row("reports:donor_report", "GET", COORDINATOR, kwargs=_report),
    Row(
        "reports:donor_export",
        "POST",
        COORDINATOR,
        kwargs=_report,
        effect=lambda w, s: AuditEntry.objects.filter(
            action="donor_report.export_age", object_id=str(w.extras["donor_report"].pk)
        ).exists(),
    ),
]

PUBLIC_ROWS: list[PublicRow] = []
