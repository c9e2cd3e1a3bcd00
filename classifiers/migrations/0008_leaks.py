# Issue 28 (leak warnings): the features that alone predict the target almost perfectly.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("classifiers", "0007_amounts"),
    ]

    operations = [
        migrations.AddField(
            model_name="trainedmodel",
            name="left_out",
            field=models.JSONField(blank=True, default=list, help_text="Columns the person chose to leave out."),
        ),
        migrations.AddField(
            model_name="trainedmodel",
            name="leaks",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="Features that alone predict the target almost perfectly (limelight.leaks).",
            ),
        ),
    ]
