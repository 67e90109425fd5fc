"""Parts every public page is built from: the date, the plan, a year's figures ready to print,
an indicator's years, a measure with its departments.

Grades come from indicators.achievement (a Grading), text from indicators.presentation,
and only what reports.publication makes public.
"""

from __future__ import annotations

import datetime
import operator
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from core import fiscal_years
from core.prepared import PreparedQuery, prepared
from indicators import achievement, presentation
from indicators.achievement import Assessment, Summary
from indicators.models import Indicator, MilestoneStage, YearFigures
from plans.models import Department, Measure, MeasureDepartment, Plan
from reports import publication


def today() -> datetime.date:
    return timezone.localdate()


def plans() -> QuerySet[Plan]:
    """Plans with their grade bands, so grading a page costs no extra query."""
    return publication.public_plans().prefetch_related("grade_bands")


@prepared(slug=str)
def _public_plan(slug):
    return publication.public_plans().filter(slug=slug)


@prepared(fiscal_year=int)
def _running_plans(fiscal_year):
    return publication.public_plans().running_first(fiscal_year)[:1]


def public_plan(slug: str) -> Plan | None:
    """The public plan of that URL name, or None; one prepared query (core.prepared)."""
    found = _public_plan(slug=slug)
    return found[0] if found else None


def current_plan(today: datetime.date) -> Plan | None:
    """The public plan whose period holds today, else the latest (PlanQuerySet.current); one prepared query."""
    found = _running_plans(fiscal_year=fiscal_years.of_date(today))
    return found[0] if found else None


def current_fiscal_year(plan: Plan, today: datetime.date) -> int:
    """The year whose figures a plan's pages call "latest": today's, clamped into the plan's period."""
    return min(max(fiscal_years.of_date(today), plan.first_fiscal_year), plan.last_fiscal_year)


def headline_year(grading: achievement.Grading, plan: Plan, today: datetime.date) -> int:
    """The year a plan's pages headline: the latest with final (graded) results, else the current year."""
    latest = grading.latest_graded_year()
    return latest if latest is not None else current_fiscal_year(plan, today)


@dataclass(frozen=True)
class YearSummary:
    """One fiscal year's counts per grade and state, a row of a page's year × grade table."""

    fiscal_year: int
    label: str  # 令和5年度
    summary: Summary
    is_headline: bool


@dataclass(frozen=True)
class Turned:
    """A summary table turned for a phone's width: a row per grade or state (then 計), a column per
    year or pillar, so a plan's four years or five pillars fit without scrolling sideways."""

    columns: list[tuple[str, str]]  # (heading, link or "")
    rows: list[tuple[str, list[int]]]  # (grade or state, a count per column)
    focus: int | None = None  # the column to mark (the headline year)


def turned(labels: Iterable[str], columns: list[tuple[str, str]], summaries: list[Summary],
           focus: int | None = None) -> Turned:
    rows = [(label, [summary.counts[label] for summary in summaries]) for label in labels]
    rows.append(("計", [summary.total for summary in summaries]))
    return Turned(columns, rows, focus)


def year_summaries(grading: achievement.Grading, plan: Plan, headline: int) -> list[YearSummary]:
    """Every fiscal year of the plan with its counts (no query)."""
    by_year = grading.by_year(range(plan.first_fiscal_year, plan.last_fiscal_year + 1))
    return [YearSummary(fy, fiscal_years.era_name(fy), summary, fy == headline) for fy, summary in by_year.items()]


def plan_phase(plan: Plan, today: datetime.date) -> str:
    """実施中, 終了 or 開始前, as the archive labels a plan."""
    fiscal_year = fiscal_years.of_date(today)
    if fiscal_year > plan.last_fiscal_year:
        return "終了"
    if fiscal_year < plan.first_fiscal_year:
        return "開始前"
    return "実施中"


# --- figures ready to print ------------------------------------------------


@dataclass(frozen=True)
class YearRow:
    """One fiscal year of an indicator as a page prints it."""

    figures: YearFigures
    fiscal_year: int
    label: str  # 令和5年度
    target: str  # 95,000時間, 未設定 or 対象外
    target_is_set: bool
    result: str  # "" when there is no result
    running_total: str  # cumulative indicators: the total up to this year, "" otherwise
    assessment: Assessment
    rate: str  # 85.7% when graded by a rate, "" otherwise
    is_focus: bool  # the year a page calls "latest" (or a report's own year)


