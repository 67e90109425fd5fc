"""Charts drawn on the server as inline SVG: target against result across a plan's years.

No JavaScript: the SVG arrives in the page. Each chart has a <title> and a
<desc> that says in words what it shows, and pages print the year table beside
it as its full text alternative. Status is never colour alone: targets are
dashed lines with round markers, results are solid bars, and a year without a
target says 未設定 or 対象外 under its label.

Rows come from public.pages.YearRow: the year's figures, its assessment
(from indicators.achievement) and its values already written as the source
writes them (core.formatting).
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from core.formatting import format_quantity

from .models import NOT_STARTED_POSITION

WIDTH, HEIGHT = 360, 232
LEFT, RIGHT, TOP, BOTTOM = 92, 10, 26, 46
PLOT_W = WIDTH - LEFT - RIGHT
PLOT_H = HEIGHT - TOP - BOTTOM
FONT = 12

TEXT = "#1a1a1a"
MUTED = "#595959"  # 7:1 on white
GRID = "#d9d9d9"  # decoration only
RESULT = "#0017c1"  # DADS key blue
TARGET = "#1a1a1a"


def nice_step(span: float, steps: int = 4) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving about `steps` intervals."""
    if span <= 0:
        return 1.0
    raw = span / steps
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def step_places(step: float) -> int:
    """Decimal places a tick label needs for this step (0 for whole steps)."""
    places = 0
    while places < 4 and abs(step * 10**places - round(step * 10**places)) > 1e-9:
        places += 1
    return places


def _text(x: float, y: float, content: str, *, anchor: str = "middle", fill: str = TEXT, size: int = FONT,
          weight: int = 400) -> str:
    bold = ' font-weight="700"' if weight == 700 else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}" font-size="{size}"{bold}>'
        f"{escape(content)}</text>"
    )


def _result_value(indicator, row) -> Decimal | None:
    """What the chart plots as the result: the running total for a cumulative indicator."""
    if indicator.is_cumulative:
        return row.assessment.running_total
    return row.figures.result_value


def _description(indicator, rows: Sequence) -> str:
    targets = "、".join(f"{row.label} {row.target}" for row in rows)
    results = [
        f"{row.label} {row.running_total or row.result}"
        + (f"（{'累計、' if row.running_total else ''}{row.assessment.label}"
           + (f"、達成率{row.rate}" if row.rate else "") + "）")
        for row in rows
        if row.result
    ]
    parts = [f"目標値{'（累計）' if indicator.is_cumulative else ''}：{targets}。"]
    parts.append(f"結果：{'、'.join(results)}。" if results else "結果：公表された結果はまだありません。")
    if indicator.is_lower_better:
        parts.append("値が小さいほど良い指標です。")
    return "".join(parts)


def indicator_chart(indicator, rows: Sequence, *, chart_id: str, stages: Sequence | None = None) -> SafeString:
    """An SVG chart of an indicator's target (dashed line) and result (bars) for every year of its rows.
    A milestone's `stages` in order, when the caller has them (else they are read)."""
    if not rows:
        return mark_safe("")
    title = f"{indicator.name}の目標値と結果"
    desc = _description(indicator, rows)
    if indicator.is_milestone:
        stages = list(indicator.stages.all() if stages is None else stages)
        # The axis starts at 未着手: the indicator's own stage 0, or (a report frozen before that stage
        # existed) a baseline of that name that no result can take.
        foot = [] if stages and stages[0].position == NOT_STARTED_POSITION else ["（未着手）"]
        tick_labels = foot + [stage.label for stage in stages]
        levels = len(tick_labels) - 1
        tick_values = list(range(levels + 1))
        position = {stage.pk: index + len(foot) for index, stage in enumerate(stages)}

        def target_of(row):
            return position.get(row.figures.target_stage_id) if row.target_is_set else None

        def result_of(row):
            return position.get(row.figures.result_stage_id)

        top_value = float(max(levels, 1))
        axis_title = "段階"
    else:
        def target_of(row):
            return float(row.figures.target_value) if row.target_is_set and row.figures.target_value is not None else None

        def result_of(row):
            value = _result_value(indicator, row)
            return None if value is None else float(value)

        values = [v for row in rows for v in (target_of(row), result_of(row)) if v is not None]
        step = nice_step(max(values, default=0) or 1.0)
        top_value = step * max(1, math.ceil(max(values, default=0) / step - 1e-9))
        places = step_places(step)
        tick_values = [i * step for i in range(round(top_value / step) + 1)]
        tick_labels = [format_quantity(Decimal(repr(round(v, places))), places, indicator.unit) for v in tick_values]
        axis_title = f"単位：{indicator.unit}" if indicator.unit else ""

    def y_of(value: float) -> float:
        return TOP + PLOT_H - (value / top_value) * PLOT_H if top_value else TOP + PLOT_H

    slot = PLOT_W / len(rows)

    def x_of(index: int) -> float:
        return LEFT + slot * (index + 0.5)

    parts = [
        f'<svg class="chart-svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="inherit">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    if axis_title:
        parts.append(_text(4, 14, axis_title, anchor="start", fill=MUTED))
    for value, label in zip(tick_values, tick_labels):
        y = y_of(value)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>')
        parts.append(_text(LEFT - 6, y + 4, label, anchor="end"))
    baseline = TOP + PLOT_H
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{baseline}" y2="{baseline}" stroke="{TEXT}" stroke-width="1.5"/>')

    bar_width = min(slot * 0.46, 40)
    for index, row in enumerate(rows):
        value = result_of(row)
        if value is not None:
            y = y_of(value)
            height = max(baseline - y, 1.5)
            parts.append(
                f'<rect class="chart-result" x="{x_of(index) - bar_width / 2:.1f}" y="{baseline - height:.1f}" '
                f'width="{bar_width:.1f}" height="{height:.1f}" fill="{RESULT}"/>'
            )
    # The target line runs through consecutive years that have one; a year without a target breaks it.
    segment: list[tuple[float, float]] = []
    segments = []
    for index, row in enumerate(rows):
        value = target_of(row)
        if value is None:
            if segment:
                segments.append(segment)
            segment = []
        else:
            segment.append((x_of(index), y_of(value)))
    if segment:
        segments.append(segment)
    for points in segments:
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(
                f'<polyline class="chart-target" points="{path}" fill="none" stroke="{TARGET}" stroke-width="2" '
                f'stroke-dasharray="6 4"/>'
            )
        for x, y in points:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="#fff" stroke="{TARGET}" stroke-width="2.5"/>')
    for index, row in enumerate(rows):
        parts.append(_text(x_of(index), baseline + 17, row.label, weight=700 if row.is_focus else 400))
        if not row.target_is_set:
            parts.append(_text(x_of(index), baseline + 33, f"（{row.target}）", fill=MUTED, size=11))
    parts.append("</svg>")
    return mark_safe("".join(parts))
