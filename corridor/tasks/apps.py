from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "corridor.tasks"
    label = "tasks"
