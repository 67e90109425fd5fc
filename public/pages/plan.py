"""A plan at a glance: the home page, a plan's page and a pillar's page."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from core import fiscal_years
from core.prepared import prepared
from indicators import achievement, figures
from indicators.achievement import Summary
from plans.models import Pillar, Plan
from reports import publication
from reports.models import ProgressReport

from .. import links
from .parts import (
    PILLAR_MEASURES, PLAN_MEASURES, MeasureView, Turned, YearSummary, current_fiscal_year, focus_views,
    glance_views, group_by_indicator, has_provisional_name, headline_year, measures_for_pages, plan_phase,
    stages_by_id, turned, year_summaries,
)


@dataclass
class PillarView:
    pillar: Pillar
    measures: list[MeasureView]
    summary: Summary  # the headline year's counts


@dataclass
class PlanOverview:
    plan: Plan
    today: datetime.date
    fiscal_year: int  # the headline year: the latest with graded results, else the current year
    fiscal_year_label: str
    headline_is_graded: bool  # False when no year has graded results yet (the headline is then the current year)
    current_fiscal_year: int
    labels: tuple[str, ...]
    summary: Summary
    years: list[YearSummary]  # every fiscal year of the plan (of the pillar, on a pillar's page)
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

    @property
    def years_turned(self) -> Turned:
        """The year × grade table for phones: a column per year."""
        focus = next((i for i, year in enumerate(self.years) if year.is_headline), None)
        return turned(self.labels, [(year.label, "") for year in self.years], [year.summary for year in self.years], focus)

    @property
    def pillars_turned(self) -> Turned:
        """The pillar × grade table for phones: a column per pillar, then the whole plan."""
        columns = [(view.pillar.label, links.pillar(self.plan.slug, view.pillar.number)) for view in self.pillars]
        return turned(self.labels, columns + [("計画全体", "")], [view.summary for view in self.pillars] + [self.summary])


@prepared(plan_id=int)
def _plan_pillars(plan_id):
    return Pillar.objects.filter(plan_id=plan_id).order_by("number")


# In no order (.order_by()): the overview counts them and picks them by year, and grading orders each
# indicator's own; sorting a 200-measure plan's 4,000 rows was a third of the query's time.
@prepared(plan_id=int)
def _plan_years(plan_id):
    return achievement.plan_years(plan_id).order_by().values_list(*figures.FIELDS)


@prepared(plan_id=int, pillar_id=int)
def _pillar_years(plan_id, pillar_id):
    return (achievement.plan_years(plan_id).filter(indicator__measure__pillar_id=pillar_id).order_by()
            .values_list(*figures.FIELDS))


def plan_overview(plan: Plan, *, today: datetime.date, pillar: Pillar | None = None, cards: bool = True) -> PlanOverview:
    """The plan's counts per grade for every fiscal year, its pillars and measures and, per indicator,
    its latest grade with the trend and the current year's interim result (with `cards` False, the
    headline year's figures alone: the measure list shows no more).

    The headline year (the pillar summary, the measure list's grades) is the latest year with graded
    results, else the current year. With `pillar`, that pillar alone (the pillar page), its own
    years deciding the headline. Ten queries at most.
    """
    if pillar is None:
        measures = measures_for_pages(PLAN_MEASURES, plan=plan, plan_id=plan.pk)
        pillars, rows = _plan_pillars(plan_id=plan.pk), _plan_years(plan_id=plan.pk)
    else:
        measures = measures_for_pages(PILLAR_MEASURES, plan=plan, pillar_id=pillar.pk)
        pillars, rows = [pillar], _pillar_years(plan_id=plan.pk, pillar_id=pillar.pk)
    indicators = {indicator.pk: indicator for measure in measures for indicator in measure.indicator_list}
    years = figures.read_years(rows, indicators, stages_by_id(indicators.values()))
    grading = achievement.grade_plan(plan, today=today, years=years)
    current_year = current_fiscal_year(plan, today)
    fiscal_year = headline_year(grading, plan, today)
    headline_is_graded = grading.latest_graded_year() is not None
    roll = grading.rollup(fiscal_year)
    by_indicator = group_by_indicator(grading.years)

    by_pillar: dict[int, list[MeasureView]] = defaultdict(list)
    for measure in measures:
        by_pillar[measure.pillar_id].append(
            MeasureView(
                measure,
                measure.department_list,
                glance_views(measure.indicator_list, by_indicator, grading, fiscal_year, current_year) if cards
                else focus_views(measure.indicator_list, by_indicator, grading.assessments, fiscal_year),
                roll.measures[measure.pk],
            )
        )
    pillar_views = [PillarView(p, by_pillar[p.pk], roll.pillars[p.pk]) for p in pillars]
    reports = publication.plan_published_reports(plan_id=plan.pk)
    return PlanOverview(
        plan=plan,
        today=today,
        fiscal_year=fiscal_year,
        fiscal_year_label=fiscal_years.era_name(fiscal_year),
        headline_is_graded=headline_is_graded,
        current_fiscal_year=current_year,
        labels=roll.plan.labels,
        summary=roll.plan,
        years=year_summaries(grading, plan, fiscal_year),
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
    pillars = _plan_pillars(plan_id=plan.pk)
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
