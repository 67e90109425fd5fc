"""Delete every kept file (exchange.kept_files): each is built again on its next download.

Never needed for correctness (a kept file's key names everything its bytes depend on); for
reclaiming space, or after changing the workbook or open data code without bumping its format.
"""

from django.core.management.base import BaseCommand

from exchange.models import KeptFile


class Command(BaseCommand):
    help = "Deletes every kept file (published report workbooks and PDFs, open data); each is built again on its next download."

    def handle(self, *args, **options):
        deleted, _ = KeptFile.objects.all().delete()
        self.stdout.write(f"Deleted {deleted} kept file(s).")
