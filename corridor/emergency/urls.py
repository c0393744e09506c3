from django.urls import path

from corridor.emergency import views

urlpatterns = [
    path("lockdown/", views.lockdown, name="lockdown"),
]
