"""What a published report shows, kept with the report: the snapshot and the read objects made from it.

A published report must never change, yet the live plan must stay editable for
years (a typo, a renamed department, a unit corrected). So the report keeps its
own copy of every title, name, unit, direction and stage it shows, taken when
it is published (reports.publication.publish_report), instead of the plan being
locked. Its page, open data and workbook read only this copy and the report's
frozen figures (PublishedIndicatorYear), never the live plan.

Why one JSON document (ProgressReport.published_content) and not tables: it is
written once, in the publishing transaction, and only ever read whole, with
the report (no extra query, whatever the plan's size); nothing queries its
parts; the report's own guard (ProgressReport.save refuses a published report)
freezes it with everything else; and its schema can grow (a version number
says which) without a migration per field. The figures stay rows, as before,
keyed by the live indicator and stage ids, which the document also keys by.

The document, schema 1 (lists in the source's order)::

    {"schema": 1,
     "plan": {"title": "経営改革推進計画", "municipality": "千葉県木更津市",
              "first_fiscal_year": 2023, "last_fiscal_year": 2026},
     "pillars": [{"number": 1, "name": "ヒト"}, ...],
     "measures": [{"id": 2, "number": 2, "pillar": 1,               # pillar: its number
                   "title": "…", "subtitle": "…", "current_situation": "…", "approach": "…",
                   "departments": [{"id": 3, "division": "総務部", "section": "職員課"}, ...],  # the lead first
                   "indicators": [{"id": 2, "slot": 1, "name": "時間外勤務時間", "name_is_provisional": false,
                                   "unit": "時間", "decimal_places": 0, "note": "", "kind": "numeric",
                                   "direction": "lower", "is_cumulative": false,
                                   "stages": [{"id": 1, "position": 1, "label": "検討80%"}, ...]}]}]}

The plan's URL name (slug) is an address, not content: links keep following it.

The read objects below look like the models (Plan, Pillar, Measure, Department,
Indicator, MilestoneStage, and a year's figures) to the grading
(indicators.achievement), the presentation (indicators.presentation) and the
pages and workbooks, and borrow the models' own properties (full_title, label,
slot_label, is_milestone, …), so each of those rules keeps its one home.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from django.db.models import Prefetch

from indicators.figures import YearValues
from indicators.models import Indicator, MilestoneStage
from plans.models import Department, Measure, Pillar, Plan

SCHEMA = 1


# --- taking the snapshot ------------------------------------------------------


def take(plan: Plan) -> dict:
    """The snapshot of everything a report of `plan` shows but its figures, as the plan stands now: five queries."""
    measures = plan.measures.with_departments().prefetch_related(
        Prefetch(
            "indicators",
            queryset=Indicator.objects.order_by("slot").prefetch_related(
                Prefetch("stages", queryset=MilestoneStage.objects.order_by("position"))
            ),
        )
    )
    return {
        "schema": SCHEMA,
        "plan": {
            "title": plan.title,
            "municipality": plan.municipality,
            "first_fiscal_year": plan.first_fiscal_year,
            "last_fiscal_year": plan.last_fiscal_year,
        },
        "pillars": [{"number": p.number, "name": p.name} for p in plan.pillars.order_by("number")],
        "measures": [
            {
                "id": m.pk,
                "number": m.number,
                "pillar": m.pillar.number,
                "title": m.title,
                "subtitle": m.subtitle,
                "current_situation": m.current_situation,
                "approach": m.approach,
                "departments": [
                    {"id": a.department_id, "division": a.department.division, "section": a.department.section}
                    for a in m.assignments.all()
                ],
                "indicators": [
                    {
                        "id": i.pk,
                        "slot": i.slot,
                        "name": i.name,
                        "name_is_provisional": i.name_is_provisional,
                        "unit": i.unit,
                        "decimal_places": i.decimal_places,
                        "note": i.note,
                        "kind": i.kind,
                        "direction": i.direction,
                        "is_cumulative": i.is_cumulative,
                        "stages": [{"id": s.pk, "position": s.position, "label": s.label} for s in i.stages.all()],
                    }
                    for i in m.indicators.all()
                ],
            }
            for m in measures
        ],
    }


# --- read objects -------------------------------------------------------------


class Related(tuple):
    """Rows that answer .all() as a prefetched related manager does (measure.indicators.all())."""

    def all(self) -> "Related":
        return self


@dataclass(frozen=True)
class FrozenPlan:
    slug: str
    title: str
    municipality: str
    first_fiscal_year: int
    last_fiscal_year: int

    fiscal_years = Plan.fiscal_years
    period_label = Plan.period_label
    holds_fiscal_year = Plan.holds_fiscal_year
    __str__ = Plan.__str__


@dataclass(frozen=True)
class FrozenPillar:
    number: int
    name: str

    label = Pillar.label
    __str__ = Pillar.__str__

    @property
    def pk(self) -> int:
        return self.number  # pillars are told apart by number within a report


@dataclass(frozen=True)
class FrozenDepartment:
    pk: int
    division: str
    section: str

    name = Department.name
    is_collective = Department.is_collective  # the same rule as the live plan's, on the frozen names
    __str__ = Department.__str__


@dataclass(frozen=True)
class FrozenAssignment:
    department: FrozenDepartment
    position: int


@dataclass(frozen=True)
class FrozenStage:
    pk: int
    position: int
    label: str

    __str__ = MilestoneStage.__str__


@dataclass(eq=False)
class FrozenIndicator:
    pk: int
    measure: "FrozenMeasure" = field(repr=False)
    slot: int
    name: str
    name_is_provisional: bool
    unit: str
    decimal_places: int
    note: str
    kind: str
    direction: str
    is_cumulative: bool
    stages: Related = field(default_factory=Related)

    Kind: ClassVar = Indicator.Kind
    Direction: ClassVar = Indicator.Direction
    slot_label = Indicator.slot_label
    is_milestone = Indicator.is_milestone
    is_lower_better = Indicator.is_lower_better

    @property
    def measure_id(self) -> int:
        return self.measure.pk

    def __str__(self) -> str:
        return f"{self.measure} 指標{self.slot_label} {self.name}"


@dataclass(eq=False)
class FrozenMeasure:
    pk: int
    number: int
    pillar: FrozenPillar
    title: str
    subtitle: str
    current_situation: str
    approach: str
    assignments: Related = field(default_factory=Related)
    indicators: Related = field(default_factory=Related)

    full_title = Measure.full_title
    __str__ = Measure.__str__

    @property
    def pillar_id(self) -> int:
        return self.pillar.pk

    @property
    def departments(self) -> list[FrozenDepartment]:
        """The lead first."""
        return [a.department for a in self.assignments]


class FrozenYear(YearValues):
    """A fiscal year's figures as the report froze them, with its snapshot indicator and stages."""


