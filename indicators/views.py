from django.shortcuts import get_object_or_404, render

from plans import publication

from . import achievement


def achievement_rules(request, plan_slug):
    """How grades are computed, in words, so that anyone can recompute one."""
    plan = get_object_or_404(publication.public_plans(), slug=plan_slug)
    bands = achievement.plan_bands(plan)
    return render(
        request,
        "indicators/achievement.html",
        {"plan": plan, "bands": bands, "band_ranges": achievement.band_ranges(bands)},
    )
