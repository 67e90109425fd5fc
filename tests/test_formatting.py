"""Figures as the city writes them (core/formatting.py): 億・万 for large amounts, nothing rounded."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from core.formatting import format_large, format_quantity, format_value
from core.parsing import parse_quantity


@pytest.mark.parametrize("value, written", [
    (350_000_000, "3億5,000万"), (400_000_000, "4億"), (375_000_000, "3億7,500万"), (10_000_000, "1,000万"),
    (1_404_728, "140万4,728"), (100_000_001, "1億1"), (1_2345_6789_0000, "1兆2,345億6,789万"), (0, "0"),
    (-250_0000, "-250万"),
])
def test_large_numbers_are_grouped_in_man_oku_and_cho(value, written):
    assert format_large(value) == written


@pytest.mark.parametrize("value, places, unit, written", [
    ("350000000", 0, "円", "3億5,000万円"),  # the example
    ("2500000", 0, "円", "250万円"),  # money from 1万
    ("9999", 0, "円", "9,999円"),
    ("95000", 0, "時間", "95,000時間"),  # other units keep their digits below 1億
    ("150000000", 0, "人", "1億5,000万人"),
    ("0.28", 2, "%", "0.28%"),
    ("12345.5", 1, "円", "12,345.5円"),  # a fraction keeps the digits: nothing is rounded
])
def test_values_on_pages(value, places, unit, written):
    indicator = SimpleNamespace(decimal_places=places, unit=unit)
    assert format_value(indicator, Decimal(value)) == written


@pytest.mark.parametrize("value", ["350000000", "1404728", "2500000", "100000001"])
def test_what_pages_print_reads_back_as_the_same_number(value):
    """Staff may copy a figure from a page into a form: the parser reads 億・万 back exactly."""
    written = format_quantity(Decimal(value), 0, "円") + "円"
    assert parse_quantity(written, unit="円", decimal_places=0) == Decimal(value)
