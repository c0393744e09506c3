from django.apps import AppConfig


class SheltersConfig(AppConfig):
    name = "corridor.shelters"
    label = "shelters"

    def ready(self) -> None:
        from corridor.cases.signals import case_move_checking, case_moved
        from corridor.shelters.stays import bed_required, stays_end_on_leaving

        case_move_checking.connect(bed_required, dispatch_uid="shelters.bed_required")
        case_moved.connect(stays_end_on_leaving, dispatch_uid="shelters.stays_end_on_leaving")
