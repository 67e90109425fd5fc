"""One measure's page: its whole sheet, each indicator's years and chart, its public narratives."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Max, Min, Q
from django.utils import timezone

from core import fiscal_years
from core.prepared import prepared
from indicators import achievement, charts, figures
from indicators.models import IndicatorYear
from plans.models import Measure, Pillar, Plan
from reports import publication
from reports.history import measure_last_updated
from reports.models import ProgressNote, ProgressReport

from .parts import (
    NUMBERED_MEASURE, MeasureView, current_fiscal_year, group_by_indicator, has_provisional_name, indicator_views,
    measures_for_pages, stages_by_id,
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


@prepared(pillar_id=int)
def _pillar(pillar_id):
    return Pillar.objects.filter(pk=pillar_id)


@prepared(measure_id=int)
def _measure_years(measure_id):
    return (IndicatorYear.objects.filter(indicator__measure_id=measure_id)
            .order_by("indicator__slot", "fiscal_year").values_list(*figures.FIELDS))


@prepared(measure_id=int)
def _public_notes(measure_id):
    """The measure's public notes, newest report first (their reports: publication.plan_published_reports)."""
    return publication.public_notes().filter(measure_id=measure_id).order_by("-report__as_of")


@prepared(plan_id=int, number=int)
def _neighbours(plan_id, number):
    """The numbers just before and after `number` among the plan's measures: one row."""
    return (Measure.objects.filter(plan_id=plan_id).values("plan_id")
            .annotate(previous=Max("number", filter=Q(number__lt=number)), next=Min("number", filter=Q(number__gt=number)))
            .values_list("previous", "next"))


def measure_detail(plan: Plan, number: int, *, today: datetime.date) -> MeasureDetail | None:
    """Everything a measure's sheet holds, the years graded as of today, its public narratives."""
    found = measures_for_pages(NUMBERED_MEASURE, plan=plan, plan_id=plan.pk, number=number)
    measure = found[0] if found else None
    if measure is None:
        return None
    Measure.pillar.field.set_cached_value(measure, _pillar(pillar_id=measure.pillar_id)[0])
    fiscal_year = current_fiscal_year(plan, today)
    years = figures.read_years(
        _measure_years(measure_id=measure.pk),
        {indicator.pk: indicator for indicator in measure.indicator_list},
        stages_by_id(measure.indicator_list),
    )
    grading = achievement.grade_plan(plan, today=today, years=years)
    views = indicator_views(measure.indicator_list, group_by_indicator(grading.years), grading.assessments, fiscal_year)
    for view in views:
        view.chart = charts.indicator_chart(view.indicator, view.years, chart_id=f"chart-{view.indicator.slot}",
                                            stages=view.indicator.stage_list)
    notes = _public_notes(measure_id=measure.pk)
    if notes:
        reports = {report.pk: report for report in publication.plan_published_reports(plan_id=plan.pk)}
        notes = [note for note in notes if note.report_id in reports]  # the same reports, read once for all
        for note in notes:
            note.report = reports[note.report_id]
    previous_number, next_number = _neighbours(plan_id=plan.pk, number=number)[0]
    return MeasureDetail(
        plan=plan,
        measure=measure,
        view=MeasureView(measure, measure.department_list, views),
        fiscal_year=fiscal_year,
        fiscal_year_label=fiscal_years.era_name(fiscal_year),
        notes=[public_note(note) for note in notes],
        previous_number=previous_number,
        next_number=next_number,
        today=today,
        last_updated=measure_last_updated(measure),
    )
