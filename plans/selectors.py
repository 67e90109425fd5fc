"""Read paths for the public site: each runs a bounded number of queries, whatever the plan's size.

A selector loads what one page shows and hands it over ready to print: grades and
states from indicators.achievement, fiscal years named by plans.fiscal_years,
values written by indicators.formatting, and only what plans.publication makes
public. Views parse input, call one selector, render.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Sequence

from django.db.models import Count, Max, Min, Prefetch, Q, QuerySet
from django.utils import timezone

from indicators import achievement
from indicators.achievement import Assessment, Summary
from indicators.formatting import format_number, format_value
from indicators.models import Indicator, IndicatorYear, YearFigures

from . import fiscal_years, publication
from .history import measure_last_updated
from .models import Department, Measure, MeasureDepartment, Pillar, Plan, ProgressNote, ProgressReport


def today() -> datetime.date:
    return timezone.localdate()


def plans() -> QuerySet[Plan]:
    """Plans with their grade bands, so grading a page costs no extra query."""
    return publication.public_plans().prefetch_related("grade_bands")


def current_plan(today: datetime.date) -> Plan | None:
    """The public plan whose period holds today, else the latest (PlanQuerySet.current); one query."""
    return publication.public_plans().current(today)


def current_fiscal_year(plan: Plan, today: datetime.date) -> int:
    """The year whose figures a plan's pages call "latest": today's, clamped into the plan's period."""
    return min(max(fiscal_years.of_date(today), plan.first_fiscal_year), plan.last_fiscal_year)


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


def target_text(indicator: Indicator, figures: YearFigures) -> str:
    if figures.target_status == YearFigures.TargetStatus.SET:
        return format_value(indicator, figures.target_value, figures.target_stage)
    return figures.get_target_status_display()  # 未設定 / 対象外


def year_row(indicator: Indicator, figures: YearFigures, assessment: Assessment, focus_year: int | None) -> YearRow:
    running_total = ""
    if indicator.is_cumulative and assessment.running_total is not None:
        running_total = format_value(indicator, assessment.running_total)
    return YearRow(
        figures=figures,
        fiscal_year=figures.fiscal_year,
        label=fiscal_years.era_name(figures.fiscal_year),
        target=target_text(indicator, figures),
        target_is_set=figures.target_status == YearFigures.TargetStatus.SET,
        result=format_value(indicator, figures.result_value, figures.result_stage),
        running_total=running_total,
        assessment=assessment,
        rate="" if assessment.rate is None else f"{format_number(assessment.rate, 1)}%",
        is_focus=figures.fiscal_year == focus_year,
    )


@dataclass
class IndicatorView:
    indicator: Indicator
    years: list[YearRow]
    focus: YearRow | None  # the latest year (or the report's year)
    chart: str = ""  # inline SVG, on pages that draw one

    @property
    def has_result(self) -> bool:
        return any(row.result for row in self.years)


def indicator_views(
    indicators: Iterable[Indicator],
    years_by_indicator: dict[int, list[YearFigures]],
    assessments: dict[tuple[int, int], Assessment],
    focus_year: int | None,
) -> list[IndicatorView]:
    views = []
    for indicator in indicators:
        rows = [
            year_row(indicator, figures, assessments[(indicator.pk, figures.fiscal_year)], focus_year)
            for figures in sorted(years_by_indicator.get(indicator.pk, ()), key=lambda y: y.fiscal_year)
        ]
        focus = next((row for row in rows if row.is_focus), None)
        views.append(IndicatorView(indicator, rows, focus))
    return views


def group_by_indicator(years: Iterable[YearFigures]) -> dict[int, list[YearFigures]]:
    grouped: dict[int, list[YearFigures]] = defaultdict(list)
    for year in years:
        grouped[year.indicator_id].append(year)
    return grouped


def summary_labels(plan: Plan) -> tuple[str, ...]:
    """Every grade of the plan, best first, then the states: the order pages list them in."""
    return tuple(band.label for band in achievement.plan_bands(plan)) + achievement.STATES


# --- measures ---------------------------------------------------------------


def _assignments() -> Prefetch:
    return Prefetch("assignments", queryset=MeasureDepartment.objects.select_related("department").order_by("position"))


def measures_with_departments(plan: Plan) -> QuerySet[Measure]:
    return plan.measures.select_related("pillar").prefetch_related(_assignments()).order_by("number")


def pillars_with_measures(plan: Plan) -> QuerySet[Pillar]:
    """The plan's pillars in order, each with its measures and their departments."""
    return plan.pillars.order_by("number").prefetch_related(
        Prefetch("measures", queryset=measures_with_departments(plan))
    )


