from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "corridor.cases"
    label = "cases"

    def ready(self) -> None:
        from corridor.cases.crosscheck import case_indexes_rebuild, cross_sources_fill_on_open
        from corridor.vault.signals import compartment_index_rebuilt, cross_index_opened

        compartment_index_rebuilt.connect(case_indexes_rebuild, dispatch_uid="cases-index-rebuild")
        cross_index_opened.connect(cross_sources_fill_on_open, dispatch_uid="cases-cross-fill")
