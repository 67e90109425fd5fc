"""Issue 9, workbooks in: no uploaded file causes a server error, and nothing in it is silently lost.

Files are built the way they arrive: edited with openpyxl where it can write the value, and
at the XML level where it cannot (1E309, NaN, 5,000 digits, a million empty rows, a text
longer than a cell). Every refusal is a located problem, and nothing is saved.
"""

import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from exchange import result_template
from exchange.cells import uploaded_text
from exchange.plan_workbook import export_plan, import_plan
from indicators.models import GradeBand, Indicator, IndicatorYear
from reports.models import ResultEntry
from plans.models import Department, Measure
from reports.models import ProgressNote

from .helpers import MAIN_NS, edited, open_xlsx, raw_number, raw_text, rezipped, row_of, sheet_xml_edited, with_raw_cell
from .test_hostile_exports import assert_quoted, formula_like_plan
from .test_plan_workbook import problems_of, renamed, structure
from .test_result_template import rows_by_key


# ---------------------------------------------------------------- texts are normalised as typed text is

def test_uploaded_text_decodes_escapes_and_normalises_line_breaks_and_controls():
    assert uploaded_text("一行目_x000D_\n二行目\r\n三行目\r四_x000B_五\x0c六\t七") == "一行目\n二行目\n三行目\n四 五 六\t七"


def test_uploaded_texts_are_normalised_as_typed_text_is(report, people):
    """Excel writes a carriage return as _x000D_ and a word processor's line break as _x000B_; both arrive clean."""
    user = people["shokuin"]
    data = result_template.template_workbook(user, report)
    row = row_of(open_xlsx(data)["活動経過"], 2)[2].row
    data = with_raw_cell(data, "活動経過", f"C{row}", raw_text(f"C{row}", "一行目\r\n二行目\x0b三\x0c四"))
    upload = result_template.read_upload(user, report, data)
    assert upload.ok, upload.problems
    result_template.save_upload(user, upload.as_session())
    assert ProgressNote.objects.get(report=report, measure__number=2).text == "一行目\n二行目 三 四"


# ---------------------------------------------------------------- number cells a spreadsheet program would never write

MALFORMED = {
    "1E309": "1E309",                    # overflows to infinity
    "-1E309": "-1E309",
    "NaN": "NaN",
    "inf": "inf",
    "text": "abc",
    "5000 digits": "9" * 5000,           # past Python's int-from-text limit
}


BROKEN_CELLS = {
    "shared string out of range": '<c r="{ref}" t="s"><v>99999</v></c>',
    "shared string not a number": '<c r="{ref}" t="s"><v>abc</v></c>',
    "boolean not 0 or 1": '<c r="{ref}" t="b"><v>x</v></c>',
    "date not a date": '<c r="{ref}" t="d"><v>garbage</v></c>',
}


HOSTILE_CELLS = {name: raw_number("{ref}", value) for name, value in MALFORMED.items()} | BROKEN_CELLS


def target_row(data, measure, slot, year="令和5年度"):
    return row_of(open_xlsx(data)["目標値"], measure, slot, year)[0].row


@pytest.mark.parametrize("cell", HOSTILE_CELLS.values(), ids=HOSTILE_CELLS.keys())
def test_a_malformed_number_in_a_plan_workbook_is_a_located_problem(seed_plan, cell):
    data = renamed(export_plan(seed_plan))
    row = target_row(data, 2, 1)
    problems = problems_of(with_raw_cell(data, "目標値", f"D{row}", cell.format(ref=f"D{row}")))
    assert problems[0].startswith(f"シート「目標値」・D{row}：") and "入力し直して" in problems[0]


@pytest.mark.parametrize("cell", HOSTILE_CELLS.values(), ids=HOSTILE_CELLS.keys())
def test_a_malformed_number_in_a_result_template_is_a_located_problem(report, people, cell):
    user = people["shokuin"]
    data = result_template.template_workbook(user, report)
    row = rows_by_key(open_xlsx(data)["結果"])[(2, "①", "令和5年度")][6].row
    upload = result_template.read_upload(user, report, with_raw_cell(data, "結果", f"G{row}", cell.format(ref=f"G{row}")))
    assert not upload.ok and not ResultEntry.objects.exists()
    problem = upload.problems[0]
    assert (problem.sheet, problem.cell) == ("結果", f"G{row}") and "入力し直して" in problem.message


def test_a_malformed_cell_shows_as_a_problem_in_the_admin(client, report, people):
    user = people["shokuin"]
    data = result_template.template_workbook(user, report)
    data = with_raw_cell(data, "結果", "G4", raw_number("G4", "NaN"))
    client.force_login(user)
    response = client.post(reverse("exchange_admin:result-upload", args=[report.pk]), {"workbook": SimpleUploadedFile("r.xlsx", data)})
    assert response.status_code == 200
    html = response.content.decode()
    assert "何も保存していません" in html and "G4" in html and "このセルの値を読み取れません" in html


