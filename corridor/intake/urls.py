"""The public side of intake: the request form and the status page, in Russian and English.

The language is in the path (no cookie, no JavaScript); Russian is the default.
"""

from django.urls import path

from corridor.intake import views

urlpatterns = [
    path("", views.request_form, {"language": "ru"}, name="form"),
    path("en/", views.request_form, {"language": "en"}, name="form_en"),
    path("status/", views.status, {"language": "ru"}, name="status"),
    path("en/status/", views.status, {"language": "en"}, name="status_en"),
]
