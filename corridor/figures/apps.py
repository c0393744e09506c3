from django.apps import AppConfig


class FiguresConfig(AppConfig):
    name = "corridor.figures"
    label = "figures"
