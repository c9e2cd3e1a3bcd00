# Reserved for issue 27 (the whole model: report job); its helper fills in the operations (see /work/notes).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("explanations", "0013_counterfactuals"),
    ]

    operations = []
