"""The app's URLs plus one tiny view that opens a case, for the read-check tests only."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import path

from corridor.audit.log import audit_record
from corridor.cases.models import Case
from corridor.urls import urlpatterns as app_urlpatterns


def case_peek(request: HttpRequest, case_id: uuid.UUID, audited: str) -> HttpResponse:
    """Opens a case's name and answers its length; writes the read's entry if `audited`."""
    case = Case.objects.get(pk=case_id)
    length = len(case.full_name or "")
    if audited == "yes":
        with transaction.atomic():
            audit_record(
                actor_id=request.user.pk,
                action="case.read",
                object_type="case",
                object_id=str(case.pk),
            )
    return HttpResponse(str(length))


urlpatterns = [
    *app_urlpatterns,
    path("test-reads/<uuid:case_id>/<str:audited>/", case_peek),
]