@dataclass
class MeasureView:
    measure: Measure
    departments: list[Department]  # the lead first
    indicators: list[IndicatorView]
    summary: Summary | None = None

    @property
    def lead(self) -> Department | None:
        return self.departments[0] if self.departments else None

    @property
    def supporting(self) -> list[Department]:
        return self.departments[1:]


def departments_of(measure: Measure) -> list[Department]:
    """A measure's departments in the source's order: the first one leads (assignments prefetched)."""
    return [assignment.department for assignment in measure.assignments.all()]


def has_provisional_name(measure_views: Iterable[MeasureView]) -> bool:
    return any(view.indicator.name_is_provisional for m in measure_views for view in m.indicators)


# --- a plan at a glance: home, plan, pillar pages -----------------------------


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

    With `pillar`, that pillar alone (the pillar page). Nine queries at most.
    """
    fiscal_year = current_fiscal_year(plan, today)
    measures = plan.measures.select_related("pillar").prefetch_related(_assignments(), "indicators").order_by("number")
    pillars = plan.pillars.order_by("number")
    years = achievement.plan_years(plan)
    if pillar is not None:
        measures, pillars = measures.filter(pillar=pillar), pillars.filter(pk=pillar.pk)
        years = years.filter(indicator__measure__pillar=pillar)
    years = list(years)
    bands = achievement.plan_bands(plan)
    assessments = achievement.assess_years(years, bands=bands, today=today, first_fiscal_year=plan.first_fiscal_year)
    roll = achievement.rollup(plan, fiscal_year, today=today, assessments=assessments, years=years)
    by_indicator = group_by_indicator(years)

    by_pillar: dict[int, list[MeasureView]] = defaultdict(list)
    for measure in measures:
        by_pillar[measure.pillar_id].append(
            MeasureView(
                measure,
                departments_of(measure),
                indicator_views(measure.indicators.all(), by_indicator, assessments, fiscal_year),
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


def neighbours(queryset: QuerySet, number: int) -> tuple[int | None, int | None]:
    """The numbers just before and after `number` in a numbered queryset (pillars, measures): one query."""
    found = queryset.aggregate(
        previous=Max("number", filter=Q(number__lt=number)), next=Min("number", filter=Q(number__gt=number))
    )
    return found["previous"], found["next"]


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


# --- one measure ------------------------------------------------------------


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
    from indicators import charts

    measure = (
        plan.measures.select_related("pillar")
        .prefetch_related(_assignments(), Prefetch("indicators", queryset=Indicator.objects.prefetch_related("stages")))
        .filter(number=number)
        .first()
    )
    if measure is None:
        return None
    fiscal_year = current_fiscal_year(plan, today)
    years = list(
        IndicatorYear.objects.filter(indicator__measure=measure)
        .select_related("indicator", "target_stage", "result_stage")
        .order_by("indicator__slot", "fiscal_year")
    )
    bands = achievement.plan_bands(plan)
    assessments = achievement.assess_years(years, bands=bands, today=today, first_fiscal_year=plan.first_fiscal_year)
    views = indicator_views(measure.indicators.all(), group_by_indicator(years), assessments, fiscal_year)
    for view in views:
        view.chart = charts.indicator_chart(view.indicator, view.years, chart_id=f"chart-{view.indicator.slot}")
    notes = [
        public_note(note)
        for note in publication.public_notes().filter(measure=measure).select_related("report").order_by("-report__as_of")
    ]
    previous_number, next_number = neighbours(plan.measures.all(), number)
    return MeasureDetail(
        plan=plan,
        measure=measure,
        view=MeasureView(measure, departments_of(measure), views),
        fiscal_year=fiscal_year,
        fiscal_year_label=fiscal_years.era_name(fiscal_year),
        notes=notes,
        previous_number=previous_number,
        next_number=next_number,
        today=today,
        last_updated=measure_last_updated(measure),
    )


# --- the measure list (django-tables2) --------------------------------------


@dataclass
class MeasureRow:
    """A row of the measure list; the table sorts on the plain fields."""

    view: MeasureView
    number: int
    title: str
    url: str
    pillar_number: int
    pillar_label: str
    pillar_url: str
    lead_name: str
    grade_key: tuple


def grade_key(view: MeasureView, labels: Sequence[str]) -> tuple:
    """Sorts measures best first: by their indicators' latest grades, in the plan's order of labels."""
    order = sorted(labels.index(i.focus.assessment.label) for i in view.indicators if i.focus)
    return tuple(order) if order else (len(labels),)


@dataclass
class MeasureList:
    plan: Plan
    fiscal_year: int
    fiscal_year_label: str
    rows: list[MeasureRow]
    pillars: list[Pillar]
    departments: list[Department]

    def filtered(self, *, pillar: int | None = None, department: int | None = None) -> list[MeasureRow]:
        """The rows of one pillar (by number) and of one department (lead or not)."""
        return [
            row for row in self.rows
            if (pillar is None or row.pillar_number == pillar)
            and (department is None or department in {d.pk for d in row.view.departments})
        ]


def measure_list(plan: Plan, *, today: datetime.date) -> MeasureList:
    """The plan's measures as table rows, with the choices of its filters (pillars, departments)."""
    overview = plan_overview(plan, today=today)
    labels = list(overview.labels)
    rows = []
    departments: dict[int, Department] = {}
    for pillar_view in overview.pillars:
        pillar = pillar_view.pillar
        for view in pillar_view.measures:
            for department in view.departments:
                departments[department.pk] = department
            measure = view.measure
            rows.append(
                MeasureRow(
                    view=view,
                    number=measure.number,
                    title=measure.full_title,
                    url=measure.get_absolute_url(),
                    pillar_number=pillar.number,
                    pillar_label=pillar.label,
                    pillar_url=pillar.get_absolute_url(),
                    lead_name=view.lead.name if view.lead else "",
                    grade_key=grade_key(view, labels),
                )
            )
    rows.sort(key=lambda row: row.number)
    return MeasureList(
        plan=plan,
        fiscal_year=overview.fiscal_year,
        fiscal_year_label=overview.fiscal_year_label,
        rows=rows,
        pillars=[p.pillar for p in overview.pillars],
        departments=sorted(departments.values(), key=lambda d: (d.division == "", d.division, d.section)),
    )


