"""Corridor's URLs plus the plaintext twins' pages (bench/cases_bench.py sets ROOT_URLCONF)."""

from django.urls import include, path

from . import views

urlpatterns = [
    path("bench/cases/", views.plain_case_list, name="plain_case_list"),
    path("bench/cases/<uuid:case_id>/", views.plain_case_detail, name="plain_case_detail"),
    path("", include("corridor.urls")),
]
