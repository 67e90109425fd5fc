"""Read paths for plans: each one a bounded number of queries, whatever the plan's size."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from .models import MeasureDepartment, Measure, Pillar, Plan


def measures_with_departments(plan: Plan) -> QuerySet[Measure]:
    return (
        plan.measures.select_related("pillar")
        .prefetch_related(
            Prefetch("assignments", queryset=MeasureDepartment.objects.select_related("department").order_by("position"))
        )
        .order_by("number")
    )


def pillars_with_measures(plan: Plan) -> QuerySet[Pillar]:
    """The plan's pillars in order, each with its measures and their departments."""
    return plan.pillars.order_by("number").prefetch_related(
        Prefetch("measures", queryset=measures_with_departments(plan))
    )
