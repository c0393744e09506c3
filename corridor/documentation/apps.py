from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _builtin_terms_load(sender: Any, **kwargs: Any) -> None:
    """After every migrate (and every flush, which empties the table), the built-in terms
    are there: migration 0002 loads them once, this adds those a later version brings."""
    from corridor.documentation.models import Term
    from corridor.documentation.vocabulary import terms_load

    terms_load(Term)


class DocumentationConfig(AppConfig):
    name = "corridor.documentation"
    label = "documentation"

    def ready(self) -> None:
        post_migrate.connect(_builtin_terms_load, sender=self, dispatch_uid="documentation-terms")
