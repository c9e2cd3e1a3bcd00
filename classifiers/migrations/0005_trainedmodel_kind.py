"""Text becomes a kind of its own, carried by the model (one vocabulary: tabular, text, image).

The model, not the dataset, carries it: one table can feed a table model and a
text model (a text column chosen at training), so a dataset keeps the shape of
its file and each model the kind it reads.
"""

from django.db import migrations, models

KIND_CHOICES = [("tabular", "Tables"), ("text", "Text"), ("image", "Images")]


def fill_kind(apps, schema_editor):
    TrainedModel = apps.get_model("classifiers", "TrainedModel")
    TrainedModel.objects.exclude(text_column="").update(kind="text")
    TrainedModel.objects.filter(dataset__kind="image").update(kind="image")


def empty_kind(apps, schema_editor):
    pass  # the field is dropped on the way back


class Migration(migrations.Migration):
    dependencies = [
        ("classifiers", "0004_images"),
    ]

    operations = [
        migrations.AlterField(
            model_name="dataset",
            name="kind",
            field=models.CharField(
                choices=KIND_CHOICES,
                default="tabular",
                help_text="The file's shape: a table or images.",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="trainedmodel",
            name="kind",
            field=models.CharField(
                choices=KIND_CHOICES,
                default="tabular",
                help_text="What the model reads: set at training from the dataset's kind, or text for a text column.",
                max_length=16,
            ),
        ),
        migrations.RunPython(fill_kind, empty_kind),
    ]
