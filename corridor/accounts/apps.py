from typing import Any

from django.apps import AppConfig


def _end_stale_session(sender: Any, request: Any, **kwargs: Any) -> None:
    from corridor.accounts.actions import session_end

    session_end(request)


class AccountsConfig(AppConfig):
    name = "corridor.accounts"
    label = "accounts"

    def ready(self) -> None:
        from corridor.vault.signals import vault_session_stale

        vault_session_stale.connect(_end_stale_session, dispatch_uid="accounts.session_end")
