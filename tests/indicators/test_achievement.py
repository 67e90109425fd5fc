"""Every case of the achievement rules, on real rows in the database."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators import achievement
from indicators.achievement import DEFAULT_BANDS, Band, assess, rate_of
from indicators.models import GradeBand, Indicator, IndicatorYear, MilestoneStage
from plans.models import Measure, Pillar, Plan

DURING_FY2023 = datetime.date(2023, 10, 1)
AFTER_FY2023 = datetime.date(2024, 4, 1)


@pytest.fixture
def plan(db):
    return Plan.objects.create(slug="p", title="計画", municipality="市", first_fiscal_year=2023, last_fiscal_year=2026)


@pytest.fixture
def measure(plan):
    pillar = Pillar.objects.create(plan=plan, number=1, name="ヒト")
    return Measure.objects.create(plan=plan, pillar=pillar, number=1, title="項目")


def make_indicator(measure, slot=1, **fields):
    fields.setdefault("unit", "件")
    return Indicator.objects.create(measure=measure, slot=slot, name=f"指標{slot}", **fields)


def year(indicator, fiscal_year=2023, target=None, result=None, status="set"):
    return IndicatorYear.objects.create(
        indicator=indicator, fiscal_year=fiscal_year, target_status=status,
        target_value=None if target is None else Decimal(str(target)),
        result_value=None if result is None else Decimal(str(result)),
    )


def assessed(figures, today=AFTER_FY2023, bands=DEFAULT_BANDS):
    figures.refresh_from_db()  # the values as the database gives them back
    return assess(figures.indicator, figures, bands=bands, today=today)


@pytest.mark.parametrize(
    "target, result, rate, label",
    [(100, 100, "100.0", "達成"), (100, 120, "120.0", "達成"), (100, 80, "80.0", "概ね達成"),
     (100, "79.94", "79.9", "未達成"), (100, "79.95", "80.0", "概ね達成"), (100, 0, "0.0", "未達成"),
     ("0.28", "0.28", "100.0", "達成"), (350000000, 300000000, "85.7", "概ね達成")],
)
def test_higher_is_better(measure, target, result, rate, label):
    assessment = assessed(year(make_indicator(measure), target=target, result=result))
    assert (assessment.rate, assessment.label) == (Decimal(rate), label)
    assert assessment.is_grade


@pytest.mark.parametrize(
    "target, result, rate, label",
    [(95000, 95000, "100.0", "達成"), (95000, 90000, "105.3", "達成"), (100, 110, "90.0", "概ね達成"),
     (100, 120, "80.0", "概ね達成"), (100, 121, "79.0", "未達成"), (100, 0, "200.0", "達成"), (100, 250, "0.0", "未達成")],
)
def test_lower_is_better(measure, target, result, rate, label):
    indicator = make_indicator(measure, direction=Indicator.Direction.LOWER_IS_BETTER)
    assessment = assessed(year(indicator, target=target, result=result))
    assert (assessment.rate, assessment.label) == (Decimal(rate), label)


def test_a_target_of_zero_never_divides_by_zero(measure):
    higher = make_indicator(measure, slot=1)
    lower = make_indicator(measure, slot=2, direction=Indicator.Direction.LOWER_IS_BETTER)
    assert assessed(year(higher, target=0, result=0)).label == "達成"
    assert assessed(year(higher, fiscal_year=2024, target=0, result=5), today=datetime.date(2025, 4, 1)).rate == 100
    assert assessed(year(lower, target=0, result=0)).label == "達成"
    assert assessed(year(lower, fiscal_year=2024, target=0, result=1), today=datetime.date(2025, 4, 1)).label == "未達成"


def test_states_that_are_not_grades(measure):
    indicator = make_indicator(measure)
    missing = year(indicator, fiscal_year=2023, target=10)
    assert assessed(missing, today=DURING_FY2023).label == "集計中"
    assert assessed(missing, today=datetime.date(2024, 3, 31)).label == "集計中"
    assert assessed(missing, today=AFTER_FY2023).label == "未報告"
    not_applicable = year(indicator, fiscal_year=2024, status="not_applicable", result=3)
    assert assessed(not_applicable).label == "対象外"
    no_target = year(indicator, fiscal_year=2025, status="not_set", result=3)
    assert assessed(no_target).label == "目標未設定"
    for state in (assessed(missing), assessed(not_applicable), assessed(no_target)):
        assert not state.is_grade and state.rate is None and state.tone == "none"


def test_a_result_before_its_year_ends_is_interim_with_a_rate_but_no_grade(plan, measure):
    figures = year(make_indicator(measure), fiscal_year=2023, target=100, result=85)
    interim = assessed(figures, today=DURING_FY2023)
    assert (interim.label, interim.rate, interim.is_grade, interim.is_interim) == ("年度途中", Decimal("85.0"), False, True)
    assert interim.tone == "none"
    assert assessed(figures, today=datetime.date(2024, 3, 31)).is_interim  # the year's last day is still in it
    final = assessed(figures, today=AFTER_FY2023)
    assert (final.label, final.rate, final.is_interim) == ("概ね達成", Decimal("85.0"), False)
    # Counted as a state, not a grade, in every rollup.
    summary = achievement.grade_plan(plan, today=DURING_FY2023).rollup(2023).plan
    assert summary.counts["年度途中"] == 1 and summary.counts["概ね達成"] == 0
    assert summary.labels.index("年度途中") > summary.labels.index("未達成")


def test_an_interim_milestone_says_whether_its_stage_is_reached_but_takes_no_grade(plan, measure):
    indicator = make_indicator(measure, kind=Indicator.Kind.MILESTONE, unit="")
    stages = [MilestoneStage.objects.create(indicator=indicator, position=i, label=label)
              for i, label in enumerate(["検討80%", "条例への反映"], 1)]
    figures = IndicatorYear.objects.create(indicator=indicator, fiscal_year=2023, target_status="set",
                                           target_stage=stages[1], result_stage=stages[0])
    interim = assessed(figures, today=datetime.date(2023, 9, 1))
    assert (interim.label, interim.reached, interim.is_grade) == ("年度途中", False, False)
    assert assessed(figures, today=AFTER_FY2023).label == "未達成"


def test_cumulative_compares_the_running_total(plan, measure):
    indicator = make_indicator(measure, is_cumulative=True, unit="円")
    for fy, target, result in [(2023, 2500000, 2000000), (2024, 5000000, 3000000), (2025, 7500000, None)]:
        year(indicator, fiscal_year=fy, target=target, result=result)
    year(indicator, fiscal_year=2026, target=10000000, result=9999)  # after a missing year
    result = achievement.grade_plan(plan, today=datetime.date(2027, 4, 1)).assessments
    assert result[(indicator.pk, 2023)].rate == Decimal("80.0")
    assert result[(indicator.pk, 2024)].running_total == Decimal(5000000)
    assert result[(indicator.pk, 2024)].label == "達成"
    assert result[(indicator.pk, 2025)].label == "未報告"
    assert result[(indicator.pk, 2026)].label == "未報告"  # the running total is unknown


def test_milestones_reached_or_not(plan, measure):
    indicator = make_indicator(measure, kind=Indicator.Kind.MILESTONE, unit="")
    stages = [MilestoneStage.objects.create(indicator=indicator, position=i, label=label)
              for i, label in enumerate(["検討80%", "条例への反映", "実施"], 1)]
    def milestone(fy, target, result):
        return IndicatorYear.objects.create(indicator=indicator, fiscal_year=fy, target_status="set",
                                            target_stage=stages[target], result_stage=None if result is None else stages[result])
    reached = assessed(milestone(2023, 1, 2), today=datetime.date(2025, 4, 1))
    assert (reached.reached, reached.label, reached.rate) == (True, "達成", None)
    exactly = assessed(milestone(2024, 1, 1), today=datetime.date(2025, 4, 1))
    assert exactly.reached
    behind = assessed(milestone(2025, 2, 0), today=datetime.date(2027, 4, 1))
    assert (behind.reached, behind.label) == (False, "未達成")


def test_the_latest_graded_years_and_the_trend_between_them(plan, measure):
    rising = make_indicator(measure, 1)
    for fy, result in [(2023, 80), (2024, 95), (2025, 90)]:  # FY2025 is under way: interim
        year(rising, fiscal_year=fy, target=100, result=result)
    lower = make_indicator(measure, 2, direction=Indicator.Direction.LOWER_IS_BETTER)
    year(lower, fiscal_year=2023, target=100, result=90)  # 110.0%
    year(lower, fiscal_year=2024, target=100, result=None)  # 未報告: skipped
    silent = make_indicator(measure, 3)
    year(silent, fiscal_year=2023, target=100, result=None)
    grading = achievement.grade_plan(plan, today=datetime.date(2025, 10, 1))
    assert grading.latest_graded_year() == 2024  # FY2025's result is interim, not final
    assert grading.latest_graded(rising.pk) == (2024, 2023)
    assert grading.latest_graded(lower.pk) == (2023, None)
    assert grading.latest_graded(silent.pk) == (None, None)
    assert achievement.trend(grading.of(rising.pk, 2023), grading.of(rising.pk, 2024)) == "改善"
    assert achievement.trend(grading.of(rising.pk, 2024), grading.of(rising.pk, 2023)) == "悪化"
    assert achievement.trend(grading.of(rising.pk, 2024), grading.of(rising.pk, 2024)) == "横ばい"
    # Milestones have no rate: the grade decides.
    reached = achievement.Assessment("達成", reached=True, rank=0, band_count=3)
    missed = achievement.Assessment("未達成", reached=False, rank=2, band_count=3)
    assert (achievement.trend(missed, reached), achievement.trend(reached, missed)) == ("改善", "悪化")
    assert achievement.trend(reached, reached) == "横ばい"
    # Counts per fiscal year in one pass, the same as each year's rollup.
    by_year = grading.by_year(plan.fiscal_years)
    assert list(by_year) == [2023, 2024, 2025, 2026]
    for fy in (2023, 2024, 2025):
        assert by_year[fy].counts == grading.rollup(fy).plan.counts
    assert by_year[2025].counts == {"年度途中": 1}
    assert by_year[2026].total == 0
    assert achievement.grade_plan(plan, today=datetime.date(2023, 10, 1)).latest_graded_year() is None


def test_bands_belong_to_the_plan(plan, measure):
    figures = year(make_indicator(measure), target=100, result=85)
    assert assessed(figures, bands=achievement.plan_bands(plan)).label == "概ね達成"  # defaults
    for label, rate in [("S", 100), ("A", 90), ("B", 60), ("C", 0)]:
        GradeBand.objects.create(plan=plan, label=label, min_rate=rate)
    plan = Plan.objects.get(pk=plan.pk)
    bands = achievement.plan_bands(plan)
    assert [b.label for b in bands] == ["S", "A", "B", "C"]
    assessment = assessed(figures, bands=bands)
    assert (assessment.label, assessment.rank, assessment.tone) == ("B", 2, "middle")


def test_rollup_counts_every_grade_and_state_in_bounded_queries(seed_plan, django_assert_max_num_queries):
    indicator_year = IndicatorYear.objects.get(indicator__measure__number=2, indicator__slot=1, fiscal_year=2023)
    indicator_year.result_value = 96000  # overtime: lower is better → 99.0% → 概ね達成
    indicator_year.save()
    with django_assert_max_num_queries(2):
        rollup = achievement.rollup(seed_plan, 2023, today=AFTER_FY2023)
    assert rollup.plan.total == 23
    assert rollup.plan.counts["概ね達成"] == 1
    assert rollup.plan.counts["未報告"] == 22
    assert dict(rollup.plan.rows())["対象外"] == 0
    measure2 = seed_plan.measures.get(number=2)
    assert rollup.measures[measure2.pk].counts == {"概ね達成": 1, "未報告": 1}
    assert rollup.pillars[measure2.pillar_id].total == 3  # ヒト: measure 1 (one) and 2 (two)
    late = achievement.rollup(seed_plan, 2026, today=AFTER_FY2023)
    assert +late.plan.counts == {"集計中": 9, "目標未設定": 13, "対象外": 1}


def test_rollup_queries_do_not_grow_with_the_plan(plan, django_assert_max_num_queries):
    pillar = Pillar.objects.create(plan=plan, number=1, name="ヒト")
    for number in range(1, 41):
        measure = Measure.objects.create(plan=plan, pillar=pillar, number=number, title=f"項目{number}")
        indicator = make_indicator(measure, is_cumulative=number % 2 == 0)
        for fy in plan.fiscal_years:
            year(indicator, fiscal_year=fy, target=10, result=number % 12)
    with CaptureQueriesContext(connection) as queries:
        rollup = achievement.rollup(plan, 2024, today=datetime.date(2030, 1, 1))
    assert len(queries) == 2
    assert rollup.plan.total == 40


def test_grading_is_exact_on_every_database(measure):
    """Values round-trip through the database's decimal type before grading."""
    indicator = make_indicator(measure)
    figures = year(indicator, target="0.3333", result="0.2666")
    assert assessed(figures).rate == Decimal("80.0")  # 79.99...: half-up to one place
    assert assessed(figures).label == "概ね達成"
    # The largest values the fields hold: SQLite keeps decimals as doubles, exact to 15 digits.
    big = year(indicator, fiscal_year=2024, target="99999999999.9999", result="79999999999.9999")
    assert assessed(big, today=datetime.date(2025, 4, 1)).label == "概ね達成"


