"""Server-side SVG charts (indicators/charts.py): scales, states, milestones, running totals, escaping."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest

from indicators import achievement, charts
from indicators.models import Indicator, IndicatorYear, MilestoneStage
from public.pages import parts as selectors
from plans.models import Measure, Pillar, Plan

AFTER_THE_PLAN = datetime.date(2027, 6, 1)


@pytest.fixture
def measure(db):
    plan = Plan.objects.create(slug="p", title="計画", municipality="市", first_fiscal_year=2023, last_fiscal_year=2026)
    pillar = Pillar.objects.create(plan=plan, number=1, name="ヒト")
    return Measure.objects.create(plan=plan, pillar=pillar, number=1, title="項目")


def chart_of(indicator, figures, today=AFTER_THE_PLAN):
    years = list(IndicatorYear.objects.filter(indicator=indicator).select_related("indicator", "target_stage", "result_stage"))
    assessments = achievement.assess_years(
        years, bands=achievement.DEFAULT_BANDS, today=today, first_fiscal_year=2023
    )
    rows = [selectors.year_row(indicator, y, assessments[(indicator.pk, y.fiscal_year)], 2026) for y in years]
    return charts.indicator_chart(indicator, rows, chart_id="c")


def add_years(indicator, targets, results=(None,) * 4):
    for offset, (target, result) in enumerate(zip(targets, results)):
        status = "set" if target not in (None, "-") else ("not_applicable" if target == "-" else "not_set")
        IndicatorYear.objects.create(
            indicator=indicator, fiscal_year=2023 + offset, target_status=status,
            target_value=Decimal(str(target)) if status == "set" else None,
            result_value=None if result is None else Decimal(str(result)),
        )


def tick_labels(svg: str) -> list[str]:
    return re.findall(r'<text x="[\d.]+" y="[\d.]+" text-anchor="end"[^>]*>([^<]*)</text>', svg)


@pytest.mark.parametrize(
    "span, step", [(0.35, 0.1), (95000, 25000), (400000000, 100000000), (4, 1), (30, 10), (10000000, 2500000), (0, 1)]
)
def test_round_steps(span, step):
    assert charts.nice_step(span) == pytest.approx(step)


def test_a_percentage_with_two_decimals(measure):
    indicator = Indicator.objects.create(measure=measure, slot=1, name="クリック率", unit="%", decimal_places=2)
    add_years(indicator, ["0.28", "0.30", "0.32", "0.35"], ["0.25", None, None, None])
    svg = chart_of(indicator, None)
    assert tick_labels(svg) == ["0.0", "0.1", "0.2", "0.3", "0.4"]
    assert "単位：%" in svg
    assert svg.count('class="chart-result"') == 1
    assert "目標値：令和5年度 0.28%、令和6年度 0.30%、令和7年度 0.32%、令和8年度 0.35%。" in svg
    assert "結果：令和5年度 0.25%（概ね達成、達成率89.3%）。" in svg


def test_years_without_a_target_break_the_line_and_say_why(measure):
    indicator = Indicator.objects.create(measure=measure, slot=1, name="寄附件数", unit="件")
    add_years(indicator, [10, 15, "-", None])
    svg = chart_of(indicator, None)
    assert "（対象外）" in svg and "（未設定）" in svg
    assert svg.count("<circle") == 2  # one marker per target
    assert svg.count("<polyline") == 1
    indicator2 = Indicator.objects.create(measure=measure, slot=2, name="指標", unit="件")
    add_years(indicator2, [10, None, 20, 30])
    assert chart_of(indicator2, None).count("<polyline") == 1  # 20 → 30; 10 stands alone
    assert chart_of(indicator2, None).count("<circle") == 3


def test_no_target_and_no_result_at_all_still_draws(measure):
    indicator = Indicator.objects.create(measure=measure, slot=1, name="指標", unit="件")
    add_years(indicator, [None, None, None, None])
    svg = chart_of(indicator, None)
    assert svg.startswith("<svg") and svg.count("（未設定）") == 4
    assert "結果：公表された結果はまだありません。" in svg
    zero = Indicator.objects.create(measure=measure, slot=2, name="ゼロ", unit="件")
    add_years(zero, [0, 0, 0, 0], [0, 0, None, None])
    assert chart_of(zero, None).count('class="chart-result"') == 2


def test_cumulative_indicators_plot_the_running_total(measure):
    indicator = Indicator.objects.create(measure=measure, slot=1, name="効果額（累計）", unit="円", is_cumulative=True)
    add_years(indicator, [2500000, 5000000, 7500000, 10000000], [2000000, 3000000, None, None])
    svg = chart_of(indicator, None)
    heights = [float(h) for h in re.findall(r'class="chart-result"[^>]*height="([\d.]+)"', svg)]
    assert heights[1] == pytest.approx(heights[0] * 5 / 2, rel=0.01)  # 5,000,000 against 2,000,000
    assert "目標値（累計）" in svg
    assert "令和6年度 500万円（累計、達成、達成率100.0%）" in svg
    assert tick_labels(svg) == ["0", "250万", "500万", "750万", "1,000万"]  # as the city writes amounts
    large = Indicator.objects.create(measure=measure, slot=2, name="寄附額", unit="円")
    add_years(large, [350000000, 375000000, 400000000, 400000000], [None, None, None, None])
    assert tick_labels(chart_of(large, None)) == ["0", "1億", "2億", "3億", "4億"]


def test_milestones_are_drawn_on_their_stages(measure):
    indicator = Indicator.objects.create(measure=measure, slot=1, name="進捗", kind="milestone", unit="")
    stages = [MilestoneStage.objects.create(indicator=indicator, position=p, label=l)
              for p, l in enumerate(["検討80%", "条例への反映", "実施"], start=1)]
    for offset, stage in enumerate([stages[0], stages[1], stages[2], stages[2]]):
        IndicatorYear.objects.create(indicator=indicator, fiscal_year=2023 + offset, target_status="set",
                                     target_stage=stage, result_stage=stages[1] if offset == 0 else None)
    svg = chart_of(indicator, None)
    assert tick_labels(svg) == ["未着手", "検討80%", "条例への反映", "実施"]  # the indicator's stage 0 is the axis's foot
    assert svg.count('class="chart-result"') == 1
    assert "令和5年度 条例への反映（達成）" in svg


def test_text_is_escaped(measure):
    indicator = Indicator.objects.create(measure=measure, slot=1, name="<script>alert(1)</script>", unit="件")
    add_years(indicator, [1, 2, 3, 4])
    svg = chart_of(indicator, None)
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_an_indicator_without_years_has_no_chart(measure):
    indicator = Indicator.objects.create(measure=measure, slot=1, name="指標", unit="件")
    assert charts.indicator_chart(indicator, [], chart_id="c") == ""
