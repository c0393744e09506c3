from django.urls import path

from corridor.emergency import views

urlpatterns = [
    path("lockdown/", views.lockdown, name="lockdown"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:alert_id>/resolve/", views.alert_resolve, name="alert_resolve"),
]
