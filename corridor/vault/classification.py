"""Data classification: every stored field is named sensitive, operational, or key material.

Design, "Data classification": sensitive fields identify or locate a person or tell their
story and are always encrypted; operational fields are what workflow and statistics need
and are stored in clear. A test (vault/tests/test_classification.py) walks every model and
fails on a field with no class, and on a sensitive field that is not an encrypted field.

A model declares its operational and key-material fields in `DATA_CLASSIFICATION`; the
vault's encrypted fields are sensitive by construction and its keyed-hash fields are
`KEYED_HASH`. Models of Django and of libraries are classified here, in THIRD_PARTY.
"""

from __future__ import annotations

from django.db import models

SENSITIVE = "sensitive"
OPERATIONAL = "operational"
KEYED_HASH = "keyed_hash"  # truncated keyed BLAKE2b of a normalised sensitive value
KEY_MATERIAL = "key_material"  # ciphertext of a key, or a credential verifier (hash)
SEALED = "sealed"  # sensitive content sealed to a public key (intake), never opened in place
# Sensitive content the server must read with nobody logged in (a staff member's notice
# address), sealed under a key derived from a server secret kept outside the database
# (corridor.vault.serverbox, decision 0039).
SERVER_SEALED = "server_sealed"

CLASSES = {SENSITIVE, OPERATIONAL, KEYED_HASH, KEY_MATERIAL, SEALED, SERVER_SEALED}

THIRD_PARTY: dict[str, dict[str, str]] = {
    "auth.Permission": {
        "id": OPERATIONAL,
        "name": OPERATIONAL,
        "content_type": OPERATIONAL,
        "codename": OPERATIONAL,
    },
    "auth.Group": {"id": OPERATIONAL, "name": OPERATIONAL, "permissions": OPERATIONAL},
    "contenttypes.ContentType": {"id": OPERATIONAL, "app_label": OPERATIONAL, "model": OPERATIONAL},
    # The session row holds only the user id, flags and the user's private key encrypted
    # under a secret that lives in the browser's cookie (corridor.vault.session).
    "sessions.Session": {
        "session_key": KEY_MATERIAL,
        "session_data": KEY_MATERIAL,
        "expire_date": OPERATIONAL,
    },
    # The TOTP seed is a credential, not data about a person; see docs/decisions/0004.
    "otp_totp.TOTPDevice": {
        "id": OPERATIONAL,
        "user": OPERATIONAL,
        "name": OPERATIONAL,
        "confirmed": OPERATIONAL,
        "throttling_failure_timestamp": OPERATIONAL,
        "throttling_failure_count": OPERATIONAL,
        "created_at": OPERATIONAL,
        "last_used_at": OPERATIONAL,
        "key": KEY_MATERIAL,
        "step": OPERATIONAL,
        "t0": OPERATIONAL,
        "digits": OPERATIONAL,
        "tolerance": OPERATIONAL,
        "drift": OPERATIONAL,
        "last_t": OPERATIONAL,
    },
}


def field_classes(model: type[models.Model]) -> dict[str, str | None]:
    """The class of every concrete field of `model` (None where nothing classifies it)."""
    from corridor.vault.fields import BlindIndexField, EncryptedField

    declared: dict[str, str] = dict(getattr(model, "VAULT_CLASSIFICATION", {}))
    declared.update(getattr(model, "DATA_CLASSIFICATION", {}))
    declared.update(THIRD_PARTY.get(model._meta.label, {}))
    result: dict[str, str | None] = {}
    for field in model._meta.get_fields():
        if not getattr(field, "concrete", False) and not getattr(field, "many_to_many", False):
            continue
        if field.auto_created and not getattr(field, "concrete", False):
            continue
        if isinstance(field, EncryptedField):
            result[field.name] = SENSITIVE
        elif isinstance(field, BlindIndexField):
            result[field.name] = KEYED_HASH
        else:
            result[field.name] = declared.get(field.name)
    return result
