from django.apps import AppConfig


class LifecycleConfig(AppConfig):
    name = "corridor.lifecycle"
    label = "lifecycle"