@dataclass
class Content:
    """A report's snapshot read back: its plan, pillars and measures (with departments, indicators, stages)."""

    plan: FrozenPlan
    pillars: list[FrozenPillar]
    measures: list[FrozenMeasure]
    indicators: dict[int, FrozenIndicator]
    stages: dict[int, FrozenStage]

    def years(self, rows) -> list[FrozenYear]:
        """Frozen figures (PublishedIndicatorYear rows) with the snapshot's indicators and stages,
        in the source's order (measure, indicator, fiscal year); rows of no indicator in the snapshot are left out."""
        years = [
            FrozenYear(
                indicator=self.indicators[row.indicator_id],
                fiscal_year=row.fiscal_year,
                target_status=row.target_status,
                target_value=row.target_value,
                target_stage=self.stages.get(row.target_stage_id),
                result_value=row.result_value,
                result_stage=self.stages.get(row.result_stage_id),
                indicator_id=row.indicator_id,
            )
            for row in rows
            if row.indicator_id in self.indicators
        ]
        years.sort(key=lambda y: (y.indicator.measure.number, y.indicator.slot, y.fiscal_year))
        return years


def read(document: dict, *, slug: str) -> Content:
    """The read objects of a snapshot document (see the module's docstring); no query."""
    pillars = {p["number"]: FrozenPillar(p["number"], p["name"]) for p in document["pillars"]}
    measures, indicators, stages = [], {}, {}
    for m in document["measures"]:
        measure = FrozenMeasure(
            pk=m["id"], number=m["number"], pillar=pillars[m["pillar"]], title=m["title"], subtitle=m["subtitle"],
            current_situation=m["current_situation"], approach=m["approach"],
            assignments=Related(
                FrozenAssignment(FrozenDepartment(d["id"], d["division"], d["section"]), position)
                for position, d in enumerate(m["departments"], 1)
            ),
        )
        measure_indicators = []
        for i in m["indicators"]:
            indicator_stages = Related(FrozenStage(s["id"], s["position"], s["label"]) for s in i["stages"])
            stages.update((s.pk, s) for s in indicator_stages)
            indicator = FrozenIndicator(
                pk=i["id"], measure=measure, slot=i["slot"], name=i["name"],
                name_is_provisional=i["name_is_provisional"], unit=i["unit"], decimal_places=i["decimal_places"],
                note=i["note"], kind=i["kind"], direction=i["direction"], is_cumulative=i["is_cumulative"],
                stages=indicator_stages,
            )
            indicators[indicator.pk] = indicator
            measure_indicators.append(indicator)
        measure.indicators = Related(measure_indicators)
        measures.append(measure)
    p = document["plan"]
    plan = FrozenPlan(slug, p["title"], p["municipality"], p["first_fiscal_year"], p["last_fiscal_year"])
    return Content(plan, list(pillars.values()), measures, indicators, stages)
