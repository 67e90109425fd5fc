"""Departments: who is in charge of which measures, plan by plan."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from core import fiscal_years
from core.prepared import prepared
from indicators import achievement, figures
from indicators.models import IndicatorYear
from plans.models import Department, Measure, Plan
from reports import publication

from .parts import (
    MeasureView, current_fiscal_year, current_plan, glance_views, group_by_indicator, has_provisional_name,
    measure_reads, measures_for_pages, stages_by_id,
)
from .parts import plans as plans_with_bands


@dataclass
class DivisionGroup:
    division: str
    departments: list[Department]


def public_departments() -> QuerySet[Department]:
    """Departments in charge of a measure of a public plan: the only ones the public site names and links.
    Not 関係各課 (Department.is_collective): it is no section, so it has no page and no place in the index."""
    return Department.objects.sections().filter(assignments__measure__plan__in=publication.public_plans()).distinct()


def department_index() -> list[DivisionGroup]:
    """Departments in charge of any measure, grouped by division (部・室); one query."""
    departments = (
        public_departments()
        .annotate(measure_count=Count("assignments__measure", distinct=True))
        .order_by(*Department._meta.ordering)  # a query with GROUP BY does not take Meta.ordering
    )
    groups: dict[str, list[Department]] = {}
    for department in departments:  # in the city's order: a division where its first section is
        groups.setdefault(department.division, []).append(department)
    # Named divisions first; sections with no division last.
    return [DivisionGroup(d, groups[d]) for d in sorted(groups, key=lambda d: d == "")]


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


DEPARTMENT_MEASURES = measure_reads(
    lambda department_id: Measure.objects.filter(assignments__department_id=department_id,
                                                 plan__in=publication.public_plans())
    .defer("current_situation", "approach").order_by("-plan__first_fiscal_year", "number"),
    department_id=int,
)


@prepared(department_id=int)
def _department_years(department_id):
    return (IndicatorYear.objects.filter(indicator__measure__in=DEPARTMENT_MEASURES.measures.queryset(
        department_id=department_id).values("pk")).order_by("fiscal_year").values_list(*figures.FIELDS))


def department_detail(department: Department, *, today: datetime.date) -> DepartmentDetail:
    """The measures a department is in charge of, plan by plan (newest first), with their latest grades."""
    measures = measures_for_pages(DEPARTMENT_MEASURES, department_id=department.pk)
    plans = plans_with_bands().in_bulk({measure.plan_id for measure in measures})
    for measure in measures:
        Measure.plan.field.set_cached_value(measure, plans[measure.plan_id])
    indicators = {indicator.pk: indicator for measure in measures for indicator in measure.indicator_list}
    years = figures.read_years(_department_years(department_id=department.pk), indicators,
                               stages_by_id(indicators.values()))
    current = current_plan(today)
    years_by_plan: dict[int, list[IndicatorYear]] = defaultdict(list)
    for year in years:
        years_by_plan[year.indicator.measure.plan_id].append(year)
    by_plan: dict[int, DepartmentPlan] = {}
    graded: dict[int, tuple[achievement.Grading, dict]] = {}  # plan id -> (grading, years by indicator)
    for measure in measures:
        plan = measure.plan
        if plan.pk not in by_plan:
            fiscal_year = current_fiscal_year(plan, today)
            plan_years = years_by_plan[plan.pk]
            grading = achievement.grade_plan(plan, today=today, years=plan_years)
            graded[plan.pk] = (grading, group_by_indicator(plan_years))
            by_plan[plan.pk] = DepartmentPlan(
                plan, fiscal_year, fiscal_years.era_name(fiscal_year), [], current is not None and plan.pk == current.pk
            )
        entry = by_plan[plan.pk]
        grading, years_by_indicator = graded[plan.pk]
        departments = measure.department_list
        view = MeasureView(
            measure,
            departments,
            glance_views(measure.indicator_list, years_by_indicator, grading, entry.fiscal_year, entry.fiscal_year),
        )
        entry.measures.append(DepartmentMeasure(view, bool(departments) and departments[0].pk == department.pk))
    plans_list = list(by_plan.values())
    return DepartmentDetail(
        department=department,
        plans=plans_list,
        has_provisional=has_provisional_name(m.view for p in plans_list for m in p.measures),
    )
