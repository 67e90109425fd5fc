"""Every milestone indicator gets its 未着手 stage when it is saved (admin, plan workbook, any save)."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import Indicator, ensure_not_started_stage


@receiver(post_save, sender=Indicator, dispatch_uid="indicators.not_started_stage")
def add_not_started_stage(sender, instance: Indicator, raw: bool = False, **kwargs) -> None:
    """Fixtures (raw) are skipped: their stages have fixed ids; load_seed_plan adds the stage after loading."""
    if not raw:
        ensure_not_started_stage(instance)
