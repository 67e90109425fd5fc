"""indicators.plausibility: warnings for results that look mistyped; they never refuse a value."""

from decimal import Decimal
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from core.formatting import format_value
from indicators import plausibility as p


def indicator(*, unit="時間", decimal_places=0, cumulative=False, milestone=False):
    return SimpleNamespace(unit=unit, decimal_places=decimal_places, is_cumulative=cumulative, is_milestone=milestone)


def codes(warnings):
    return [w.code for w in warnings]


def test_the_published_mistake_is_far_from_its_target():
    # 1,854時間 against 90,300時間 was published as 達成 197.9%.
    warnings = p.check(indicator(), Decimal(1854), target=Decimal(90300))
    assert codes(warnings) == [p.FAR_FROM_TARGET]
    assert warnings[0].message == "目標値（90,300時間）の3分の1未満です。入力の誤りがないか確かめてください。"


def test_within_the_factor_of_three_no_warning():
    assert p.check(indicator(), Decimal(31667), target=Decimal(90300), previous=Decimal(95000)) == []
    assert p.check(indicator(), Decimal(270900), target=Decimal(90300)) == []


def test_just_past_the_factor_warns_both_ways():
    assert codes(p.check(indicator(), Decimal(30099), target=Decimal(90300))) == [p.FAR_FROM_TARGET]
    warnings = p.check(indicator(), Decimal(270901), target=Decimal(90300))
    assert "3倍を超えています" in warnings[0].message


def test_far_from_the_previous_year():
    warnings = p.check(indicator(), Decimal(30000), target=Decimal(35000), previous=Decimal(98500))
    assert codes(warnings) == [p.FAR_FROM_PREVIOUS]
    assert "前年度の結果（98,500時間）" in warnings[0].message


def test_typed_in_thousands_or_ten_thousands():
    yen = indicator(unit="円")
    # 350,000 typed meaning 3億5,000万円 (in thousands): a thousandth of the target.
    warnings = p.check(yen, Decimal(350000), target=Decimal(350000000))
    assert codes(warnings) == [p.UNIT_VS_TARGET]
    assert "約1,000分の1" in warnings[0].message and "千" in warnings[0].message
    # 35,000 meaning 3億5,000万円 in 万: a ten-thousandth.
    assert "万" in p.check(yen, Decimal(35000), target=Decimal(350000000))[0].message
    # Digits added: ten thousand times last year's result.
    warnings = p.check(indicator(unit="件"), Decimal(120000), previous=Decimal(12))
    assert codes(warnings) == [p.UNIT_VS_PREVIOUS]
    assert "約10,000倍" in warnings[0].message


def test_a_hundred_times_is_far_not_another_unit():
    assert codes(p.check(indicator(), Decimal(100), target=Decimal(10000))) == [p.FAR_FROM_TARGET]


def test_cumulative_compares_its_running_total_and_warns_when_the_total_goes_down():
    yen = indicator(unit="円", cumulative=True)
    # The year's amount is small against the cumulative target; the running total is what counts.
    assert p.check(yen, Decimal(2_000_000), target=Decimal(5_000_000), running_total=Decimal(4_500_000),
                   published_total=Decimal(4_500_000)) == []
    warnings = p.check(yen, Decimal(500_000), target=Decimal(5_000_000), running_total=Decimal(3_000_000),
                       published_total=Decimal(4_500_000))
    assert codes(warnings) == [p.TOTAL_DECREASED]
    assert f"公表済みの累計（{format_value(yen, Decimal(4_500_000))}）より減っています" in warnings[0].message


def test_no_figure_to_compare_no_warning():
    assert p.check(indicator(), Decimal(5)) == []
    assert p.check(indicator(), Decimal(5), target=Decimal(0), previous=Decimal(0)) == []
    assert p.check(indicator(), None, target=Decimal(100)) == []
    assert p.check(indicator(milestone=True), Decimal(1), target=Decimal(1000)) == []


finite = st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), allow_nan=False, allow_infinity=False,
                     places=4)
any_decimal = st.one_of(st.none(), finite, st.decimals(allow_nan=True, allow_infinity=True))


@settings(max_examples=300, deadline=None)
@given(value=any_decimal, target=any_decimal, previous=any_decimal, running_total=any_decimal,
       published_total=any_decimal, cumulative=st.booleans(), places=st.integers(0, 4))
def test_never_raises_and_only_ever_warns(value, target, previous, running_total, published_total, cumulative, places):
    warnings = p.check(indicator(cumulative=cumulative, decimal_places=places), value, target=target,
                       previous=previous, running_total=running_total, published_total=published_total)
    # A list of warnings, each with a message: nothing that could stop a save.
    assert isinstance(warnings, list)
    assert all(isinstance(w, p.Warning) and w.message for w in warnings)
    assert len({w.code for w in warnings}) == len(warnings)


@settings(max_examples=200, deadline=None)
@given(target=st.decimals(min_value=1, max_value=Decimal("1e10"), places=0),
       factor=st.decimals(min_value=Decimal("0.34"), max_value=Decimal("2.99"), places=2))
def test_a_result_within_a_third_and_three_times_its_target_draws_no_warning(target, factor):
    assert p.check(indicator(), target * factor, target=target) == []