# --- published progress reports ------------------------------------------------


@dataclass
class ReportMeasure:
    view: MeasureView
    note: ProgressNote | None


@dataclass
class ReportPillar:
    pillar: Pillar
    measures: list[ReportMeasure]
    summary: Summary


@dataclass
class ReportDetail:
    plan: Plan
    report: ProgressReport
    fiscal_year: int
    fiscal_year_label: str
    labels: tuple[str, ...]
    summary: Summary
    pillars: list[ReportPillar]
    has_provisional: bool
    newer: ProgressReport | None
    older: ProgressReport | None

    @property
    def as_of_label(self) -> str:
        return fiscal_years.era_date(self.report.as_of)

    @property
    def published_label(self) -> str:
        return fiscal_years.era_date(timezone.localtime(self.report.published_at).date())


def report_detail(plan: Plan, as_of: datetime.date) -> ReportDetail | None:
    """A published report as it was published: its frozen figures graded as of its date, its approved notes.

    None when no report of that date is published.
    """
    reports = list(publication.published_reports(plan))
    report = next((r for r in reports if r.as_of == as_of), None)
    if report is None:
        return None
    position = reports.index(report)
    years = list(
        report.published_years.select_related("indicator__measure", "target_stage", "result_stage").order_by(
            "indicator__measure__number", "indicator__slot", "fiscal_year"
        )
    )
    bands = achievement.report_bands(report)
    assessments = achievement.assess_years(years, bands=bands, today=report.as_of, first_fiscal_year=plan.first_fiscal_year)
    fiscal_year = min(max(report.fiscal_year, plan.first_fiscal_year), plan.last_fiscal_year)
    roll = achievement.rollup(plan, fiscal_year, today=report.as_of, assessments=assessments, years=years, bands=bands)
    by_indicator = group_by_indicator(years)
    indicators_by_measure: dict[int, dict[int, Indicator]] = defaultdict(dict)
    for year in years:
        indicators_by_measure[year.indicator.measure_id][year.indicator_id] = year.indicator
    notes = {note.measure_id: note for note in publication.public_notes().filter(report=report)}

    by_pillar: dict[int, list[ReportMeasure]] = defaultdict(list)
    for measure in measures_with_departments(plan):
        indicators = sorted(indicators_by_measure.get(measure.pk, {}).values(), key=lambda i: i.slot)
        if not indicators and measure.pk not in notes:
            continue  # not part of this report
        view = MeasureView(
            measure, departments_of(measure), indicator_views(indicators, by_indicator, assessments, fiscal_year),
            roll.measures[measure.pk],
        )
        by_pillar[measure.pillar_id].append(ReportMeasure(view, notes.get(measure.pk)))
    pillar_views = [
        ReportPillar(p, by_pillar[p.pk], roll.pillars[p.pk]) for p in plan.pillars.order_by("number") if by_pillar[p.pk]
    ]
    return ReportDetail(
        plan=plan,
        report=report,
        fiscal_year=fiscal_year,
        fiscal_year_label=fiscal_years.era_name(fiscal_year),
        labels=roll.plan.labels,
        summary=roll.plan,
        pillars=pillar_views,
        has_provisional=has_provisional_name(m.view for p in pillar_views for m in p.measures),
        newer=reports[position - 1] if position > 0 else None,
        older=reports[position + 1] if position + 1 < len(reports) else None,
    )


