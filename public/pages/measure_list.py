"""The measure list: every measure of a plan as a sortable, filterable table (django-tables2)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Sequence

from plans.models import Department, Pillar, Plan

from .. import links

from .parts import MeasureView
from .plan import plan_overview


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
    """Sorts measures best first: by their indicators' grades in the headline year, in the plan's order of labels."""
    order = sorted(labels.index(i.focus.assessment.label) for i in view.indicators if i.focus)
    return tuple(order) if order else (len(labels),)


@dataclass
class MeasureList:
    plan: Plan
    fiscal_year: int  # the headline year (plan_overview): the latest with graded results, else the current year
    fiscal_year_label: str
    headline_is_graded: bool
    today_label: str
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
    overview = plan_overview(plan, today=today, cards=False)
    labels = list(overview.labels)
    rows = []
    departments: dict[int, Department] = {}
    for pillar_view in overview.pillars:
        pillar = pillar_view.pillar
        for view in pillar_view.measures:
            for department in view.departments:
                if not department.is_collective:  # no section: not a filter (Department.is_collective)
                    departments[department.pk] = department
            measure = view.measure
            rows.append(
                MeasureRow(
                    view=view,
                    number=measure.number,
                    title=measure.full_title,
                    url=links.measure(plan.slug, measure.number),
                    pillar_number=pillar.number,
                    pillar_label=pillar.label,
                    pillar_url=links.pillar(plan.slug, pillar.number),
                    lead_name=view.lead.name if view.lead else "",
                    grade_key=grade_key(view, labels),
                )
            )
    rows.sort(key=lambda row: row.number)
    return MeasureList(
        plan=plan,
        fiscal_year=overview.fiscal_year,
        fiscal_year_label=overview.fiscal_year_label,
        headline_is_graded=overview.headline_is_graded,
        today_label=overview.today_label,
        rows=rows,
        pillars=[p.pillar for p in overview.pillars],
        departments=sorted(departments.values(), key=lambda d: d.city_order),
    )
