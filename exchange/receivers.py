"""Exchange follows publication: reports may not import exchange, so exchange listens to its signal."""

from django.dispatch import receiver

from reports.signals import report_published

from . import jobs


@receiver(report_published, dispatch_uid="exchange.queue_report_files")
def queue_report_files(sender, report, **kwargs) -> None:
    """A report just published: its PDF and workbook are built in the background (exchange.jobs)."""
    jobs.enqueue_report_files(report)
