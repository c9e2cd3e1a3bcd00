# Reserved for issue 28 (leak warnings); its helper fills in the operations (see /work/notes).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("classifiers", "0007_amounts"),
    ]

    operations = []
