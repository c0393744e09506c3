from typing import Any

from django.apps import AppConfig


def _duress_respond(sender: Any, user: Any, session_key: str, **kwargs: Any) -> None:
    from corridor.emergency.actions import duress_respond

    duress_respond(user=user, session_key=session_key)


class EmergencyConfig(AppConfig):
    name = "corridor.emergency"
    label = "emergency"

    def ready(self) -> None:
        from corridor.accounts.signals import duress_login

        duress_login.connect(_duress_respond, dispatch_uid="emergency.duress_respond")
