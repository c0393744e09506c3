from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "corridor.triage"
    label = "triage"

    def ready(self) -> None:
        from corridor.triage.reindex import desk_indexes_rebuild
        from corridor.vault.signals import compartment_index_rebuilt

        compartment_index_rebuilt.connect(desk_indexes_rebuild, dispatch_uid="triage-reindex")
