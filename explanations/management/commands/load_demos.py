"""`manage.py load_demos`: build the demo gallery (idempotent)."""

from django.core.management.base import BaseCommand

from explanations.gallery import gallery_load


class Command(BaseCommand):
    help = "Create the demo datasets, models and explanations shown in the public demo gallery."

    def handle(self, *args, **options) -> None:
        created = gallery_load()
        self.stdout.write(f"Demo gallery ready ({created} new share links).")
