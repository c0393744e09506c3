"""Corridor's URLs plus two views that fail, for the error page tests."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from corridor.accounts.decorators import public
from corridor.urls import handler400, handler500, urlpatterns  # noqa: F401 - the handlers


@public
def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a failure in the middle of a request")


urlpatterns = [
    path("help/boom/", boom),
    path("help/en/boom/", boom),
    path("staff-boom/", boom),
    *urlpatterns,
]