def year_row(indicator: Indicator, figures: YearFigures, assessment: Assessment, focus_year: int | None) -> YearRow:
    running_total = ""
    if indicator.is_cumulative and assessment.running_total is not None:
        running_total = presentation.result_text(indicator, assessment.running_total)
    return YearRow(
        figures=figures,
        fiscal_year=figures.fiscal_year,
        label=fiscal_years.era_name(figures.fiscal_year),
        target=presentation.target_text(indicator, figures),
        target_is_set=figures.target_status == YearFigures.TargetStatus.SET,
        result=presentation.result_text(indicator, figures.result_value, figures.result_stage),
        running_total=running_total,
        assessment=assessment,
        rate=presentation.rate_text(assessment.rate),
        is_focus=figures.fiscal_year == focus_year,
    )


@dataclass(frozen=True)
class Trend:
    """An indicator's latest grade against its previous graded year (achievement.trend)."""

    direction: str  # 改善, 悪化 or 横ばい
    previous_label: str  # 令和5年度
    previous: Assessment
    previous_rate: str  # 84.3%, or "" for a milestone


@dataclass
class IndicatorView:
    indicator: Indicator
    years: list[YearRow]
    focus: YearRow | None  # the latest year (or the report's year)
    chart: str = ""  # inline SVG, on pages that draw one
    # At a glance (glance_views): the latest graded year, its trend, and the current year when interim.
    latest: YearRow | None = None
    trend: Trend | None = None
    interim: YearRow | None = None


_FISCAL_YEAR = operator.attrgetter("fiscal_year")


def indicator_views(
    indicators: Iterable[Indicator],
    years_by_indicator: dict[int, list[YearFigures]],
    assessments: dict[tuple[int, int], Assessment],
    focus_year: int | None,
) -> list[IndicatorView]:
    """Each indicator's years ready to print, for pages with a year table (cards: glance_views)."""
    views = []
    for indicator in indicators:
        years = sorted(years_by_indicator.get(indicator.pk, ()), key=_FISCAL_YEAR)
        rows = [year_row(indicator, figures, assessments[(indicator.pk, figures.fiscal_year)], focus_year)
                for figures in years]
        focus = next((row for row in rows if row.is_focus), None)
        views.append(IndicatorView(indicator, rows, focus))
    return views


def focus_views(
    indicators: Iterable[Indicator],
    years_by_indicator: dict[int, list[YearFigures]],
    assessments: dict[tuple[int, int], Assessment],
    focus_year: int,
) -> list[IndicatorView]:
    """Each indicator with its focus year alone (in `years` and as `focus`): what a row of the measure list shows."""
    views = []
    for indicator in indicators:
        pk = indicator.pk
        figures = next((y for y in years_by_indicator.get(pk, ()) if y.fiscal_year == focus_year), None)
        if figures is None:
            views.append(IndicatorView(indicator, [], None))
        else:
            row = year_row(indicator, figures, assessments[(pk, focus_year)], focus_year)
            views.append(IndicatorView(indicator, [row], row))
    return views


def glance_views(
    indicators: Iterable[Indicator],
    years_by_indicator: dict[int, list[YearFigures]],
    grading: achievement.Grading,
    focus_year: int,
    current_year: int,
) -> list[IndicatorView]:
    """Each indicator as a measure card shows it: its latest graded year with the trend against the
    graded year before it, and the current year's result when it is interim; `focus` is the
    headline year (what the measure list grades and sorts by). Rows are made for those years only
    (`years` holds them), so a page of 200 measures prints no more than it shows."""
    assessments = grading.assessments
    era_names: dict[int, str] = {}
    views = []
    for indicator in indicators:
        pk = indicator.pk
        by_year = {figures.fiscal_year: figures for figures in years_by_indicator.get(pk, ())}
        latest_year, previous_year = grading.latest_graded(pk)
        current = assessments.get((pk, current_year)) if current_year in by_year else None
        interim_year = current_year if current is not None and current.is_interim else None
        rows: dict[int, YearRow] = {}
        for fiscal_year in (focus_year, latest_year, interim_year):
            if fiscal_year in by_year and fiscal_year not in rows:
                rows[fiscal_year] = year_row(indicator, by_year[fiscal_year], assessments[(pk, fiscal_year)], focus_year)
        latest = rows.get(latest_year)
        trend = None
        if latest is not None and previous_year is not None:
            previous = assessments[(pk, previous_year)]
            if previous_year not in era_names:
                era_names[previous_year] = fiscal_years.era_name(previous_year)
            trend = Trend(achievement.trend(previous, latest.assessment), era_names[previous_year],
                          previous, presentation.rate_text(previous.rate))
        views.append(IndicatorView(
            indicator, sorted(rows.values(), key=_FISCAL_YEAR), rows.get(focus_year),
            latest=latest, trend=trend, interim=rows.get(interim_year),
        ))
    return views


