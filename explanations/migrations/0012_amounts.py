# Reserved for issue 25 (amounts: the Anchors band); its helper fills in the operations (see /work/notes).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("explanations", "0011_share_link_disclosure"),
    ]

    operations = []
