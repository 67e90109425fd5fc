"""Values as staff type them: core/parsing.py reads them or says, in Japanese, why not."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.parsing import MAX_VALUE, ParseError, normalize, parse_quantity, parse_stage


@pytest.mark.parametrize(
    "text, unit, places, expected",
    [
        ("34,068時間", "時間", 0, Decimal(34068)),
        ("34068", "時間", 0, Decimal(34068)),
        ("34,068 時間", "時間", 0, Decimal(34068)),
        ("１，８５４", "人", 0, Decimal(1854)),
        ("１８５４人", "人", 0, Decimal(1854)),
        ("0.28%", "%", 2, Decimal("0.28")),
        ("０．２８％", "%", 2, Decimal("0.28")),
        ("0.280", "%", 2, Decimal("0.28")),
        ("350,000,000円", "円", 0, Decimal(350_000_000)),
        ("3億5000万円", "円", 0, Decimal(350_000_000)),
        ("３億５，０００万", "円", 0, Decimal(350_000_000)),
        ("1.5万", "人", 0, Decimal(15_000)),
        ("25ha", "ha", 0, Decimal(25)),
        ("２５ｈａ", "ha", 0, Decimal(25)),
        ("0", "件", 0, Decimal(0)),
        ("  12  ", "", 0, Decimal(12)),
    ],
)
def test_reads_what_staff_type(text, unit, places, expected):
    value = parse_quantity(text, unit=unit, decimal_places=places)
    assert value == expected
    assert -value.as_tuple().exponent <= places  # never more decimals than the indicator shows


@pytest.mark.parametrize("text", [None, "", "   ", "　"])
def test_blank_is_no_value(text):
    assert parse_quantity(text, unit="件") is None


@pytest.mark.parametrize(
    "text, unit, places, message",
    [
        ("-5", "件", 0, "負の数は入力できません"),
        ("－５", "件", 0, "負の数は入力できません"),
        ("△1,000", "円", 0, "負の数は入力できません"),
        ("▲1,000", "円", 0, "負の数は入力できません"),
        ("マイナス3", "件", 0, "負の数は入力できません"),
        ("3,4068", "件", 0, "カンマの位置が正しくありません"),
        ("34,06", "件", 0, "カンマの位置が正しくありません"),
        ("34,068件", "時間", 0, "この指標の単位は「時間」です"),
        ("3万人程度", "人", 0, "この指標の単位は「人」です"),
        ("約3万", "人", 0, "数値として読めません"),
        ("abc", "件", 0, "数値として読めません"),
        ("12 34", "件", 0, "数値として読めません"),
        ("1.", "件", 0, "数値として読めません"),
        ("34068.5", "時間", 0, "整数で入力してください"),
        ("0.283", "%", 2, "小数点以下2桁まで"),
        ("100000000000", "円", 0, "値が大きすぎます"),
        ("1" * 40, "円", 0, "値が大きすぎます"),
        ("5個", "", 0, "この指標には単位がありません"),
    ],
)
def test_refuses_with_a_japanese_reason(text, unit, places, message):
    with pytest.raises(ParseError, match=message) as failure:
        parse_quantity(text, unit=unit, decimal_places=places)
    assert isinstance(failure.value, ValueError)


@given(st.decimals(min_value=0, max_value=MAX_VALUE, places=2, allow_nan=False, allow_infinity=False))
def test_formatted_values_read_back(value):
    """Whatever the site shows (34,068.25) reads back as the same number, in full width too."""
    shown = f"{value:,.2f}"
    assert parse_quantity(shown, decimal_places=2) == value
    full_width = shown.translate(str.maketrans("0123456789,.", "０１２３４５６７８９，．"))
    assert parse_quantity(full_width + "％", unit="%", decimal_places=2) == value


class Stage:
    def __init__(self, label):
        self.label = label


def test_stages_by_label():
    stages = [Stage("検討80%"), Stage("条例への反映"), Stage("実施")]
    assert parse_stage("検討８０％", stages) is stages[0]
    assert parse_stage(" 実施 ", stages) is stages[2]
    assert parse_stage("", stages) is None
    with pytest.raises(ParseError, match="「完了」はこの指標の段階にありません。「検討80%」、「条例への反映」、「実施」"):
        parse_stage("完了", stages)


def test_normalize_keeps_spaces_between_digits():
    assert normalize("　１２　") == "12"
    assert normalize("1 2") == "1 2"
