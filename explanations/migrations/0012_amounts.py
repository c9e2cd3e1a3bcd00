# Reserved for issue 25 (amounts: the Anchors band); its helper fills in the operations (see /work/notes).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("explanations", "0011_share_link_disclosure"),
    ]

    operations = [
        migrations.AddField(
            model_name="explanation",
            name="band_width",
            field=models.FloatField(
                blank=True,
                help_text="Anchors for an amount: the ± half-width of the band the prediction must stay in; "
                "empty: the model's default (a tenth of the spread of the amounts).",
                null=True,
            ),
        ),
    ]
