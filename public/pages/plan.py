"""A plan at a glance: the home page, a plan's page and a pillar's page."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from core import fiscal_years
from indicators import achievement, figures
from indicators.achievement import Summary
from plans.models import Pillar, Plan
from reports import publication
from reports.models import ProgressReport

from .parts import (
    MeasureView, current_fiscal_year, departments_of, group_by_indicator, has_provisional_name, indicator_views,
    measures_for_pages, plan_phase, stages_by_id,
)


@dataclass
class PillarView:
    pillar: Pillar
    measures: list[MeasureView]
    summary: Summary


@dataclass
class PlanOverview:
    plan: Plan
    today: datetime.date
    fiscal_year: int
    fiscal_year_label: str
    labels: tuple[str, ...]
    summary: Summary
    pillars: list[PillarView]
    latest_report: ProgressReport | None
    report_count: int
    has_provisional: bool
    phase: str

    @property
    def measure_count(self) -> int:
        return sum(len(p.measures) for p in self.pillars)

    @property
    def today_label(self) -> str:
        return fiscal_years.era_date(self.today)


def plan_overview(plan: Plan, *, today: datetime.date, pillar: Pillar | None = None) -> PlanOverview:
    """The plan's pillars, measures and, per indicator, the latest year's target, result and grade.

    With `pillar`, that pillar alone (the pillar page). Ten queries at most.
    """
    fiscal_year = current_fiscal_year(plan, today)
    measures = measures_for_pages(plan.measures.all())
    pillars = plan.pillars.order_by("number")
    years = achievement.plan_years(plan)
    if pillar is not None:
        measures, pillars = measures.filter(pillar=pillar), pillars.filter(pk=pillar.pk)
        years = years.filter(indicator__measure__pillar=pillar)
    measures = list(measures)
    indicators = {indicator.pk: indicator for measure in measures for indicator in measure.indicator_list}
    years = figures.read_years(years, indicators, stages_by_id(indicators.values()))
    grading = achievement.grade_plan(plan, today=today, years=years)
    roll = grading.rollup(fiscal_year)
    by_indicator = group_by_indicator(grading.years)

    by_pillar: dict[int, list[MeasureView]] = defaultdict(list)
    for measure in measures:
        by_pillar[measure.pillar_id].append(
            MeasureView(
                measure,
                departments_of(measure.assignment_list),
                indicator_views(measure.indicator_list, by_indicator, grading.assessments, fiscal_year, whole=False),
                roll.measures[measure.pk],
            )
        )
    pillar_views = [PillarView(p, by_pillar[p.pk], roll.pillars[p.pk]) for p in pillars]
    reports = list(publication.published_reports(plan).only("pk", "plan_id", "as_of", "published_at"))
    return PlanOverview(
        plan=plan,
        today=today,
        fiscal_year=fiscal_year,
        fiscal_year_label=fiscal_years.era_name(fiscal_year),
        labels=roll.plan.labels,
        summary=roll.plan,
        pillars=pillar_views,
        latest_report=reports[0] if reports else None,
        report_count=len(reports),
        has_provisional=has_provisional_name(m for p in pillar_views for m in p.measures),
        phase=plan_phase(plan, today),
    )


@dataclass
class PillarDetail:
    pillar: Pillar
    overview: PlanOverview
    view: PillarView
    previous: Pillar | None
    next: Pillar | None


def pillar_detail(plan: Plan, number: int, *, today: datetime.date) -> PillarDetail | None:
    """One pillar with its measures' latest figures, and the pillars either side of it."""
    pillars = list(plan.pillars.order_by("number"))
    pillar = next((p for p in pillars if p.number == number), None)
    if pillar is None:
        return None
    overview = plan_overview(plan, today=today, pillar=pillar)
    position = pillars.index(pillar)
    return PillarDetail(
        pillar=pillar,
        overview=overview,
        view=overview.pillars[0],
        previous=pillars[position - 1] if position else None,
        next=pillars[position + 1] if position + 1 < len(pillars) else None,
    )
