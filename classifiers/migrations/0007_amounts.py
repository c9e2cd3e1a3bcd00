# Reserved for issue 25 (amounts: the task on a model); its helper fills in the operations (see /work/notes).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("classifiers", "0006_dataset_row_label_and_sheet"),
    ]

    operations = []
