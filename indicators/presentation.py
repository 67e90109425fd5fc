"""Targets, results and their labels as text: the one home for pages, admin forms and workbooks.

Values are written as the source writes them (core.formatting); a target that is
not set reads 未設定 and one the source marks "-" reads 対象外.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from core import fiscal_years
from core.formatting import format_number, format_value

from .models import Indicator, YearFigures

NOT_SET = YearFigures.TargetStatus.NOT_SET.label  # 未設定
NOT_APPLICABLE = YearFigures.TargetStatus.NOT_APPLICABLE.label  # 対象外


def target_text(indicator: Indicator, figures: YearFigures) -> str:
    """95,000時間, 検討80%, 未設定 or 対象外."""
    if figures.target_status == YearFigures.TargetStatus.SET:
        return format_value(indicator, figures.target_value, figures.target_stage)
    return figures.get_target_status_display()


def result_text(indicator: Indicator, value: Decimal | None = None, stage=None) -> str:
    """34,068時間 or a stage's name; empty when there is no result."""
    return format_value(indicator, value, stage)


def result_label(indicator: Indicator, fiscal_year: int) -> str:
    """指標① 令和5年度の結果: how forms, previews, conflicts and timelines name a result."""
    return f"指標{indicator.slot_label} {fiscal_years.era_name(fiscal_year)}の結果"


@lru_cache(maxsize=4096)  # rates have one decimal: a few thousand at most
def rate_text(rate: Decimal | None) -> str:
    """85.7% for a rate, empty when none was computed."""
    return "" if rate is None else f"{format_number(rate, 1)}%"
