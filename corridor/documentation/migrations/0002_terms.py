"""The built-in vocabularies with their HURIDOCS codes (corridor.documentation.vocabulary)."""

from django.db import migrations


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    from corridor.documentation.vocabulary import terms_load

    terms_load(apps.get_model("documentation", "Term"))


class Migration(migrations.Migration):
    dependencies = [("documentation", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
