from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo organisation (`manage.py demo_setup`, `demo_totp`): the top of the dependency
    graph, since it writes through every app's actions; nothing imports it."""

    name = "corridor.demo"
    label = "demo"
