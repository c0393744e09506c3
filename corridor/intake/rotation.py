"""A new intake key pair whenever someone leaves the intake desk's compartment.

A departing desk member may have kept the intake private key (they could open it while they
were a member). Revocation re-keys the compartment, which protects the records' data keys, but
the intake key pair itself would still open every request sealed to it afterwards. So the
revocation also rotates the pair, in the same transaction: new requests are sealed to a key the
departed member never saw (T3, T4). Older requests stay under older keys, which they could
already read.
"""

from __future__ import annotations

from typing import Any

from corridor.intake.actions import intake_key_create
from corridor.intake.models import intake_desk
from corridor.vault.keyring import Keyring, keyring_activated
from corridor.vault.models import Compartment, Membership


def intake_key_rotate_on_rekey(
    sender: Any, *, compartment: Compartment, keyring: Keyring, **kwargs: Any
) -> None:
    desk = intake_desk()
    if desk is None or desk.compartment_id != compartment.pk:
        return
    member_id = keyring.user_id
    if (
        member_id is None
        or not Membership.objects.filter(user_id=member_id, compartment=compartment).exists()
    ):
        # Re-keyed from the recovery key: nobody here can wrap a new private key. The desk
        # keeps the current pair until a member rotates it (decision 0009).
        return
    with keyring_activated(keyring):
        intake_key_create(actor_id=member_id)
