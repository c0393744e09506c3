from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "corridor.vault"
    label = "vault"
