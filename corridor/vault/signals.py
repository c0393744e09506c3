"""Signals the vault sends, so other apps can react to key changes without the vault
importing them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside membership_revoke's transaction, after the compartment has its new key version.
# Keyword arguments: compartment, keyring (the re-keying member's, which opens the new
# version), actor_id. A receiver that raises rolls the revocation back.
compartment_rekeyed = Signal()

# Sent inside compartment_index_rebuild's transaction (a re-key, or `manage.py index_rebuild`)
# with the keyring active. Keyword arguments: compartment, keyring (opens the compartment's
# current key version, and `previous_version` if that is not None: the version whose index
# key the old hashes were made with), actor_id. Receivers rebuild the term tables of their app for
# that compartment; one that raises rolls the whole re-key back.
compartment_index_rebuilt = Signal()

# Sent when the cross index is first opened (corridor.vault.crossindex.cross_index_open).
# Keyword arguments: index, keyring (the opening desk member's).
cross_index_opened = Signal()

# Sent at the end of a request that decrypted records it wrote no audit entry for, outside
# strict mode (corridor.vault.reads.reads_check). Keyword arguments: actor_id, objects (a
# list of (object_type, object_id) to audit). The audit app records them.
reads_unaudited = Signal()

# Sent by the vault middleware when a verified session has lost its key half (a replayed or
# seized session row, a lost cookie, a lockdown). Keyword argument: request. The accounts app
# ends the staff session; the vault itself imports no other app (tests/test_vault_standalone).
vault_session_stale = Signal()
