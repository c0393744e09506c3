from django.urls import path

from corridor.relocation import views

urlpatterns = [
    path("", views.board, name="board"),
    path("countries/", views.country_list, name="countries"),
    path("countries/new/", views.country_new, name="country_new"),
    path("countries/<int:country_id>/", views.country_edit, name="country_edit"),
    path("cases/<uuid:case_id>/documents/new/", views.document_new, name="document_new"),
    path(
        "cases/<uuid:case_id>/documents/<uuid:document_id>/",
        views.document_edit,
        name="document_edit",
    ),
    path("cases/<uuid:case_id>/applications/new/", views.application_new, name="application_new"),
    path(
        "cases/<uuid:case_id>/applications/<uuid:application_id>/",
        views.application_edit,
        name="application_edit",
    ),
    path("cases/<uuid:case_id>/travel/new/", views.travel_new, name="travel_new"),
    path("cases/<uuid:case_id>/travel/<uuid:leg_id>/", views.travel_edit, name="travel_edit"),
]
