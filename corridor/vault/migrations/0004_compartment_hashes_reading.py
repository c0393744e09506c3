"""Every compartment records the reading its keyed hashes were built with (decision 0045).

Compartments that exist when this runs were built by code that recorded no reading, so they
start at 0 and their members are asked to rebuild them; compartments created afterwards
take the current reading.
"""

from django.db import migrations, models

import corridor.vault.models


class Migration(migrations.Migration):

    dependencies = [
        ('vault', '0003_duress_verifier'),
    ]

    operations = [
        migrations.AddField(
            model_name='compartment',
            name='hashes_reading',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AlterField(
            model_name='compartment',
            name='hashes_reading',
            field=models.PositiveIntegerField(default=corridor.vault.models.reading_current),
        ),
    ]