def plan_reports(plan: Plan) -> list[ProgressReport]:
    """The plan's published reports, newest first, each with how many measures it reports on."""
    counts = dict(
        publication.public_notes()
        .filter(report__plan=plan)
        .values_list("report_id")
        .annotate(n=Count("pk"))
        .values_list("report_id", "n")
    )
    reports = list(publication.published_reports(plan))
    for report in reports:
        report.public_note_count = counts.get(report.pk, 0)
        report.fiscal_year_label = fiscal_years.era_name(report.fiscal_year)
    return reports


# --- the archive of plans -----------------------------------------------------


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


# --- departments --------------------------------------------------------------


@dataclass
class DivisionGroup:
    division: str
    departments: list[Department]


def public_departments() -> QuerySet[Department]:
    """Departments in charge of a measure of a public plan: the only ones the public site names."""
    return Department.objects.filter(assignments__measure__plan__in=publication.public_plans()).distinct()


def department_index() -> list[DivisionGroup]:
    """Departments in charge of any measure, grouped by division (部・室); one query."""
    departments = (
        public_departments()
        .annotate(measure_count=Count("assignments__measure", distinct=True))
        .order_by("division", "section")
    )
    groups: dict[str, list[Department]] = {}
    for department in departments:
        groups.setdefault(department.division, []).append(department)
    # Named divisions first; 関係各課 (no division) last.
    return [DivisionGroup(d, groups[d]) for d in sorted(groups, key=lambda d: (d == "", d))]


@dataclass
class DepartmentMeasure:
    view: MeasureView
    is_lead: bool


@dataclass
class DepartmentPlan:
    plan: Plan
    fiscal_year: int
    fiscal_year_label: str
    measures: list[DepartmentMeasure]
    is_current: bool


@dataclass
class DepartmentDetail:
    department: Department
    plans: list[DepartmentPlan]
    has_provisional: bool


def department_detail(department: Department, *, today: datetime.date) -> DepartmentDetail:
    """The measures a department is in charge of, plan by plan (newest first), with their latest grades."""
    measures = list(
        Measure.objects.filter(assignments__department=department, plan__in=publication.public_plans())
        .select_related("plan", "pillar")
        .prefetch_related(_assignments(), "indicators", "plan__grade_bands")
        .order_by("-plan__first_fiscal_year", "number")
    )
    years = list(
        IndicatorYear.objects.filter(indicator__measure__in=[m.pk for m in measures]).select_related(
            "indicator__measure", "target_stage", "result_stage"
        )
    )
    current = current_plan(today)
    years_by_plan: dict[int, list[IndicatorYear]] = defaultdict(list)
    for year in years:
        years_by_plan[year.indicator.measure.plan_id].append(year)
    by_plan: dict[int, DepartmentPlan] = {}
    graded: dict[int, tuple[dict, dict]] = {}  # plan id -> (assessments, years by indicator)
    for measure in measures:
        plan = measure.plan
        if plan.pk not in by_plan:
            fiscal_year = current_fiscal_year(plan, today)
            plan_years = years_by_plan[plan.pk]
            assessments = achievement.assess_years(
                plan_years, bands=achievement.plan_bands(plan), today=today, first_fiscal_year=plan.first_fiscal_year
            )
            graded[plan.pk] = (assessments, group_by_indicator(plan_years))
            by_plan[plan.pk] = DepartmentPlan(
                plan, fiscal_year, fiscal_years.era_name(fiscal_year), [], current is not None and plan.pk == current.pk
            )
        entry = by_plan[plan.pk]
        assessments, years_by_indicator = graded[plan.pk]
        departments = departments_of(measure)
        view = MeasureView(
            measure,
            departments,
            indicator_views(measure.indicators.all(), years_by_indicator, assessments, entry.fiscal_year),
        )
        entry.measures.append(DepartmentMeasure(view, bool(departments) and departments[0].pk == department.pk))
    plans_list = list(by_plan.values())
    return DepartmentDetail(
        department=department,
        plans=plans_list,
        has_provisional=has_provisional_name(m.view for p in plans_list for m in p.measures),
    )
