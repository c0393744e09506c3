from django.urls import include, path
from django.views.i18n import set_language

from corridor.accounts.decorators import public

urlpatterns = [
    path("", include(("corridor.core.urls", "core"))),
    # Public: the switch is on the login page too, before anyone is logged in.
    path("i18n/setlang/", public(set_language), name="set_language"),
    path("accounts/", include(("corridor.accounts.urls", "accounts"))),
    path("audit/", include(("corridor.audit.urls", "audit"))),
    path("retention/", include(("corridor.lifecycle.urls", "lifecycle"))),
    path("cases/", include(("corridor.cases.urls", "cases"))),
    path("tasks/", include(("corridor.tasks.urls", "tasks"))),
    path("shelters/", include(("corridor.shelters.urls", "shelters"))),
    path("relocation/", include(("corridor.relocation.urls", "relocation"))),
    # The public request form and status page: no login, no JavaScript, no third party.
    path("help/", include(("corridor.intake.urls", "intake"))),
    path("triage/", include(("corridor.triage.urls", "triage"))),
    path("documentation/", include(("corridor.documentation.urls", "documentation"))),
    path("evidence/", include(("corridor.evidence.urls", "evidence"))),
    path("notices/", include(("corridor.notices.urls", "notices"))),
    path("emergency/", include(("corridor.emergency.urls", "emergency"))),
    path("reports/", include(("corridor.reports.urls", "reports"))),
    # Published statistics: public like /help/ (no login, no cookie); the desk under manage/
    path("figures/", include(("corridor.figures.urls", "figures"))),
]

# Failures in the site's style and both languages, saying whether anything was saved.
handler400 = "corridor.core.errors.bad_request"
handler500 = "corridor.core.errors.server_error"
