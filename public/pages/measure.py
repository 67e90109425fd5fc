"""One measure's page: its whole sheet, each indicator's years and chart, its public narratives."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from core import fiscal_years
from indicators import achievement, charts, figures
from indicators.models import IndicatorYear
from plans.models import Measure, Plan
from reports import publication
from reports.history import measure_last_updated
from reports.models import ProgressNote, ProgressReport

from .parts import (
    MeasureView, current_fiscal_year, group_by_indicator, has_provisional_name, indicator_views, measures_for_pages,
    neighbours, stages_by_id,
)


@dataclass(frozen=True)
class PublicNote:
    """An approved narrative of a published report, with the fiscal year it tells of (令和5年度)."""

    note: ProgressNote
    report: ProgressReport
    fiscal_year_label: str


def public_note(note: ProgressNote) -> PublicNote:
    return PublicNote(note, note.report, fiscal_years.era_name(note.report.fiscal_year))


@dataclass
class MeasureDetail:
    plan: Plan
    measure: Measure
    view: MeasureView
    fiscal_year: int
    fiscal_year_label: str
    notes: list[PublicNote]
    previous_number: int | None
    next_number: int | None
    today: datetime.date
    last_updated: datetime.datetime | None = None

    @property
    def last_updated_label(self) -> str:
        return fiscal_years.era_date(timezone.localdate(self.last_updated)) if self.last_updated else ""

    @property
    def today_label(self) -> str:
        return fiscal_years.era_date(self.today)

    @property
    def has_provisional(self) -> bool:
        return has_provisional_name([self.view])


def measure_detail(plan: Plan, number: int, *, today: datetime.date) -> MeasureDetail | None:
    """Everything a measure's sheet holds, the years graded as of today, its public narratives."""
    found = measures_for_pages(plan.measures.select_related("pillar").filter(number=number))
    measure = found[0] if found else None
    if measure is None:
        return None
    fiscal_year = current_fiscal_year(plan, today)
    years = figures.read_years(
        IndicatorYear.objects.filter(indicator__measure=measure).order_by("indicator__slot", "fiscal_year"),
        {indicator.pk: indicator for indicator in measure.indicator_list},
        stages_by_id(measure.indicator_list),
    )
    grading = achievement.grade_plan(plan, today=today, years=years)
    views = indicator_views(measure.indicator_list, group_by_indicator(grading.years), grading.assessments, fiscal_year)
    for view in views:
        view.chart = charts.indicator_chart(view.indicator, view.years, chart_id=f"chart-{view.indicator.slot}",
                                            stages=view.indicator.stage_list)
    notes = [
        public_note(note)
        for note in publication.public_notes().filter(measure=measure).select_related("report")
        .defer("report__published_content").order_by("-report__as_of")
    ]
    previous_number, next_number = neighbours(plan.measures.all(), number)
    return MeasureDetail(
        plan=plan,
        measure=measure,
        view=MeasureView(measure, measure.department_list, views),
        fiscal_year=fiscal_year,
        fiscal_year_label=fiscal_years.era_name(fiscal_year),
        notes=notes,
        previous_number=previous_number,
        next_number=next_number,
        today=today,
        last_updated=measure_last_updated(measure),
    )
