from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "corridor.audit"
    label = "audit"

    def ready(self) -> None:
        from corridor.audit.reads import reads_unaudited_record
        from corridor.vault.signals import reads_unaudited

        reads_unaudited.connect(reads_unaudited_record, dispatch_uid="audit-reads-unaudited")