def test_problems_of_other_sheets_are_still_reported_after_an_unreadable_cell(seed_plan):
    data = edited(renamed(export_plan(seed_plan)), lambda workbook: workbook["指標"].cell(row=3, column=8, value="文字"))
    data = with_raw_cell(data, "目標値", "D6", raw_number("D6", "abc"))
    problems = problems_of(data)
    assert problems[0] == "シート「指標」・H3：「種類」は「数値」「段階（マイルストーン）」のどれかにしてください。"
    assert problems[1].startswith("シート「目標値」・D6：このセルの値を読み取れません")


# ---------------------------------------------------------------- padded files: refused before openpyxl walks them

def padded(data, title, rows, dimension=None):
    """The sheet with `rows` (XML) added after its data, and its declared dimension changed if given."""
    import re

    def change(xml):
        if dimension:
            xml = re.sub(r"<dimension [^>]*/>", f'<dimension ref="{dimension}"/>', xml)
        return xml.replace("</sheetData>", rows + "</sheetData>")
    return sheet_xml_edited(data, title, change)


@pytest.mark.parametrize("rows", [
    "<row/>" * 1_000_000,                                               # numbered one after another
    "".join(f'<row r="{n}"/>' for n in range(100, 1_000_100)),          # numbered
    '<row r="1000000"/>',                                               # one row, far down
], ids=["unnumbered", "numbered", "far down"])
def test_a_sheet_padded_with_a_million_empty_rows_is_refused_at_the_limit(seed_plan, rows):
    bloated = padded(renamed(export_plan(seed_plan)), "目標値", rows)
    assert len(bloated) < 3 * 2**20  # small on the wire (the unnumbered one is about 60 KB)
    assert problems_of(bloated) == ["シート「目標値」・20002行目：行が多すぎます（上限 20000 行）。"]


def test_a_sheet_declaring_a_million_rows_is_refused_without_reading_them(seed_plan):
    data = padded(renamed(export_plan(seed_plan)), "目標値", "", dimension="A1:G1048576")
    assert problems_of(data) == ["シート「目標値」・20002行目：行が多すぎます（上限 20000 行）。"]


def test_rows_that_repeat_or_go_back_are_refused_not_skipped(seed_plan):
    """openpyxl skips a row that comes out of order without a word: its values would be lost."""
    data = renamed(export_plan(seed_plan))
    assert problems_of(padded(data, "目標値", '<row r="3"/>' * 1_000_000)) == [
        "シート「目標値」・94行目：行の並びが壊れているため読み込めません。Excel で開いて保存し直してください。"]


def test_rows_beyond_a_stale_dimension_are_read_not_lost(seed_plan):
    data = padded(renamed(export_plan(seed_plan)), "目標値", "", dimension="A1:D5")
    result = import_plan(data)
    assert result.ok, result.problems
    assert structure(result.created)["indicators"] == structure(seed_plan)["indicators"]


def test_a_row_padded_with_cells_is_refused(seed_plan):
    data = padded(renamed(export_plan(seed_plan)), "目標値", '<row r="94">' + "<c/>" * 400_000 + "</row>")
    assert problems_of(data) == ["シート「目標値」・94行目：セルが多すぎます（上限 320,016 個）。使っていない列や行を削除してください。"]


