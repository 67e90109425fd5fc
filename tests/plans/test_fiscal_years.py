import datetime

import pytest

from core import fiscal_years


@pytest.mark.parametrize(
    "fiscal_year, era_name, short",
    [
        (1926, "昭和元年度", "S1"),
        (1985, "昭和60年度", "S60"),
        (1988, "昭和63年度", "S63"),
        (1989, "平成元年度", "H1"),
        (2018, "平成30年度", "H30"),
        (2019, "令和元年度", "R1"),
        (2023, "令和5年度", "R5"),
        (2026, "令和8年度", "R8"),
        (2027, "令和9年度", "R9"),
    ],
)
def test_names_and_parses_back(fiscal_year, era_name, short):
    assert fiscal_years.era_name(fiscal_year) == era_name
    assert fiscal_years.short_name(fiscal_year) == short
    assert fiscal_years.parse(era_name) == fiscal_year
    assert fiscal_years.parse(short) == fiscal_year


@pytest.mark.parametrize(
    "text, fiscal_year",
    [("R5", 2023), ("Ｒ５", 2023), ("r5", 2023), ("令和５年度", 2023), ("2023", 2023), ("２０２３年度", 2023),
     ("H31", 2019), ("平成31年度", 2019), (" 令和元年 ", 2019)],
)
def test_parses_what_people_type(text, fiscal_year):
    assert fiscal_years.parse(text) == fiscal_year


@pytest.mark.parametrize("text", ["", "令和", "R", "大正5年度", "1900", "R0", "昭和65年度", "five"])
def test_refuses_what_is_not_a_fiscal_year_in_japanese(text):
    with pytest.raises(ValueError) as error:
        fiscal_years.parse(text)
    assert "年度" in str(error.value) or "元号" in str(error.value)


def test_years_before_showa_are_refused():
    with pytest.raises(ValueError):
        fiscal_years.era_name(1925)


@pytest.mark.parametrize(
    "day, fiscal_year",
    [
        (datetime.date(2023, 4, 1), 2023),
        (datetime.date(2024, 3, 31), 2023),
        (datetime.date(2023, 3, 31), 2022),
        (datetime.date(2023, 9, 1), 2023),
    ],
)
def test_fiscal_year_of_a_date(day, fiscal_year):
    assert fiscal_years.of_date(day) == fiscal_year


def test_first_and_last_day_and_end():
    assert fiscal_years.first_day(2023) == datetime.date(2023, 4, 1)
    assert fiscal_years.last_day(2023) == datetime.date(2024, 3, 31)
    assert not fiscal_years.has_ended(2023, datetime.date(2024, 3, 31))
    assert fiscal_years.has_ended(2023, datetime.date(2024, 4, 1))


@pytest.mark.parametrize(
    "day, text",
    [
        (datetime.date(2023, 9, 1), "令和5年9月1日"),
        (datetime.date(2019, 5, 1), "令和元年5月1日"),
        (datetime.date(2019, 4, 30), "平成31年4月30日"),
        (datetime.date(1989, 1, 8), "平成元年1月8日"),
        (datetime.date(1989, 1, 7), "昭和64年1月7日"),
    ],
)
def test_era_dates(day, text):
    assert fiscal_years.era_date(day) == text


@pytest.mark.parametrize("text, culprit", [
    ("令和⑤年度", "⑤"), ("202³", "³"), ("R٥", "٥"), ("𝟐𝟎𝟐𝟑", "𝟐"), ("平成३०年度", "३"), ("令和５²年度", "²"),
])
def test_only_half_and_full_width_digits_name_a_year(text, culprit):
    with pytest.raises(ValueError, match=f"「{culprit}」は数字として読めません"):
        fiscal_years.parse(text)


def test_full_width_and_era_symbols_still_read():
    assert fiscal_years.parse("令和５年度") == 2023
    assert fiscal_years.parse("２０２３") == 2023
    assert fiscal_years.parse("㍻30年度") == 2018
