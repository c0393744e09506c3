from django.apps import AppConfig


class SheltersConfig(AppConfig):
    name = "corridor.shelters"
    label = "shelters"
