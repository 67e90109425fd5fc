"""Build and keep the PDF of every published report that has none kept yet (exchange.kept_files).

A report's PDF is otherwise built on its first request; a large plan's takes about a minute, longer
than a worker may take over a request (GUNICORN_TIMEOUT). Run this after publishing to have it ready.
A PDF already kept, or being built by a request, is not built again.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from exchange import kept_files, report_pdf
from exchange.models import KeptFile
from reports import publication


class Command(BaseCommand):
    help = "Builds and keeps the PDF of every published report that has none kept yet (--plan SLUG for one plan)."

    def add_arguments(self, parser):
        parser.add_argument("--plan", help="only this plan's reports (its URL name)")

    def handle(self, *args, plan=None, **options):
        unavailable = report_pdf.missing_requirements()
        if unavailable is not None:
            raise CommandError(f"Cannot make PDFs on this machine: {unavailable.hint}")
        reports = publication.published_reports().select_related("plan")
        if plan:
            reports = reports.filter(plan__slug=plan)
        built = 0
        for report in reports:
            key = kept_files.report_pdf_key(report)
            if KeptFile.objects.filter(key=key).exists():
                continue
            started = time.perf_counter()
            content = kept_files.report_pdf_file(report)
            built += 1
            self.stdout.write(f"{report.plan.slug} {report.as_of}: {len(content):,} bytes in "
                              f"{time.perf_counter() - started:.1f} s")
        self.stdout.write(f"Built {built} report PDF(s).")
