"""Signals the vault sends, so other apps can react to key changes without the vault
importing them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside membership_revoke's transaction, after the compartment has its new key version.
# Keyword arguments: compartment, keyring (the re-keying member's, which opens the new
# version), actor_id. A receiver that raises rolls the revocation back.
compartment_rekeyed = Signal()
