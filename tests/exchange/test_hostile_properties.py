"""Issue 9, property-based: whatever a cell holds, the readers answer with problems or a result.

Random and hostile values (control characters, huge and tiny numbers, NaN written as text or as a
raw value, non-ASCII digits, texts longer than a cell, leading = + - @) are put into a valid
exported workbook, with openpyxl where it can write them and in the sheet XML where it cannot.
The readers must never raise, and a refused file must save nothing.
"""

import io
import json
import math

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError

from exchange import result_template
from exchange.cells import CELL_TEXT_LIMIT, number_text, text_cell, uploaded_text, workbook_text
from exchange.plan_workbook import export_plan, import_plan
from indicators.models import IndicatorYear
from reports.models import ResultEntry
from plans import permissions
from reports import workflow
from plans.models import Measure, Plan
from reports.models import ProgressNote

from .helpers import edited, open_xlsx, raw_number, raw_text, row_of, with_raw_cell
from .test_plan_workbook import renamed
from .test_result_template import rows_by_key

EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

HOSTILE_WORDS = [
    "NaN", "nan", "inf", "-inf", "Infinity", "1E309", "-1E309", "1e-400", "-0", "0.285", "0.28", "95000",
    "²", "①", "٣", "１，８５４", "３億５０００万円", "34,068時間", "3,4068", "1.5万", "▲5", "約3万",
    "=SUM(A1)", "+81", "-5", "@x", "\t=1", "'=1", "_x000B_", "一行目_x000D_\n二行目", "検討80%", "条例への反映",
    "未設定", "対象外", "令和5年度", "R99", "9" * 400,
]
texts = st.one_of(
    st.text(max_size=60),                                                       # any code point but lone surrogates
    st.text(alphabet=st.characters(max_codepoint=0x3000), max_size=30),         # dense in controls and digits
    st.sampled_from(HOSTILE_WORDS),
    st.tuples(st.sampled_from("=+-@\t"), st.text(max_size=20)).map("".join),
    st.integers(CELL_TEXT_LIMIT - 2, CELL_TEXT_LIMIT + 2).map(lambda n: "長" * n),
)
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.sampled_from([0, 1, 2, 0.1 + 0.2, 1e-300, 2**53 + 1, 99999999999.9999, 100000000000]),
)
raw_values = st.one_of(  # what a number cell's <v> may hold in a hand-made file
    st.sampled_from(["1E309", "-1E309", "NaN", "inf", "abc", "9" * 5000, "1e-400", "0x10", "", " 1 ", "1,000", "1.5.2"]),
    st.text(alphabet="0123456789eE+-.", min_size=1, max_size=30),
)
values = st.one_of(texts.map(lambda v: ("value", v)), numbers.map(lambda v: ("value", v)),
                   raw_values.map(lambda v: ("raw", v)), st.just(("value", None)))


def put(data: bytes, title: str, ref: str, kind_value) -> bytes:
    """The workbook with `value` in cell `ref`: written by openpyxl when it can, else in the sheet XML."""
    kind, value = kind_value
    if kind == "raw":
        return with_raw_cell(data, title, ref, raw_number(ref, value))
    if isinstance(value, str) and len(value) > CELL_TEXT_LIMIT:  # openpyxl would cut it
        return with_raw_cell(data, title, ref, raw_text(ref, value))
    try:
        return edited(data, lambda workbook: workbook[title].__setitem__(ref, value))
    except (IllegalCharacterError, ValueError, TypeError):  # a character or a number openpyxl will not write
        if isinstance(value, str):
            return with_raw_cell(data, title, ref, raw_text(ref, value))
        return with_raw_cell(data, title, ref, raw_number(ref, repr(value)))


def notes_of(report):
    return list(ProgressNote.objects.filter(report=report).order_by("pk").values_list("text", "version"))


def rolled_back(check):
    """Run `check` in a savepoint that is rolled back, so each example starts from the same data."""
    with transaction.atomic():
        check()
        transaction.set_rollback(True)


# ---------------------------------------------------------------- the result template reader

