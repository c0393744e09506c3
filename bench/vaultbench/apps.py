from django.apps import AppConfig


class VaultBenchConfig(AppConfig):
    name = "vaultbench"
    label = "vaultbench"
    default_auto_field = "django.db.models.BigAutoField"
