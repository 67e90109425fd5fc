"""Plausibility (妥当性の確認): does a result typed for an indicator year look like a mistake?

The checks only warn; they never refuse a value (the workflow saves and submits
whatever core.parsing accepted). Staff may explain a warned result (ResultEntry's
説明) and the reform office sees warning and explanation side by side.

A numeric result is compared with
- its target (a cumulative indicator's running total, as its target is one): under a third or over three times the target (FAR_FACTOR) is far;
- the previous fiscal year's result, by the same factor;
- either of them at about a thousand or ten thousand times (or as much smaller):
  a result typed in 千 or 万 units (or with those digits added) rather than the indicator's unit;
- for a cumulative indicator (累計), the running total it gives against the one already
  published for the same year: a total lower than what citizens have seen has gone down.

A unit warning replaces the "far" warning against the same figure (it says more).
A zero figure to compare with gives no ratio and no warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from core.formatting import format_value

# Far: a result under 1/FAR_FACTOR or over FAR_FACTOR times the figure it is compared with.
FAR_FACTOR = Decimal(3)
# Another unit: a ratio within UNIT_TOLERANCE of one of these (千, 万), either way.
UNIT_FACTORS = ((Decimal(1000), "千"), (Decimal(10000), "万"))
UNIT_TOLERANCE = Decimal(2)

FAR_FROM_TARGET = "far_from_target"
FAR_FROM_PREVIOUS = "far_from_previous"
UNIT_VS_TARGET = "unit_vs_target"
UNIT_VS_PREVIOUS = "unit_vs_previous"
TOTAL_DECREASED = "total_decreased"


@dataclass(frozen=True)
class Warning:
    code: str
    message: str


def _finite(figure) -> Decimal | None:
    return figure if isinstance(figure, Decimal) and figure.is_finite() else None


def _ratio(value: Decimal, reference: Decimal | None) -> Decimal | None:
    if reference is None or value is None:
        return None
    try:
        if reference <= 0 or value < 0:
            return None
        return value / reference
    except (InvalidOperation, ArithmeticError):
        return None


def _unit_factor(ratio: Decimal) -> tuple[Decimal, str, bool] | None:
    """(factor, its name, whether the result is the larger) when `ratio` looks like 千 or 万 apart."""
    if ratio == 0:
        return None
    for factor, name in UNIT_FACTORS:
        for larger, scaled in ((True, ratio / factor), (False, ratio * factor)):
            if 1 / UNIT_TOLERANCE <= scaled <= UNIT_TOLERANCE:
                return factor, name, larger
    return None


def _compare(indicator, value, reference, *, what: str, far_code: str, unit_code: str, subject: str = ""
             ) -> Warning | None:
    ratio = _ratio(value, reference)
    if ratio is None:
        return None
    reference_text = format_value(indicator, reference)
    # "累計（X）は" when the figure compared is not the result itself.
    what = f"{subject}（{format_value(indicator, value)}）は{what}" if subject else what
    unit = _unit_factor(ratio)
    if unit is not None:
        factor, name, larger = unit
        size = f"約{factor:,}倍" if larger else f"約{factor:,}分の1"
        return Warning(unit_code, f"{what}（{reference_text}）の{size}です。単位（{name}）を取り違えていませんか。")
    if ratio < 1 / FAR_FACTOR:
        return Warning(far_code, f"{what}（{reference_text}）の3分の1未満です。入力の誤りがないか確かめてください。")
    if ratio > FAR_FACTOR:
        return Warning(far_code, f"{what}（{reference_text}）の3倍を超えています。入力の誤りがないか確かめてください。")
    return None


def check(
    indicator,
    value: Decimal | None,
    *,
    target: Decimal | None = None,
    previous: Decimal | None = None,
    running_total: Decimal | None = None,
    published_total: Decimal | None = None,
) -> list[Warning]:
    """Warnings for a numeric result `value` of `indicator` (empty for no value or a milestone).

    `target`: the year's target value (None when not set or not applicable); `previous`: the
    previous fiscal year's result; for a cumulative indicator, `running_total` (the total the
    result gives) and `published_total` (the total already published for the year). Never raises
    for any numbers: a check that cannot be made gives no warning.
    """
    # Figures that are not finite numbers (never stored, but a caller may pass anything) are not compared.
    value, target, previous, running_total, published_total = (
        _finite(figure) for figure in (value, target, previous, running_total, published_total))
    if value is None or getattr(indicator, "is_milestone", False):
        return []
    cumulative = getattr(indicator, "is_cumulative", False)
    # A cumulative indicator's target is a running total: the total is what is compared with it.
    against_target = running_total if cumulative else value
    warnings = [
        _compare(indicator, against_target, target, what="目標値", far_code=FAR_FROM_TARGET, unit_code=UNIT_VS_TARGET,
                 subject="累計" if cumulative else ""),
        _compare(indicator, value, previous, what="前年度の結果", far_code=FAR_FROM_PREVIOUS,
                 unit_code=UNIT_VS_PREVIOUS),
    ]
    if (cumulative and running_total is not None and published_total is not None
            and running_total < published_total):
        warnings.append(Warning(
            TOTAL_DECREASED,
            f"累計（{format_value(indicator, running_total)}）が公表済みの累計（{format_value(indicator, published_total)}）"
            "より減っています。累計は減らないはずです。",
        ))
    return [warning for warning in warnings if warning is not None]
