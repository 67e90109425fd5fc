"""Values as the source writes them: 350,000,000円, 95,000時間, 0.28%, 25ha."""

from __future__ import annotations

from decimal import Decimal


def format_number(value: Decimal, decimal_places: int = 0) -> str:
    return f"{value:,.{decimal_places}f}"


def format_value(indicator, value: Decimal | None = None, stage=None) -> str:
    """A target or result of an indicator with its unit; empty when there is none."""
    if stage is not None:
        return stage.label
    if value is None:
        return ""
    return f"{format_number(value, indicator.decimal_places)}{indicator.unit}"
