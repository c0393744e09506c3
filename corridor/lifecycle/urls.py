from django.urls import path

from corridor.lifecycle import views

urlpatterns = [
    path("", views.retention_preview, name="preview"),
    path("policy/<int:compartment_id>/", views.retention_policy, name="policy"),
    path("hold/", views.hold_place, name="hold"),
    path("hold/<int:hold_id>/release/", views.hold_release, name="release"),
]
