"""Reports follow the plan: plans may not import reports, so reports listen to the plan's saves."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from plans.models import Measure

from . import workflow


@receiver(post_save, sender=Measure, dispatch_uid="reports.add_measure_to_open_report")
def add_new_measure_to_open_report(sender, instance: Measure, created: bool, raw: bool = False, **kwargs) -> None:
    """A new measure joins its plan's open report (workflow.add_measure_to_open_report).

    Fixtures (raw) are skipped: they bring their own notes.
    """
    if created and not raw:
        workflow.add_measure_to_open_report(instance)
