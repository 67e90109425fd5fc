"""Load a plan fixture once: rerunning set-up must neither duplicate nor overwrite data."""

import json
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

DEFAULT_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "seed_plan.json"


class Command(BaseCommand):
    help = "Loads the seed plan fixture unless its plan is already in the database."

    def add_arguments(self, parser):
        parser.add_argument("fixture", nargs="?", default=str(DEFAULT_FIXTURE))

    def handle(self, *args, fixture, **options):
        objects = json.loads(Path(fixture).read_text(encoding="utf-8"))
        plan_slugs = [o["fields"]["slug"] for o in objects if o["model"] == "plans.plan"]
        Plan = apps.get_model("plans", "Plan")
        if Plan.objects.filter(slug__in=plan_slugs).exists():
            self.stdout.write(f"Seed plan {', '.join(plan_slugs)} is already loaded; nothing changed.")
            return
        # The fixture has fixed primary keys: refuse rather than overwrite rows someone else made.
        taken = [
            f"{o['model']} #{o['pk']}"
            for o in objects
            if apps.get_model(o["model"]).objects.filter(pk=o["pk"]).exists()
        ]
        if taken:
            raise CommandError(
                "The seed plan cannot be loaded without overwriting existing rows: " + ", ".join(taken[:10])
            )
        with transaction.atomic():
            call_command("loaddata", fixture, verbosity=0)
            # loaddata saves raw, which history skips: record the loaded state as
            # each object's first version, so its first edit has a "before".
            call_command("populate_history", auto=True, verbosity=0)
        self.stdout.write(f"Loaded seed plan {', '.join(plan_slugs)} ({len(objects)} objects).")
