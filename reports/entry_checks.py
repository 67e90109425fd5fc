"""What a note's results will read as once published, and whether they look plausible: for the entry page.

Each result the note proposes is graded as the public page will grade it after the report is
published with this note approved: the official figures with the note's results in their place
(reports.publication copies them over), graded by indicators.achievement as of the report's date
in the plan's bands (which publication freezes). The warnings come from indicators.plausibility.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Mapping

from indicators import achievement, plausibility, presentation
from indicators.figures import YearValues

from .admin_forms import IndicatorRows


@dataclass
class RowCheck:
    """One result's grade as it will be published, and the plausibility warnings it draws."""

    assessment: achievement.Assessment
    rate: str  # 85.7%, or "" when the year has no rate
    running_total: str  # cumulative indicators: the total the result gives, "" otherwise
    warnings: list[plausibility.Warning] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "label": self.assessment.label,
            "tone": self.assessment.tone,
            "is_grade": self.assessment.is_grade,
            "rate": self.rate,
            "running_total": self.running_total,
            "warnings": [warning.message for warning in self.warnings],
        }


def _figures(year, result) -> YearValues:
    """An indicator year's figures with `result` (a Decimal, a stage, or None) as its result."""
    value = result if isinstance(result, Decimal) else None
    stage = None if result is None or isinstance(result, Decimal) else result
    return YearValues(year.indicator, year.fiscal_year, year.target_status, year.target_value, year.target_stage,
                      value, stage, year.indicator_id)


def _official(year) -> YearValues:
    return YearValues(year.indicator, year.fiscal_year, year.target_status, year.target_value, year.target_stage,
                      year.result_value, year.result_stage, year.indicator_id)


def check_rows(note, rows: list[IndicatorRows], proposed: Mapping[int, object]) -> dict[int, RowCheck]:
    """Indicator year id -> its check, for every row of `rows` (reports.admin_forms.result_rows).

    `proposed` maps indicator year ids to the note's result (a Decimal, a MilestoneStage, or None
    when the note proposes none: the official result stands, as at publication). Warnings are
    given for the note's own numeric results only.
    """
    report = note.report
    plan = report.plan
    years = [row.year for group in rows for row in group.years]
    official = [_official(year) for year in years]
    merged = [
        _figures(year, proposed[year.pk]) if proposed.get(year.pk) is not None else figures
        for year, figures in zip(years, official)
    ]
    grade = dict(bands=achievement.plan_bands(plan), today=report.as_of, first_fiscal_year=plan.first_fiscal_year)
    assessments = achievement.assess_years(merged, **grade)
    official_assessments = achievement.assess_years(official, **grade)
    by_key = {(figures.indicator_id, figures.fiscal_year): figures for figures in merged}
    checks = {}
    for year, figures in zip(years, merged):
        indicator = year.indicator
        key = (indicator.pk, year.fiscal_year)
        assessment = assessments[key]
        running_total = ""
        if indicator.is_cumulative and assessment.running_total is not None:
            running_total = presentation.result_text(indicator, assessment.running_total)
        warnings = []
        value = proposed.get(year.pk)
        if isinstance(value, Decimal):
            before = by_key.get((indicator.pk, year.fiscal_year - 1))
            warnings = plausibility.check(
                indicator, value,
                target=figures.target_value if figures.target_status == figures.TargetStatus.SET else None,
                previous=before.result_value if before is not None else None,
                running_total=assessment.running_total,
                published_total=official_assessments[key].running_total,
            )
        checks[year.pk] = RowCheck(assessment, presentation.rate_text(assessment.rate), running_total, warnings)
    return checks