@pytest.fixture
def template(report, people):
    user = people["shokuin"]
    data = result_template.template_workbook(user, report)
    workbook = open_xlsx(data)
    rows = rows_by_key(workbook["結果"])
    cells = [("結果", f"G{rows[key][6].row}") for key in [(2, "①", "令和5年度"), (1, "①", "令和5年度"), (2, "②", "令和6年度")]]
    cells += [("結果", f"A{rows[(2, '①', '令和5年度')][0].row}"), ("結果", f"E{rows[(2, '②', '令和5年度')][4].row}"),
              ("活動経過", f"C{row_of(workbook['活動経過'], 2)[2].row}")]
    return user, report, data, cells


@EXAMPLES
@given(where=st.integers(0, 5), value=values)
def test_any_value_in_a_result_template_gives_problems_or_a_preview_and_saves_all_or_nothing(template, where, value):
    user, report, data, cells = template
    title, ref = cells[where]
    data = put(data, title, ref, value)

    def check():
        before = (ResultEntry.objects.count(), notes_of(report))
        upload = result_template.read_upload(user, report, data)
        assert all(p.message for p in upload.problems)
        if not upload.ok:
            assert upload.problems[0].sheet in ("結果", "活動経過")
            after = (ResultEntry.objects.count(), notes_of(report))
            assert after == before
            return
        session = json.loads(json.dumps(upload.as_session()))  # kept in the session between preview and saving
        try:
            result_template.save_upload(user, session)
        except (ValidationError, permissions.NotAllowed, workflow.EditConflict):
            after = (ResultEntry.objects.count(), notes_of(report))
            assert after == before
    rolled_back(check)


# ---------------------------------------------------------------- the plan workbook reader

PLAN_CELLS = [("目標値", "D6"), ("目標値", "D2"), ("推進項目", "C2"), ("推進項目", "A3"), ("指標", "C3"), ("指標", "F3"),
              ("評価区分", "B2"), ("計画", "B3"), ("担当課", "D2"), ("目標値", "C7")]


@pytest.fixture
def plan_book(seed_plan):
    return renamed(export_plan(seed_plan))


@EXAMPLES
@given(where=st.integers(0, len(PLAN_CELLS) - 1), value=values)
def test_any_value_in_a_plan_workbook_gives_problems_or_a_plan_and_saves_all_or_nothing(plan_book, where, value):
    title, ref = PLAN_CELLS[where]
    data = put(plan_book, title, ref, value)

    def check():
        before = (Plan.objects.count(), Measure.objects.count(), IndicatorYear.objects.count())
        result = import_plan(data)
        assert all(p.message for p in result.problems)
        after = (Plan.objects.count(), Measure.objects.count(), IndicatorYear.objects.count())
        if result.ok:
            assert result.created is not None and after[0] == before[0] + 1
            figures = IndicatorYear.objects.filter(indicator__measure__plan=result.created)
            assert all(y.target_value is None or math.isfinite(y.target_value) for y in figures)
        else:
            assert result.created is None and after == before
    rolled_back(check)


# ---------------------------------------------------------------- the text and number helpers

@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_is_written_to_a_workbook_as_text(value):
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("s")
    value = value[:CELL_TEXT_LIMIT]
    sheet.append([text_cell(sheet, value)])
    output = io.BytesIO()
    workbook.save(output)
    cell = openpyxl.load_workbook(io.BytesIO(output.getvalue()))["s"]["A1"]
    assert (cell.value or "") == workbook_text(value)
    assert cell.data_type == "s" or not value


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_an_uploaded_text_can_always_be_written_back(value):
    assert workbook_text(uploaded_text(value)) == uploaded_text(value)
    assert "\r" not in uploaded_text(value)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-(10**40), 10**40)))
def test_a_number_reads_as_the_digits_a_spreadsheet_shows(value):
    text = number_text(value)
    assert "e" not in text.lower()
    if isinstance(value, float):
        assert float(text) == float(format(value, ".15g"))
    else:
        assert int(text) == value
