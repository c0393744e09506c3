"""Human-readable names of the audit actions, in Russian and English (decision 0037).

Every code written anywhere is named (`corridor/audit/tests/test_names.py` finds them in the
source): by its own name, or as a verb and an object (`doc_event.create` is "Created:
documented event"). A code without a name is shown by itself.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ACTION_NAMES = {
    "alert.escalate": _("Escalated an alert"),
    "alert.raise": _("Raised an alert"),
    "alert.resolve": _("Resolved an alert"),
    "alert.take": _("Took an alert"),
    "backup.create": _("Made a backup"),
    "case.assign": _("Assigned a case"),
    "case.create": _("Opened a case"),
    "case.list": _("Listed cases"),
    "case.move": _("Moved a case to a stage"),
    "case.read": _("Read a case"),
    "case.update": _("Changed a case"),
    "checkin_schedule.stop": _("Stopped a check-in schedule"),
    "doc_consent.withdraw": _("Withdrew consent"),
    "doc_referral.overdue": _("A referral's answer became overdue"),
    "donor_report.create": _("Made a donor report"),
    "donor_report.export_age": _("Exported a donor report, encrypted"),
    "donor_report.export_age_typed": _("Exported a donor report, encrypted to a typed key"),
    "donor_report.export_plain": _("Exported a donor report WITHOUT encryption"),
    "donor_report.read": _("Read a donor report"),
    "duty.clear": _("Cleared the duty coordinator"),
    "duty.set": _("Set the duty coordinator"),
    "emergency.duress": _("Logged in with a duress passphrase"),
    "emergency.duress_read": _("Read a duress alert"),
    "emergency.duress_resolve": _("Resolved a duress alert"),
    "emergency.lockdown": _("Locked the organisation down"),
    "evidence_item.working_copy": _("Made a working copy of an evidence item"),
    "evidence_package.choose": _("Chose items for an evidence package"),
    "evidence_package.export": _("Exported an evidence package, encrypted"),
    "evidence_package.export_plain": _("Exported an evidence package WITHOUT encryption"),
    "evidence_package.timestamp": _("Timestamped an evidence package"),
    "expense.correct": _("Corrected an expense"),
    "expense.create": _("Recorded an expense"),
    "expense.void": _("Voided an expense"),
    "figures.ledger_view": _("Read the privacy ledger of figures"),
    "figures.prepare": _("Prepared a release of figures"),
    "figures.publish": _("Published a release of figures"),
    "funding.create": _("Added a funding source"),
    "intake.attachment_open": _("Opened an attachment of a request"),
    "intake.desk_create": _("Created the intake desk"),
    "intake.key_create": _("Created an intake key"),
    "intake.open": _("Opened a request"),
    "intake.record": _("Recorded a request taken by an operator"),
    "intake.reply": _("Replied to a request"),
    "intake.status": _("Changed the status of a request"),
    "invitation.accept": _("Accepted an invitation"),
    "invitation.create": _("Invited a member of staff"),
    "membership.grant": _("Gave access to a compartment"),
    "membership.revoke": _("Took away access to a compartment"),
    "notice.address_cleared": _("Removed their notice e-mail address"),
    "notice.address_set": _("Set their notice e-mail address"),
    "notice.test_sent": _("Sent a test notice"),
    "organisation.create": _("Set up the organisation"),
    "placement.end": _("Ended a shelter placement"),
    "placement_request.lapsed": _("A shelter placement request lapsed"),
    "placement_request.withdrawn": _("Withdrew a shelter placement request"),
    "retention.hold_place": _("Placed a legal hold"),
    "retention.hold_release": _("Released a legal hold"),
    "retention.policy_set": _("Set the retention policy"),
    "retention.purge": _("Purged a record past its retention"),
    "session.login": _("Logged in"),
    "session.logout_all": _("Logged out everywhere"),
    "shelter.list": _("Listed shelters"),
    "task.done": _("Completed a task"),
    "task.list": _("Listed tasks"),
    "task.overdue": _("A task became overdue"),
    "totp.enrol": _("Set up the second factor"),
    "triage.approve": _("Approved opening a case from a request"),
    "triage.attachment_read": _("Read an attachment at triage"),
    "triage.attachment_view": _("Opened an attachment in the browser at triage"),
    "triage.case_compare": _("Compared a request with a case"),
    "triage.checklist": _("Saved a vetting checklist"),
    "triage.crosscheck": _("Checked a request against every compartment"),
    "triage.decline": _("Declined a request"),
    "triage.index": _("Indexed a request for triage"),
    "triage.list": _("Listed requests at triage"),
    "triage.propose": _("Proposed opening a case from a request"),
    "triage.read": _("Read a request at triage"),
    "triage.watch_add": _("Added to the watch list"),
    "triage.watch_hit": _("A request matched the watch list"),
    "triage.watch_list": _("Read the watch list"),
    "triage.watch_remove": _("Removed from the watch list"),
    "user.age_recipient": _("Registered or removed their age key"),
    "user.create": _("Created a member of staff"),
    "user.deactivate": _("Deactivated a member of staff"),
    "user.duress_set": _("Set their duress passphrase"),
    "user.passphrase": _("Changed their passphrase"),
    "user.recover": _("Recovered their account with a recovery kit"),
    "user.role": _("Changed a role"),
    "vault.index_rebuild": _("Rebuilt the search hashes of a compartment"),
    "vault.read_unaudited": _("A record was read without its audit entry"),
    "vault.recover": _("Recovered the organisation's keys with the shares"),
    "vault.recover_members": _("Gave members their access back after a recovery"),
}

# What an action is about: the part of a code before the dot.
OBJECT_NAMES = {
    "alert": _("alert"),
    "application": _("visa or protection application"),
    "case": _("case"),
    "case_attachment": _("file of a case"),
    "case_request": _("request carried into a case"),
    "case_transition": _("move of a case"),
    "checkin": _("check-in"),
    "checkin_schedule": _("check-in schedule"),
    "compartment": _("compartment"),
    "country": _("destination country"),
    "doc_act": _("documented act"),
    "doc_answer": _("answer to a referral"),
    "doc_chain": _("chain of events"),
    "doc_consent": _("consent"),
    "doc_event": _("documented event"),
    "doc_involvement": _("involvement in an event"),
    "doc_person": _("documented person"),
    "doc_referral": _("referral"),
    "doc_source": _("source"),
    "doc_term": _("vocabulary term"),
    "doc_testimony": _("testimony"),
    "doc_withdrawal": _("withdrawal of consent"),
    "document": _("identity or travel document"),
    "donor_report": _("donor report"),
    "evidence_item": _("evidence item"),
    "evidence_package": _("evidence package"),
    "expense": _("expense"),
    "placement": _("shelter placement"),
    "placement_request": _("shelter placement request"),
    "shelter": _("shelter"),
    "task": _("task"),
    "travel_leg": _("journey leg"),
}

# What was done: the part after the dot, with the object named.
VERB_NAMES = {
    "read": _("Read: %(object)s"),
    "list": _("Listed: %(object)s"),
    "create": _("Created: %(object)s"),
    "update": _("Changed: %(object)s"),
    "edit": _("Changed: %(object)s"),
    "record": _("Recorded: %(object)s"),
    "received": _("Received: %(object)s"),
    "viewed": _("Viewed: %(object)s"),
    "view": _("Viewed: %(object)s"),
    "download": _("Downloaded: %(object)s"),
    "carry": _("Carried into the case: %(object)s"),
    "downloaded": _("Downloaded: %(object)s"),
    "exported": _("Exported in a package: %(object)s"),
    "transferred": _("Transferred: %(object)s"),
    "copied": _("Working copy made: %(object)s"),
    "approved": _("Approved: %(object)s"),
    "refused": _("Refused: %(object)s"),
    "link": _("Linked: %(object)s"),
    "unlink": _("Unlinked: %(object)s"),
}


def action_name_or_none(action: str) -> str | None:
    """The name of an action code, or None if it has none."""
    name = ACTION_NAMES.get(action)
    if name is not None:
        return str(name)
    subject, _dot, verb = action.partition(".")
    if subject in OBJECT_NAMES and verb in VERB_NAMES:
        return str(VERB_NAMES[verb]) % {"object": OBJECT_NAMES[subject]}
    return None


def action_name(action: str) -> str:
    """The name of an action code in the current language, or the code itself."""
    return action_name_or_none(action) or action
