"""Every workbook the system writes prints whole: texts wrap, rows are as tall as their texts, A4 set up.

Checked with openpyxl on the real files (no LibreOffice needed); tests/exchange/test_workbooks_printed.py prints them.
"""

import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st
from openpyxl.utils import get_column_letter

from exchange import result_template
from exchange.cells import MAX_ROW_LINES, MAX_ROW_POINTS, line_count, row_height, rows_of_text, text_columns
from exchange.plan_workbook import export_plan
from exchange.report_workbook import report_workbook
from reports.models import ProgressReport

from .helpers import open_xlsx


# ---------------------------------------------------------------- the measuring rule

def test_full_width_characters_count_double():
    assert text_columns("ABC123") == 6
    assert text_columns("現状と課題") == 10
    assert text_columns("３４，０６８時間") == 16  # full-width digits and comma
    assert text_columns("①※") == 4  # drawn full width by Japanese fonts
    assert text_columns("ｱｲｳ") == 3  # half-width katakana


def test_lines_follow_the_column_width_and_line_breaks():
    assert line_count("", 10) == 1
    assert line_count("あ" * 9, 20) == 1  # 18 columns in 18 usable
    assert line_count("あ" * 10, 20) == 2  # 20 columns: 5% and a column are kept back (glyphs, padding)
    assert line_count("A" * 18, 20) == 1 and line_count("A" * 19, 20) == 2
    assert line_count("あ" * 30, 22) == 4
    assert line_count("一行目\n\n三行目", 40) == 3
    assert row_height(3) > row_height(2) > row_height(1) > 15
    assert row_height(10_000) == MAX_ROW_POINTS


@hypothesis_settings(max_examples=60, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("あ漢A1 、。\n①"), max_size=4000),
       width=st.integers(min_value=4, max_value=120))
def test_a_text_spread_over_rows_loses_nothing_and_each_row_fits(text, width):
    pieces = rows_of_text(text, width)
    assert "".join(pieces) == text
    assert all(line_count(piece, width) <= MAX_ROW_LINES for piece in pieces)


def test_a_long_text_is_cut_at_a_line_break_or_a_sentence_end():
    paragraph = "改革を進めます。" * 40
    pieces = rows_of_text("\n".join([paragraph] * 6), 40)
    assert len(pieces) > 1
    assert all(piece.endswith(("\n", "。")) for piece in pieces[:-1])


# ---------------------------------------------------------------- the workbooks

def merged_width(sheet, cell) -> float:
    """The width of the cell, or of the merged range it starts."""
    for merged in sheet.merged_cells.ranges:
        if merged.min_row == cell.row and merged.min_col == cell.column:
            return sum(column_width(sheet, get_column_letter(c)) for c in range(merged.min_col, merged.max_col + 1))
    return column_width(sheet, cell.column_letter)


def column_width(sheet, letter) -> float:
    width = sheet.column_dimensions[letter].width
    return width if width else 8.43


def assert_prints_whole(workbook, *, sheets=None):
    for sheet in workbook.worksheets:
        if sheets is not None and sheet.title not in sheets:
            continue
        assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4), sheet.title
        assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0, sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value:
                    where = (sheet.title, cell.coordinate, cell.value[:20])
                    assert cell.alignment.wrap_text, where
                    height = sheet.row_dimensions[cell.row].height
                    assert height is not None and height <= MAX_ROW_POINTS, where
                    assert height >= row_height(line_count(cell.value, merged_width(sheet, cell))), where


@pytest.fixture(scope="module")
def seed_workbooks(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        report = ProgressReport.objects.get(plan__slug="2023-2026")
        return {"report": report_workbook(report), "plan": export_plan(report.plan)}


@pytest.mark.django_db
def test_the_report_workbook_wraps_every_text_in_rows_as_tall_as_it_needs(seed_workbooks):
    workbook = open_xlsx(seed_workbooks["report"])
    assert_prints_whole(workbook)
    measure = workbook["No.1"]
    assert measure.print_title_rows == "$1:$3"  # which measure a second page belongs to
    header = next(c for row in measure.iter_rows() for c in row if c.value == "目標値（各年度末時点）")
    assert header.alignment.wrap_text and measure.row_dimensions[header.row].height >= row_height(2)
    situation = next(row for row in measure.iter_rows() if row[0].value == "現状と課題")
    assert measure.row_dimensions[situation[0].row].height >= row_height(5)
    summary = workbook["一覧"]
    assert summary.page_setup.orientation == "landscape" and summary.print_title_rows == "$2:$2"


@pytest.mark.django_db
def test_a_narrative_taller_than_a_row_goes_on_in_the_rows_below(seed_plan):
    from reports.models import ProgressNote

    report = ProgressReport.objects.get(plan=seed_plan)
    narrative = "\n".join(f"{n}番目の取組を進めました。" * 8 for n in range(60))
    ProgressNote.objects.filter(report=report, measure__number=1).update(text=narrative)
    workbook = open_xlsx(report_workbook(report))
    sheet = workbook["No.1"]
    rows = [r for r in sheet.iter_rows() if str(r[0].value).startswith("令和5年度の活動経過")]
    assert len(rows) > 1 and rows[1][0].value == "令和5年度の活動経過・今後の予定（続き）"
    assert "".join(r[1].value for r in rows) == narrative
    assert_prints_whole(workbook, sheets={"No.1"})


@pytest.mark.django_db
def test_the_plan_workbook_prints_whole_with_its_header_row_on_every_page(seed_workbooks):
    workbook = open_xlsx(seed_workbooks["plan"])
    assert_prints_whole(workbook)
    for title in ("推進項目", "指標", "目標値"):
        assert workbook[title].print_title_rows == "$1:$1"
    assert workbook["推進項目"].page_setup.orientation == "landscape"


def test_the_result_template_prints_whole(report, people):
    workbook = open_xlsx(result_template.template_workbook(people["shokuin"], report))
    assert_prints_whole(workbook)
