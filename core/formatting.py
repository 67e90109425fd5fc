"""Values as the city writes them: 3億5,000万円, 250万円, 95,000時間, 0.28%, 25ha.

Amounts of money (a unit in 円) from 1万 up, and any other value from 1億 up, are written with
万・億・兆 as Japanese documents write them (3億5,000万円, not 350,000,000円); smaller values and
values with a fraction keep their digits. Nothing is rounded: 140万4,728円 is 1,404,728円 exactly,
so the page hides no figure. Workbooks and open data keep the numbers themselves.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from .parsing import decimals_of

MAN, OKU, CHO = 10**4, 10**8, 10**12
_UNITS = ((CHO, "兆"), (OKU, "億"), (MAN, "万"))


def format_number(value: Decimal, decimal_places: int = 0) -> str:
    return f"{value:,.{decimal_places}f}"


def format_large(value: int) -> str:
    """An integer in 万・億・兆 groups, each group with its thousands comma: 350000000 → 3億5,000万."""
    if value < 0:
        return "-" + format_large(-value)
    parts, rest = [], value
    for size, name in _UNITS:
        group, rest = divmod(rest, size)
        if group:
            parts.append(f"{group:,}{name}")
    if rest or not parts:
        parts.append(f"{rest:,}")
    return "".join(parts)


def large_from(unit: str) -> int:
    """The value from which a quantity in `unit` is written with 万・億: money from 1万, the rest from 1億."""
    return MAN if "円" in unit else OKU


def format_quantity(value: Decimal, decimal_places: int, unit: str) -> str:
    """A number as pages print it, without its unit (chart axes print the unit once)."""
    if abs(value) >= large_from(unit) and value == value.to_integral_value():
        return format_large(int(value))
    return format_number(value, decimal_places)


def shown_places(value: Decimal, decimal_places: int) -> int:
    """The decimals a target or result is written with: the indicator's, or more when the value has
    more (a result of 22.5% for an indicator whose targets show 22%), so no figure entered is rounded."""
    return max(decimal_places, min(decimals_of(value), 4))


def format_value(indicator, value: Decimal | None = None, stage=None) -> str:
    """A target or result of an indicator with its unit; empty when there is none."""
    if stage is not None:
        return stage.label
    if value is None:
        return ""
    return _value_text(value, indicator.decimal_places, indicator.unit)


# A long report writes some 8,000 values, most of them a few hundred distinct ones. Equal decimals
# (1.5 and 1.50) write the same text, so they may share an entry.
@lru_cache(maxsize=16384)
def _value_text(value: Decimal, decimal_places: int, unit: str) -> str:
    return f"{format_quantity(value, shown_places(value, decimal_places), unit)}{unit}"
