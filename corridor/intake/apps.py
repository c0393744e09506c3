from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "corridor.intake"
    label = "intake"

    def ready(self) -> None:
        from corridor.intake.logfilter import intake_log_filter_install

        intake_log_filter_install()
