from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "corridor.triage"
    label = "triage"
