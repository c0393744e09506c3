from django.urls import path

from corridor.tasks import views

urlpatterns = [
    path("", views.mine, name="mine"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:alert_id>/resolve/", views.alert_resolve, name="alert_resolve"),
    path("alerts/<int:alert_id>/take/", views.alert_take, name="alert_take"),
    path("duty/<int:compartment_id>/", views.duty, name="duty"),
    path("case/<uuid:case_id>/add/", views.task_add, name="task_add"),
    path("<uuid:task_id>/done/", views.task_done, name="task_done"),
    path("case/<uuid:case_id>/checkins/", views.schedule_add, name="schedule_add"),
    path("checkins/<uuid:schedule_id>/record/", views.checkin, name="checkin"),
    path("checkins/<uuid:schedule_id>/stop/", views.schedule_stop, name="schedule_stop"),
]
