from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "corridor.intake"
    label = "intake"

    def ready(self) -> None:
        from corridor.intake.rotation import intake_key_rotate_on_rekey
        from corridor.vault.signals import compartment_rekeyed

        compartment_rekeyed.connect(intake_key_rotate_on_rekey, dispatch_uid="intake-key-rotate")
