"""Dates and result precision as people type them (issue 13, point 4): the one date parser
(core.fiscal_years.parse_date) and the one decimal rule (core.parsing), as properties."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import fiscal_years
from core.formatting import format_number, shown_places
from core.parsing import ParseError, decimals_of, parse_quantity, result_precision_message

FULL_WIDTH = str.maketrans("0123456789/.-RHS", "０１２３４５６７８９／．－ＲＨＳ")
SHORT = {"令和": "R", "平成": "H", "昭和": "S"}


def era_parts(day: datetime.date) -> tuple[str, int]:
    """The era in force on `day` and the year within it, read from era_date (the names' one home)."""
    text = fiscal_years.era_date(day)
    era = text[:2]
    year = text[2:].split("年")[0]
    return era, 1 if year == "元" else int(year)


def typed_forms(day: datetime.date) -> list[str]:
    era, year = era_parts(day)
    forms = [
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}年{day.month}月{day.day}日",
        fiscal_years.era_date(day),  # 令和6年9月1日, 令和元年5月1日
        f"{era}{year}年{day.month}月{day.day}日",  # 令和1年… as well as 令和元年…
        f"{SHORT[era]}{year}.{day.month}.{day.day}",
        f"{SHORT[era]}{year}/{day.month:02}/{day.day:02}",
    ]
    return forms + [form.translate(FULL_WIDTH) for form in forms]


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=datetime.date(1989, 1, 1), max_value=datetime.date(2100, 12, 31)))
def test_every_accepted_form_of_a_date_reads_back_as_that_date(day):
    for text in typed_forms(day):
        assert fiscal_years.parse_date(text) == day, text
        assert fiscal_years.parse_date(f" {text}\u3000") == day  # spaces around, half or full width


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=30) | st.from_regex(r"\A[令和平成昭RHS元0-9０-９年月日/.\-]{0,14}\Z"))
def test_anything_else_is_refused_only_with_the_parsers_own_message(text):
    try:
        day = fiscal_years.parse_date(text)
    except ParseError as error:
        assert error.message and "。" in error.message  # a Japanese sentence, for the person who typed it
    else:
        assert isinstance(day, datetime.date)


@pytest.mark.parametrize("text, day", [
    ("2024/9/1", datetime.date(2024, 9, 1)),
    ("令和6年10月15日", datetime.date(2024, 10, 15)),
    ("R6.9.1", datetime.date(2024, 9, 1)),
    ("ｒ６．９．１", datetime.date(2024, 9, 1)),
    ("令和元年5月1日", datetime.date(2019, 5, 1)),
    ("平成31年4月30日", datetime.date(2019, 4, 30)),
    ("H1.1.8", datetime.date(1989, 1, 8)),
    ("S64.1.7", datetime.date(1989, 1, 7)),
    ("㋿6年9月1日", datetime.date(2024, 9, 1)),
])
def test_dates_as_the_city_writes_them(text, day):
    assert fiscal_years.parse_date(text) == day


@pytest.mark.parametrize("text, message", [
    ("平成31年5月1日", "その日は令和元年5月1日です"),  # 令和 had begun
    ("2024/2/30", "という日付はありません"),
    ("2024年9月", "日付として読めません"),
    ("R６.9.1²", "数字として読めません"),
    ("大正5年1月1日", "令和6年9月1日、R6.9.1"),  # the message names the forms it reads
])
def test_refusals_say_why(text, message):
    with pytest.raises(ParseError, match=message):
        fiscal_years.parse_date(text)


decimals = st.decimals(min_value=0, max_value=Decimal("99999999"), places=4, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(value=decimals, places=st.integers(min_value=0, max_value=4))
def test_a_result_is_accepted_exactly_when_it_has_no_more_decimals_than_allowed(value, places):
    text = format_number(value, decimals_of(value))
    if decimals_of(value) <= places:
        assert parse_quantity(text, decimal_places=places, message=result_precision_message) == value
    else:
        with pytest.raises(ParseError) as refused:
            parse_quantity(text, decimal_places=places, message=result_precision_message)
        expected = "整数で入力" if places == 0 else f"小数点以下{places}桁まで入力できます。"
        assert expected in refused.value.message


@settings(max_examples=300, deadline=None)
@given(value=decimals, shown=st.integers(min_value=0, max_value=4))
def test_a_result_shown_in_a_form_reads_back_as_the_same_value(value, shown):
    """What the entry form shows (the target's decimals, or more when the result has more) parses back unchanged,
    so saving a page unchanged changes no result."""
    text = format_number(value, shown_places(value, shown))
    assert parse_quantity(text, decimal_places=4) == value
