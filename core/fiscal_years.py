"""Fiscal years (年度): the one place that names and parses them.

A fiscal year runs from April 1 to March 31 and is stored as the Gregorian
year it starts in (2023 = 令和5年度 = R5). Eras change mid-year; a fiscal year
is named in the era of its calendar year, as municipalities write it: FY1989
is 平成元年度, FY2019 is 令和元年度 (平成31年度 is read as well).
"""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata
from dataclasses import dataclass

from .parsing import ParseError, is_other_digit


@dataclass(frozen=True)
class Era:
    name: str
    short: str
    first_fiscal_year: int  # the fiscal year that is this era's 元年度


# Newest first, so the first era whose first year is not after the fiscal year wins.
ERAS = (
    Era("令和", "R", 2019),
    Era("平成", "H", 1989),
    Era("昭和", "S", 1926),
)
EARLIEST_FISCAL_YEAR = ERAS[-1].first_fiscal_year
# The last fiscal year whose report (up to a year after it ends) still has a calendar date.
LATEST_FISCAL_YEAR = 9997
# The first day an era name can be given to (昭和元年12月25日).
EARLIEST_DATE = datetime.date(1926, 12, 25)


def era_of(fiscal_year: int) -> tuple[Era, int]:
    """The era and the year within it (1 for 元年) of a fiscal year."""
    for era in ERAS:
        if fiscal_year >= era.first_fiscal_year:
            return era, fiscal_year - era.first_fiscal_year + 1
    raise ValueError(f"{fiscal_year}年度は扱えません（{EARLIEST_FISCAL_YEAR}年度以降を指定してください）。")


@functools.lru_cache(maxsize=512)  # pages name the same few years thousands of times
def era_name(fiscal_year: int) -> str:
    """令和5年度, 令和元年度, 昭和60年度."""
    era, year = era_of(fiscal_year)
    return f"{era.name}{'元' if year == 1 else year}年度"


def short_name(fiscal_year: int) -> str:
    """R5, H30, S60: the short form the source's tables use."""
    era, year = era_of(fiscal_year)
    return f"{era.short}{year}"


_ERA_PATTERN = re.compile(r"^(?P<era>令和|平成|昭和|[RHS])(?P<year>元|[0-9]{1,2})(?:年度?)?$")
_GREGORIAN_PATTERN = re.compile(r"^(?P<year>[0-9]{4})(?:年度?)?$")


def parse(text: str) -> int:
    """The fiscal year a person wrote: 令和5年度, 令和元年度, R5, Ｒ５, 2023, 2023年度.

    Digits are half-width or full-width 0-9 only: NFKC would read 令和⑤ or 202³ as numbers,
    so the text is checked before it is normalised.
    """
    other = next((c for c in str(text) if is_other_digit(c)), None)
    if other is not None:
        raise ValueError(f"「{text}」の「{other}」は数字として読めません。半角または全角の数字で入力してください（例: 令和5年度、R5、2023）。")
    normalized = unicodedata.normalize("NFKC", str(text)).strip().upper().replace(" ", "")
    match = _GREGORIAN_PATTERN.match(normalized)
    if match:
        fiscal_year = int(match["year"])
        era_of(fiscal_year)  # refuses years before the supported eras
        return fiscal_year
    match = _ERA_PATTERN.match(normalized)
    if not match:
        raise ValueError(f"「{text}」は年度として読めません（例: 令和5年度、R5、2023）。")
    era = next(e for e in ERAS if match["era"] in (e.name, e.short))
    year = 1 if match["year"] == "元" else int(match["year"])
    if year < 1:
        raise ValueError(f"「{text}」は年度として読めません（例: 令和5年度、R5、2023）。")
    fiscal_year = era.first_fiscal_year + year - 1
    # 平成31年度 is how FY2019 was written before 令和 began on May 1: an era
    # name is right when it was in force on the fiscal year's first day, too.
    if era_of(fiscal_year)[0] != era and not era_date(first_day(fiscal_year)).startswith(era.name):
        raise ValueError(f"「{text}」はその元号の期間にありません。")
    return fiscal_year


def of_date(day: datetime.date) -> int:
    """The fiscal year a date falls in."""
    return day.year if day.month >= 4 else day.year - 1


