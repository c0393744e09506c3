from django.urls import path

from corridor.audit import views

urlpatterns = [
    path("", views.audit_log, name="log"),
    path("checkpoint/", views.audit_checkpoint, name="checkpoint"),
    path("checkpoints.json", views.audit_export, name="export"),
]
