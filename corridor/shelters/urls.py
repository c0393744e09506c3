from django.urls import path

from corridor.shelters import views

urlpatterns = [
    path("", views.shelter_list, name="list"),
    path("new/", views.shelter_new, name="new"),
    path("<uuid:shelter_id>/", views.board, name="board"),
    path("<uuid:shelter_id>/edit/", views.shelter_edit, name="edit"),
    path("<uuid:shelter_id>/occupancy/", views.occupancy, name="occupancy"),
    path("requests/<uuid:request_id>/decide/", views.decide, name="decide"),
    path("requests/<uuid:request_id>/withdraw/", views.withdraw, name="withdraw"),
    path("case/<uuid:case_id>/request/", views.request_place, name="request"),
    path("requests/<uuid:request_id>/place/", views.place, name="place"),
    path("placements/<uuid:placement_id>/end/", views.end, name="end"),
]
