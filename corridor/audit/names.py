"""Human-readable names of the commonest audit actions, in Russian and English; an action
without one is shown by its code."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ACTION_NAMES = {
    "case.read": _("Read a case"),
    "case.list": _("Listed cases"),
    "case.create": _("Opened a case"),
    "case.update": _("Changed a case"),
    "case.move": _("Moved a case to a stage"),
    "case.assign": _("Assigned a case"),
    "expense.create": _("Recorded an expense"),
    "task.list": _("Listed tasks"),
    "shelter.list": _("Listed shelters"),
    "figures.prepare": _("Prepared a release of figures"),
    "figures.publish": _("Published a release of figures"),
    "donor_report.create": _("Made a donor report"),
    "donor_report.read": _("Read a donor report"),
    "donor_report.export_age": _("Exported a donor report, encrypted"),
    "donor_report.export_plain": _("Exported a donor report WITHOUT encryption"),
    "donor_report.export_age_typed": _("Exported a donor report, encrypted to a typed key"),
    "user.age_recipient": _("Registered or removed their age key"),
    "funding.create": _("Added a funding source"),
}


def action_name(action: str) -> str:
    name = ACTION_NAMES.get(action)
    return str(name) if name is not None else action