def test_padded_shared_strings_and_styles_are_refused(seed_plan):
    data = renamed(export_plan(seed_plan))
    too_much = "ファイルの中身（書式・設定・文字列の情報）が多すぎるため読み込めません。書き出した様式に入力し直してください。"

    def strings(name, content):
        if name == "xl/_rels/workbook.xml.rels":
            return content.replace(b"</Relationships>", b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/'
                                   b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
        if name == "[Content_Types].xml":
            return content.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                   b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
        return content
    buffer = io.BytesIO(rezipped(data, strings))
    with zipfile.ZipFile(buffer, "a") as archive:
        table = f'<sst xmlns="{MAIN_NS}">' + "<si><t>x</t></si>" * 1_000_000 + "</sst>"
        archive.writestr("xl/sharedStrings.xml", table, compress_type=zipfile.ZIP_DEFLATED)
    assert problems_of(buffer.getvalue()) == [too_much]
    styles = rezipped(data, lambda name, content: content.replace(
        b"</cellXfs>", b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>' * 100_000 + b"</cellXfs>")
        if name == "xl/styles.xml" else content)
    assert problems_of(styles) == [too_much]


def test_a_padded_result_template_is_refused(report, people):
    user = people["shokuin"]
    data = result_template.template_workbook(user, report)
    data = padded(data, "結果", "".join(f'<row r="{n}"/>' for n in range(10, 30_010)))
    upload = result_template.read_upload(user, report, data)
    assert [str(p) for p in upload.problems] == ["シート「結果」・20002行目：行が多すぎます（上限 20000 行）。"]


def test_an_emptied_sheet_is_refused_not_read_as_no_rows(seed_plan):
    data = sheet_xml_edited(renamed(export_plan(seed_plan)), "評価区分",
                            lambda xml: xml.split("<sheetData>")[0] + "<sheetData/>" + xml.split("</sheetData>")[1])
    assert problems_of(data)[0].startswith("シート「評価区分」・1行目：見出しが様式と違います")


# ---------------------------------------------------------------- texts longer than a cell or their field

def test_an_uploaded_cell_longer_than_a_cell_holds_is_a_located_problem(report, people):
    user = people["shokuin"]
    data = result_template.template_workbook(user, report)
    row = row_of(open_xlsx(data)["活動経過"], 2)[2].row
    data = with_raw_cell(data, "活動経過", f"C{row}", raw_text(f"C{row}", "記" * 40000))  # openpyxl would cut it: write the XML
    upload = result_template.read_upload(user, report, data)
    assert [(p.sheet, p.cell) for p in upload.problems] == [("活動経過", f"C{row}")]
    assert "40,000 文字" in upload.problems[0].message


def test_texts_longer_than_their_fields_are_located_problems_at_reading(seed_plan):
    def spoil(workbook):
        workbook["推進項目"]["C2"] = "長" * 201            # title: 200
        workbook["担当課"]["D2"] = "課" * 51              # section: 50 (PostgreSQL refused it with a server error)
        workbook["指標"]["E2"] = "単" * 21                # unit: 20
        workbook["評価区分"]["A2"] = "評" * 21            # label: 20
        workbook["指標"]["K2"] = "検討80% → 条例への反映 → 実施 → " + "段" * 101  # stage label: 100
    assert problems_of(edited(renamed(export_plan(seed_plan)), spoil)) == [
        "シート「推進項目」・C2：「推進項目名称」が長すぎます（201 文字）。200 文字以内にしてください。",
        "シート「担当課」・D2：「課・室」が長すぎます（51 文字）。50 文字以内にしてください。",
        "シート「指標」・E2：「単位」が長すぎます（21 文字）。20 文字以内にしてください。",
        "シート「指標」・K2：段階「段段段段段段段段段段段段段段段段段段段段」が長すぎます（101 文字）。100 文字以内にしてください。",
        "シート「評価区分」・A2：「評価」が長すぎます（21 文字）。20 文字以内にしてください。",
    ]
    assert not Department.objects.filter(section__startswith="課課").exists()


# ---------------------------------------------------------------- targets and grade bands read as results are

def test_targets_are_read_with_the_indicators_unit_and_precision(seed_plan):
    data = renamed(export_plan(seed_plan))
    rate_row = target_row(data, 10, 1)  # 0.28%, 2 decimals
    hours_row = target_row(data, 2, 1)  # 時間, whole numbers

    def spoil(workbook):
        sheet = workbook["目標値"]
        sheet[f"D{rate_row}"] = 0.285                         # more decimals than the indicator has
        sheet[f"D{rate_row + 1}"] = 0.29                      # fine
        sheet[f"D{hours_row}"] = 1e12                         # larger than a figure can be stored
        sheet[f"D{hours_row + 1}"] = "９５，０００時間"          # typed as text, with the unit: read as results are
        sheet[f"D{hours_row + 2}"] = "95,000件"              # another unit
    problems = problems_of(edited(data, spoil))
    assert problems == [
        f"シート「目標値」・D{hours_row}：値が大きすぎます。桁数を確かめてください。",
        f"シート「目標値」・D{hours_row + 2}：「95,000件」の「件」は読めません。この指標の単位は「時間」です。数字だけか、数字と「時間」で入力してください（例: 34,068時間）。",
        f"シート「目標値」・D{rate_row}：この指標は小数点以下2桁までで入力してください。",
    ]
    result = import_plan(edited(data, lambda wb: wb["目標値"].cell(row=hours_row + 1, column=4, value="９５，０００時間")))
    assert result.ok, result.problems
    assert IndicatorYear.objects.get(indicator__measure__plan=result.created, indicator__measure__number=2,
                                     indicator__slot=1, fiscal_year=2024).target_value == 95000


def test_an_infinite_target_is_refused_not_stored_as_zero(seed_plan):
    data = renamed(export_plan(seed_plan))
    row = target_row(data, 2, 1)
    assert problems_of(with_raw_cell(data, "目標値", f"D{row}", raw_number(f"D{row}", "1E309"))) == [
        f"シート「目標値」・D{row}：数値が大きすぎるか、数値として読めない値です。数値を入力し直してください。"]


def test_grade_band_rates_are_finite_with_one_decimal_and_fit_the_field(seed_plan):
    data = renamed(export_plan(seed_plan))

    def spoil(workbook):
        workbook["評価区分"]["B2"] = 100.05
        workbook["評価区分"]["B3"] = 1e6
        workbook["評価区分"]["B4"] = -1
    assert problems_of(edited(data, spoil)) == [
        "シート「評価区分」・B2：下限の達成率は小数点以下1桁までで入力してください。",
        "シート「評価区分」・B3：下限の達成率が大きすぎます（99999.9まで）。",
        "シート「評価区分」・B4：下限の達成率は0以上の数値で入力してください。",
    ]
    assert problems_of(with_raw_cell(data, "評価区分", "B2", raw_number("B2", "1E309"))) == [
        "シート「評価区分」・B2：数値が大きすぎるか、数値として読めない値です。数値を入力し直してください。"]
    result = import_plan(edited(data, lambda wb: wb["評価区分"].cell(row=3, column=2, value=82.5)))
    assert result.ok and GradeBand.objects.get(plan=result.created, label="概ね達成").min_rate == Decimal("82.5")


def test_decimal_places_and_numbers_beyond_their_fields_are_located(seed_plan):
    def spoil(workbook):
        workbook["指標"]["F2"] = 7          # at most 4
        workbook["推進項目"]["A2"] = 10**20  # a small integer field
    problems = problems_of(edited(renamed(export_plan(seed_plan)), spoil))
    assert "シート「指標」・F2：「小数点以下の桁数」が大きすぎます（4まで）。" in problems
    assert "シート「推進項目」・A2：「事業No.」が大きすぎます（32767まで）。" in problems


# ---------------------------------------------------------------- text is text, whatever it starts with; formulas are refused

def test_text_starting_like_a_formula_survives_plan_export_and_import(seed_plan):
    plan = formula_like_plan(seed_plan)
    exported = export_plan(plan)
    found = assert_quoted(open_xlsx(exported), {"=SUM(A1) 推進項目", "+81", "-5", "@x", "=柱", "-取組視点", "=はじめに",
                                               "@方針", "+職員課", "=SUM(A1)\n現状", "-5 注記"})
    assert {sheet for sheet, _ in found} == {"計画", "柱", "推進項目", "担当課", "指標"}
    result = import_plan(renamed(exported))
    assert result.ok, result.problems
    assert structure(result.created) == structure(plan)


def test_text_starting_like_a_formula_survives_the_result_template(report, people):
    user = people["shokuin"]
    Measure.objects.filter(plan=report.plan, number=2).update(title="=SUM(A1)", subtitle="")
    Indicator.objects.filter(measure__number=2, slot=1).update(name="+81")
    ProgressNote.objects.filter(report=report, measure__number=2).update(text="-5 から始まる記述")
    data = result_template.template_workbook(user, report)
    assert_quoted(open_xlsx(data), {"=SUM(A1)", "+81", "-5 から始まる記述"})

    def typed_as_text(workbook):  # as Excel stores '=SUM(A1)…: a string cell (openpyxl would make "=…" a formula)
        cell = row_of(workbook["活動経過"], 1)[2]
        cell.value, cell.data_type, cell.quotePrefix = "=SUM(A1) で始まる記述", "s", True
    upload = result_template.read_upload(user, report, edited(data, typed_as_text))
    assert upload.ok, upload.problems
    assert [c.after for c in upload.changes] == ["=SUM(A1) で始まる記述"]


def test_only_real_formulas_are_refused_with_their_location(report, people, seed_plan):
    user = people["shokuin"]
    data = result_template.template_workbook(user, report)
    narrative_row = row_of(open_xlsx(data)["活動経過"], 2)[2].row

    def formulas(workbook):
        workbook["活動経過"][f"C{narrative_row}"] = "=1+1"  # openpyxl writes a formula cell
        workbook["結果"]["D5"] = "=1+1"                      # outside the result column: not read as a value either
    upload = result_template.read_upload(user, report, edited(data, formulas))
    assert [str(p) for p in upload.problems] == [f"シート「活動経過」・C{narrative_row}：数式は使えません。文章を入力してください。"]
    def plan_formulas(workbook):
        workbook["目標値"]["D5"] = "=1+1"
        workbook["推進項目"]["C5"] = "=A1"
    assert problems_of(edited(renamed(export_plan(seed_plan)), plan_formulas)) == [
        "シート「推進項目」・C5：数式は使えません。値を入力してください。",
        "シート「目標値」・D5：数式は使えません。値を入力してください。",
    ]
