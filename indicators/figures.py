"""Indicator years read in bulk as plain records rather than model instances.

A plan of 200 measures has 2,400 indicator years; loading each as an IndicatorYear with its
indicator, measure and stages (five model instances a row) cost a public page more than the rest
of its work. The pages read the rows' values in one query and join them, in Python, to the
indicators and stages they have already loaded. The records look like IndicatorYear to the
grading (indicators.achievement), the presentation (indicators.presentation) and the charts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Iterable, Mapping

from .models import Indicator, MilestoneStage, YearFigures

FIELDS = ("indicator_id", "fiscal_year", "target_status", "target_value", "target_stage_id", "result_value",
          "result_stage_id")


@dataclass(eq=False)
class YearValues:
    """A fiscal year's figures with their indicator and stages (the indicator's own objects)."""

    indicator: Any  # an Indicator, or a report's frozen copy of one
    fiscal_year: int
    target_status: str
    target_value: Decimal | None
    target_stage: Any
    result_value: Decimal | None
    result_stage: Any
    indicator_id: int  # kept rather than read from the indicator: grading asks for it thousands of times a page

    TargetStatus: ClassVar = YearFigures.TargetStatus
    fiscal_year_label = YearFigures.fiscal_year_label

    @property
    def target_stage_id(self) -> int | None:
        return None if self.target_stage is None else self.target_stage.pk

    @property
    def result_stage_id(self) -> int | None:
        return None if self.result_stage is None else self.result_stage.pk

    def get_target_status_display(self) -> str:
        return YearFigures.TargetStatus(self.target_status).label


def read_years(
    years: Iterable[tuple], indicators: Mapping[int, Indicator], stages: Mapping[int, MilestoneStage]
) -> list[YearValues]:
    """Rows of IndicatorYear read as values_list(*FIELDS) (a prepared query, core.prepared), in
    their order, as records joined to `indicators` and their `stages` (both by id); rows of other
    indicators are left out."""
    return [
        YearValues(indicators[indicator_id], fiscal_year, target_status, target_value,
                   None if target_stage_id is None else stages[target_stage_id], result_value,
                   None if result_stage_id is None else stages[result_stage_id], indicator_id)
        for indicator_id, fiscal_year, target_status, target_value, target_stage_id, result_value, result_stage_id
        in years
        if indicator_id in indicators
    ]
