from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "corridor.notices"
    label = "notices"