def group_by_indicator(years: Iterable[YearFigures]) -> dict[int, list[YearFigures]]:
    grouped: dict[int, list[YearFigures]] = defaultdict(list)
    for year in years:
        grouped[year.indicator_id].append(year)
    return grouped


# --- measures ---------------------------------------------------------------


@dataclass(frozen=True)
class MeasureReads:
    """The prepared queries (core.prepared) that read a selection of measures for a page: the
    measures, their departments' assignments and departments, their indicators and those
    indicators' stages, each selected by a subquery of the same selection."""

    measures: PreparedQuery
    assignments: PreparedQuery
    departments: PreparedQuery
    indicators: PreparedQuery
    stages: PreparedQuery


def measure_reads(select, **kinds: type) -> MeasureReads:
    """The reads of the measures `select(**values)` chooses (a Measure queryset, in page order)."""
    def wanted(**values):
        return select(**values).values("pk")

    return MeasureReads(
        measures=prepared(**kinds)(select),
        assignments=prepared(**kinds)(lambda **values: MeasureDepartment.objects.filter(measure__in=wanted(**values))
                                      .order_by("measure_id", "position").values_list("measure_id", "department_id")),
        departments=prepared(**kinds)(lambda **values: Department.objects.filter(
            pk__in=MeasureDepartment.objects.filter(measure__in=wanted(**values)).values("department_id"))),
        indicators=prepared(**kinds)(lambda **values: Indicator.objects.filter(measure__in=wanted(**values))
                                     .order_by("measure_id", "slot")),
        stages=prepared(**kinds)(lambda **values: MilestoneStage.objects.filter(indicator__measure__in=wanted(**values))
                                 .order_by("indicator_id", "position")),
    )


PLAN_MEASURES = measure_reads(
    # Cards and rows show no long text.
    lambda plan_id: Measure.objects.filter(plan_id=plan_id).defer("current_situation", "approach").order_by("number"),
    plan_id=int,
)
PILLAR_MEASURES = measure_reads(
    lambda pillar_id: Measure.objects.filter(pillar_id=pillar_id).defer("current_situation", "approach").order_by("number"),
    pillar_id=int,
)
NUMBERED_MEASURE = measure_reads(
    lambda plan_id, number: Measure.objects.filter(plan_id=plan_id, number=number), plan_id=int, number=int,
)


def measures_for_pages(reads: MeasureReads, *, plan: Plan | None = None, **values) -> list[Measure]:
    """The measures `reads` selects with `values` (in its order), of `plan` when given (set as their
    plan, read no more), with, as plain lists, their departments (`department_list`, the lead first)
    and indicators (`indicator_list`, in slot order, each with its `stage_list`). Five prepared
    queries, whatever the number of measures.

    Joined here rather than by prefetch_related: its per-instance bookkeeping (a lookup of every
    related object's key, an IN list of every id) cost a 200-measure page a third of its time."""
    measures = reads.measures(**values)
    if not measures:
        return measures
    by_id = {measure.pk: measure for measure in measures}
    for measure in measures:
        measure.department_list, measure.indicator_list = [], []
        if plan is not None:
            Measure.plan.field.set_cached_value(measure, plan)
    # Departments are few and shared by many measures: one instance each, not one per assignment.
    departments = {department.pk: department for department in reads.departments(**values)}
    for measure_id, department_id in reads.assignments(**values):
        by_id[measure_id].department_list.append(departments[department_id])
    indicators = {}
    for indicator in reads.indicators(**values):
        measure = by_id[indicator.measure_id]
        Indicator.measure.field.set_cached_value(indicator, measure)
        indicator.stage_list = []
        indicators[indicator.pk] = indicator
        measure.indicator_list.append(indicator)
    if indicators:
        for stage in reads.stages(**values):
            indicator = indicators[stage.indicator_id]
            MilestoneStage.indicator.field.set_cached_value(stage, indicator)
            indicator.stage_list.append(stage)
    return measures


def stages_by_id(indicators: Iterable[Indicator]) -> dict[int, MilestoneStage]:
    """The stages of indicators loaded by measures_for_pages."""
    return {stage.pk: stage for indicator in indicators for stage in indicator.stage_list}


@dataclass
class MeasureView:
    measure: Measure
    departments: list[Department]  # the lead first
    indicators: list[IndicatorView]
    summary: Summary | None = None

    @property
    def lead(self) -> Department | None:
        return self.departments[0] if self.departments else None


def departments_of(assignments: Iterable) -> list[Department]:
    """A measure's departments from its assignments in the source's order: the first one leads."""
    return [assignment.department for assignment in assignments]


def has_provisional_name(measure_views: Iterable[MeasureView]) -> bool:
    return any(view.indicator.name_is_provisional for m in measure_views for view in m.indicators)