def first_day(fiscal_year: int) -> datetime.date:
    return datetime.date(fiscal_year, 4, 1)


def last_day(fiscal_year: int) -> datetime.date:
    return datetime.date(fiscal_year + 1, 3, 31)


def has_ended(fiscal_year: int, today: datetime.date) -> bool:
    """After its last day (31 March): today falls in a later fiscal year. Asked for every year a page grades."""
    return fiscal_year < of_date(today)


# Calendar eras by their first day, newest first: for dating reports (令和5年9月1日現在).
_DATE_ERAS = (
    ("令和", datetime.date(2019, 5, 1)),
    ("平成", datetime.date(1989, 1, 8)),
    ("昭和", datetime.date(1926, 12, 25)),
)


def era_date(day: datetime.date) -> str:
    """A calendar date in era form: 令和5年9月1日."""
    for name, first in _DATE_ERAS:
        if day >= first:
            year = day.year - first.year + 1
            return f"{name}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    raise ValueError(f"{day.isoformat()} は扱えません。")


# --- calendar dates as people type them ------------------------------------------------------

# The forms a date may be typed in, for help texts and messages (full-width digits and
# punctuation are read too, and 元年 for the first year of an era).
DATE_FORMS_HELP = "2024-09-01、2024/9/1、2024年9月1日、令和6年9月1日、R6.9.1 のどれでも入力できます（全角の数字・記号も可。平成・昭和も可）。"
_SEPARATOR = r"[-/.年]"
_GREGORIAN_DATE = re.compile(rf"^(?P<year>[0-9]{{4}}){_SEPARATOR}(?P<month>[0-9]{{1,2}})(?:[-/.月])(?P<day>[0-9]{{1,2}})日?$")
_ERA_DATE = re.compile(
    rf"^(?P<era>令和|平成|昭和|[RHS])(?P<year>元|[0-9]{{1,2}}){_SEPARATOR}(?P<month>[0-9]{{1,2}})(?:[-/.月])(?P<day>[0-9]{{1,2}})日?$"
)
_DATE_ERA_SHORT = {"R": "令和", "H": "平成", "S": "昭和"}


def parse_date(text) -> datetime.date:
    """The calendar date a person typed: 2024-09-01, 2024/9/1, 2024年9月1日, 令和6年9月1日, R6.9.1.

    Full-width digits and punctuation (２０２４／９／１, Ｒ６．９．１), 元年 and the ligatures ㋿ ㍻ ㍼
    are read (NFKC); any other digit is refused before normalising, as for fiscal years. An era
    name must be in force on the date (平成31年5月1日 is refused: that day is 令和元年5月1日).
    Raises core.parsing.ParseError with a Japanese message; nothing else.
    """
    original = str(text).strip()
    other = next((c for c in original if is_other_digit(c)), None)
    if other is not None:
        raise ParseError(f"「{original}」の「{other}」は数字として読めません。半角または全角の数字で入力してください。{DATE_FORMS_HELP}")
    value = unicodedata.normalize("NFKC", original).strip().upper()
    value = re.sub(r"\s+", "", value)
    unreadable = ParseError(f"「{original}」は日付として読めません。{DATE_FORMS_HELP}")
    if not value:
        raise unreadable
    era_name = None
    match = _GREGORIAN_DATE.match(value)
    if match:
        year = int(match["year"])
    else:
        match = _ERA_DATE.match(value)
        if not match:
            raise unreadable
        era_name = _DATE_ERA_SHORT.get(match["era"], match["era"])
        era_year = 1 if match["year"] == "元" else int(match["year"])
        if era_year < 1:
            raise unreadable
        first = next(first for name, first in _DATE_ERAS if name == era_name)
        year = first.year + era_year - 1
    try:
        day = datetime.date(year, int(match["month"]), int(match["day"]))
    except ValueError:
        raise ParseError(f"「{original}」という日付はありません。月と日を確かめてください。") from None
    if era_name is not None:
        if day < EARLIEST_DATE:
            raise ParseError(f"「{original}」は扱えません。{era_date(EARLIEST_DATE)}以降の日付を入力してください。")
        if not era_date(day).startswith(era_name):
            raise ParseError(f"「{original}」はその元号の期間にありません（その日は{era_date(day)}です）。")
    return day
