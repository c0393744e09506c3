"""Every stored field has a data class, and every sensitive one is encrypted."""

from __future__ import annotations

from django.apps import apps

from corridor.vault.classification import CLASSES, SENSITIVE, field_classes
from corridor.vault.fields import EncryptedField


def test_it_classifies_every_field_of_every_model() -> None:
    missing = [
        f"{model._meta.label}.{name}"
        for model in apps.get_models()
        for name, cls in field_classes(model).items()
        if cls not in CLASSES
    ]
    assert missing == [], f"fields without a data classification: {missing}"


def test_it_stores_no_sensitive_field_in_clear() -> None:
    clear = []
    for model in apps.get_models():
        declared = {
            **getattr(model, "VAULT_CLASSIFICATION", {}),
            **getattr(model, "DATA_CLASSIFICATION", {}),
        }
        for field in model._meta.concrete_fields:
            if declared.get(field.name) == SENSITIVE and not isinstance(field, EncryptedField):
                clear.append(f"{model._meta.label}.{field.name}")
    assert clear == [], f"sensitive fields stored in clear: {clear}"


def test_it_knows_the_encrypted_fields_of_a_case() -> None:
    classes = field_classes(apps.get_model("cases", "Case"))
    assert classes["full_name"] == SENSITIVE and classes["notes"] == SENSITIVE
    assert classes["name_index"] == "keyed_hash"
