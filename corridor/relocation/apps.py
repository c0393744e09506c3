from django.apps import AppConfig


class RelocationConfig(AppConfig):
    name = "corridor.relocation"
    label = "relocation"
