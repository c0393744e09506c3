"""Roles and the actions each may take.

Permissions are explicit per action; a view names the action it performs and
`require_permission` checks it. Compartment membership is a separate, cryptographic gate:
a role that may view cases still sees only the compartments it holds keys for.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    COORDINATOR = "coordinator", _("Coordinator")
    CASEWORKER = "caseworker", _("Caseworker")
    TRIAGE = "triage", _("Triage")
    LAWYER = "lawyer", _("Lawyer")
    VIEWER = "viewer", _("Viewer")


ALL = frozenset(Role)

PERMISSIONS: dict[str, frozenset[Role]] = {
    # Staff and keys
    "user.invite": frozenset({Role.ADMIN}),
    "user.manage": frozenset({Role.ADMIN}),
    "compartment.manage": frozenset({Role.ADMIN}),
    "membership.manage": frozenset({Role.ADMIN}),
    "audit.view": frozenset({Role.ADMIN}),
    "audit.checkpoint": frozenset({Role.ADMIN}),
    # Emergency controls (decision 0022)
    "emergency.lockdown": frozenset({Role.ADMIN}),
    # Alerts about a colleague who logged in with their duress passphrase (decision 0026)
    "emergency.alerts": frozenset({Role.ADMIN, Role.COORDINATOR}),
    # Case work (further limited to the compartments the user is a member of)
    "case.view": ALL,
    # Who the case is about (name, contacts, notes, documents, panels): not the viewer, who
    # sees references, stages and counts only (decision 0032)
    "case.person": ALL - {Role.VIEWER},
    "case.create": frozenset({Role.COORDINATOR, Role.CASEWORKER, Role.TRIAGE}),
    "case.edit": frozenset({Role.COORDINATOR, Role.CASEWORKER, Role.LAWYER}),
    "case.assign": frozenset({Role.COORDINATOR}),
    # Ordinary moves along the pipeline; accepting, declining and closing are the coordinator's
    "case.move": frozenset({Role.COORDINATOR, Role.CASEWORKER, Role.LAWYER}),
    "case.decide": frozenset({Role.COORDINATOR}),
    "expense.edit": frozenset({Role.COORDINATOR, Role.CASEWORKER}),
    # Tasks, safety check-ins and the alerts a missed check-in raises
    "task.edit": frozenset({Role.COORDINATOR, Role.CASEWORKER, Role.LAWYER}),
    "checkin.record": frozenset({Role.COORDINATOR, Role.CASEWORKER}),
    "alert.resolve": frozenset({Role.COORDINATOR}),  # the alerts page and who is on duty
    # Take ("I am on it") and resolve an alert of a case in one's compartments, with a note:
    # the caseworker who holds the case too (decision 0034)
    "alert.act": frozenset({Role.COORDINATOR, Role.CASEWORKER}),
    # Shelters: the board (coordinators) decides on places
    "shelter.view": frozenset({Role.COORDINATOR, Role.CASEWORKER, Role.VIEWER}),
    # The board: the secret address, who is placed, the requests' reasons (not the viewer)
    "shelter.board": frozenset({Role.COORDINATOR, Role.CASEWORKER}),
    "shelter.manage": frozenset({Role.COORDINATOR}),
    "shelter.request": frozenset({Role.COORDINATOR, Role.CASEWORKER}),
    "shelter.decide": frozenset({Role.COORDINATOR}),
    # Relocation: papers, destination countries, applications and travel
    "document.edit": frozenset({Role.COORDINATOR, Role.CASEWORKER, Role.LAWYER}),
    "country.view": ALL,
    "country.manage": frozenset({Role.COORDINATOR, Role.LAWYER}),
    "application.edit": frozenset({Role.COORDINATOR, Role.CASEWORKER, Role.LAWYER}),
    "travel.edit": frozenset({Role.COORDINATOR, Role.CASEWORKER}),
    # Intake and triage (further limited to members of the intake compartment)
    "intake.record": frozenset({Role.COORDINATOR, Role.CASEWORKER, Role.TRIAGE}),
    "intake.triage": frozenset({Role.COORDINATOR, Role.TRIAGE}),
    "intake.approve": frozenset({Role.COORDINATOR, Role.TRIAGE}),
    "watchlist.manage": frozenset({Role.COORDINATOR, Role.TRIAGE}),
    # Documentation of abuses: lawyers own it (further limited to members of its compartments);
    # coordinators see operational counts only (docs/decisions/0019-documentation-roles.md)
    "documentation.view": frozenset({Role.LAWYER}),
    "documentation.edit": frozenset({Role.LAWYER}),
    "documentation.stats": frozenset({Role.LAWYER, Role.COORDINATOR}),
    # Retention (corridor.lifecycle): what will be purged and when, holds, the periods
    "retention.view": frozenset({Role.ADMIN, Role.COORDINATOR}),
    "retention.hold": frozenset({Role.ADMIN, Role.COORDINATOR}),
    "retention.policy": frozenset({Role.ADMIN}),
    # Dashboards, donor reports and published statistics (decisions 0029, 0030)
    "reports.view": frozenset({Role.COORDINATOR}),
    "reports.money": frozenset({Role.COORDINATOR}),
    "figures.publish": frozenset({Role.COORDINATOR}),
    # Evidence files and packages: lawyers only (decision 0020)
    "evidence.view": frozenset({Role.LAWYER}),
    "evidence.edit": frozenset({Role.LAWYER}),
}


# What a duress session may still do (decision 0026): the reads whose pages show only the
# user's own compartments, records, tasks and alerts, all empty once the duress login has
# destroyed the user's keys and memberships. Everything else (staff, compartments, the audit
# log, registries, retention, intake) is refused as to any account without that right, and
# every write is refused by the staff gate. A new permission is refused under duress until
# it is listed here.
DURESS_READS: frozenset[str] = frozenset(
    {
        "case.view",
        "case.person",  # without it the case list would look like a viewer's: a tell
        "alert.resolve",
        "alert.act",  # shows take/resolve on alerts, of which there are none (writes refused)
        "shelter.view",
        "shelter.board",
        "reports.view",  # counts over the user's compartments: none left under duress
        "documentation.view",
        "evidence.view",
        "emergency.alerts",
    }
)


def role_may(role: str, permission: str) -> bool:
    """True if `role` may perform `permission`; an unknown permission is refused."""
    allowed = PERMISSIONS.get(permission)
    if allowed is None:
        return False
    return role in allowed