values = st.decimals(min_value=0, max_value=10**11, places=4, allow_nan=False, allow_infinity=False)
targets = st.decimals(min_value=0, max_value=10**11, places=4, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(target=targets, worse=values, better=values)
def test_a_better_result_never_gets_a_worse_grade(target, worse, better):
    worse, better = sorted([worse, better])
    higher = [rate_of(v, target, lower_is_better=False) for v in (worse, better)]
    assert achievement.grade(higher[1], DEFAULT_BANDS)[0] <= achievement.grade(higher[0], DEFAULT_BANDS)[0]
    # lower is better: the smaller value is the better result
    rate_of_smaller, rate_of_larger = (rate_of(v, target, lower_is_better=True) for v in (worse, better))
    assert rate_of_smaller >= rate_of_larger
    assert achievement.grade(rate_of_smaller, DEFAULT_BANDS)[0] <= achievement.grade(rate_of_larger, DEFAULT_BANDS)[0]


@settings(max_examples=100, deadline=None)
@given(rates=st.lists(st.decimals(min_value=0, max_value=300, places=1), min_size=2, max_size=2))
def test_grades_follow_the_rate_in_any_bands(rates):
    bands = (Band("S", Decimal(100)), Band("A", Decimal("90.5")), Band("B", Decimal(50)), Band("C", Decimal(0)))
    low, high = sorted(rates)
    assert achievement.grade(high, bands)[0] <= achievement.grade(low, bands)[0]
