from django.apps import AppConfig


class EmergencyConfig(AppConfig):
    name = "corridor.emergency"
    label = "emergency"
