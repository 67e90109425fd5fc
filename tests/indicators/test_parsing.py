"""Values as staff type them: core/parsing.py reads them or says, in Japanese, why not."""

import unicodedata
from decimal import Decimal

import pytest
from hypothesis import given, settings
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


# --- only the digits the README documents: half-width and full-width 0-9 --------------------------


@pytest.mark.parametrize(
    "text, culprit",
    [
        ("5²", "²"),  # NFKC would read 52
        ("①", "①"),  # NFKC would read 1
        ("٣", "٣"),  # Python's Decimal would read 3 (Arabic-Indic)
        ("۳٠", "۳"),  # Extended Arabic-Indic
        ("५", "५"),  # Devanagari
        ("𝟓𝟎", "𝟓"),  # mathematical bold
        ("１２³", "³"),
        ("⑩万", "⑩"),
        ("Ⅻ", "Ⅻ"),  # Roman numeral (Nl)
        ("¾", "¾"),
        ("１٢", "٢"),
    ],
)
def test_other_digits_are_refused_not_read(text, culprit):
    with pytest.raises(ParseError, match=f"「{culprit[0]}」は数字として読めません。半角または全角の数字"):
        parse_quantity(text, unit="件", decimal_places=2)


@pytest.mark.parametrize(
    "text, unit, expected",
    [
        ("100㎡", "㎡", Decimal(100)),  # a unit NFKC writes with a digit (m2)
        ("100 m²", "m²", Decimal(100)),
        ("350万円", "万円", Decimal(350)),  # a unit that starts with 万
        ("２５ ｈａ", "ha", Decimal(25)),
        ("1\u00a0234", "", None),  # a no-break space between digits is refused like a space
    ],
)
def test_units_are_matched_as_typed(text, unit, expected):
    if expected is None:
        with pytest.raises(ParseError):
            parse_quantity(text, unit=unit)
    else:
        assert parse_quantity(text, unit=unit) == expected


@pytest.mark.parametrize("text", ["1﹐000", "1․5", "1．5．", "1e5", "0x10", "NaN", "Infinity", "1_000", "５%５"])
def test_lookalikes_are_refused(text):
    with pytest.raises(ParseError):
        parse_quantity(text, unit="%", decimal_places=2)


UNITS = ["", "時間", "%", "円", "ha", "㎡", "万円"]
ALLOWED_NUMBER_TEXT = set("0123456789０１２３４５６７８９,，.．万億")


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.text(max_size=30),
        st.text(alphabet="0123456789０１２３４５６７８９,，.．万億 　²①٣𝟓-−%％時間円haｈａ㎡m\x00\x0b", max_size=20),
    ),
    st.sampled_from(UNITS),
    st.integers(min_value=0, max_value=4),
)
def test_parse_quantity_never_fails_otherwise(text, unit, places):
    """For any text: None, a Decimal in [0, MAX_VALUE] with at most `places` decimals, or a ParseError."""
    try:
        value = parse_quantity(text, unit=unit, decimal_places=places)
    except ParseError as error:
        assert error.message
        return
    if value is None:
        assert not normalize(text)
        return
    assert isinstance(value, Decimal) and value.is_finite()
    assert Decimal(0) <= value <= MAX_VALUE
    assert -value.as_tuple().exponent <= places
    # Accepted text holds only the documented characters: digits, commas, decimal point, 万億, spaces, the unit.
    unit_characters = set(unicodedata.normalize("NFKC", unit))
    for character in text:
        assert (
            character in ALLOWED_NUMBER_TEXT
            or character.isspace()
            or set(unicodedata.normalize("NFKC", character)) <= unit_characters
        ), (text, character)


@pytest.mark.parametrize("text", ["3億5000万円", "350万", "1億"])
def test_man_and_oku_are_not_mixed_with_a_unit_that_counts_in_them(text):
    with pytest.raises(ParseError, match="万・億を使わず"):
        parse_quantity(text, unit="万円")
