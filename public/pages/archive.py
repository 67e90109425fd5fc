"""The archive of plans: every public plan, past and present, with its published reports."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch

from plans.models import Plan
from reports import publication
from reports.models import ProgressReport

from .parts import current_plan, plan_phase


@dataclass
class PlanEntry:
    plan: Plan
    phase: str
    reports: list[ProgressReport]
    is_current: bool


def plan_archive(*, today: datetime.date) -> list[PlanEntry]:
    """Every plan, newest first, with its published reports; two queries."""
    current = current_plan(today)
    all_plans = publication.public_plans().order_by("-first_fiscal_year").prefetch_related(
        Prefetch("reports", queryset=publication.published_reports(), to_attr="public_reports")
    )
    return [
        PlanEntry(plan, plan_phase(plan, today), plan.public_reports, current is not None and plan.pk == current.pk)
        for plan in all_plans
    ]
