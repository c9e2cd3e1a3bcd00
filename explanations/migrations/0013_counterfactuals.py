# Reserved for issue 26 (counterfactuals); its helper fills in the operations (see /work/notes).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("explanations", "0012_amounts"),
    ]

    operations = []
