from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("", include(("corridor.core.urls", "core"))),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include(("corridor.accounts.urls", "accounts"))),
    path("audit/", include(("corridor.audit.urls", "audit"))),
    path("cases/", include(("corridor.cases.urls", "cases"))),
]
