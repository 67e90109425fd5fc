"""The result template opens where staff type, its instructions readable, its validation as the instructions say.

Opened with openpyxl as a spreadsheet program opens it; filled, uploaded through the admin and saved.
"""

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from exchange import result_template
from exchange.cells import line_count, row_height
from reports.models import ProgressNote

from .helpers import edited, open_xlsx, pending_upload_id


def rows_by_key(sheet):
    return {(r[0].value, r[2].value, r[4].value): r for r in sheet.iter_rows(min_row=2)}


def test_the_template_opens_on_the_results_sheet_with_the_first_result_cell_selected(report, people):
    workbook = open_xlsx(result_template.template_workbook(people["shokuin"], report))
    assert workbook.active.title == "結果"
    view = workbook["結果"].sheet_view
    assert [(s.activeCell, s.sqref) for s in view.selection] == [("G2", "G2")]
    assert view.pane.topLeftCell == "A2" and view.pane.state == "frozen"  # the header stays in sight
    # only the sheet it opens on is selected: two selected tabs would group the sheets in Excel
    assert [ws.title for ws in workbook.worksheets if ws.sheet_view.tabSelected] == ["結果"]
    assert not workbook["結果"]["G2"].protection.locked


def test_the_instructions_are_wrapped_readable_without_scrolling_and_say_what_cells_accept(report, people):
    workbook = open_xlsx(result_template.template_workbook(people["shokuin"], report))
    about = workbook["形式"]
    assert [c.value for c in about[1]][:2] == [result_template.TEMPLATE_NAME, result_template.TEMPLATE_VERSION]
    widths = [about.column_dimensions[letter].width for letter in "AB"]
    assert sum(widths) <= 110  # both columns fit a laptop's screen at 100%: no scrolling sideways
    lines = [row[0] for row in about.iter_rows(min_row=3) if row[0].value]
    assert [c.value for c in lines] == result_template.INSTRUCTIONS
    for cell in lines:
        assert cell.alignment.wrap_text, cell.value
        # the row is as tall as the wrapped text needs: nothing hidden below the row's edge
        assert about.row_dimensions[cell.row].height >= row_height(line_count(cell.value, widths[0])), cell.value
    instructions = "".join(result_template.INSTRUCTIONS)
    assert "34,068時間" in instructions and "全角数字" in instructions


def test_result_cells_take_units_and_full_width_digits_as_the_instructions_say(report, people):
    """No stop-type number check on a value cell: Excel would refuse 「34,068時間」, which the instructions allow."""
    workbook = open_xlsx(result_template.template_workbook(people["shokuin"], report))
    sheet = workbook["結果"]
    rows = rows_by_key(sheet)
    value_cells = {rows[key][6].coordinate for key in [(2, "①", "令和5年度"), (2, "②", "令和6年度")]}
    validations = sheet.data_validations.dataValidation
    covering = [v for v in validations if any(cell in v.sqref for cell in value_cells)]
    assert len(covering) == 1
    prompt = covering[0]
    assert prompt.type in (None, "none")  # any value: the server reads it with the browser form's parser
    assert not prompt.showErrorMessage
    assert prompt.showInputMessage and "34,068時間" in prompt.prompt and "全角数字" in prompt.prompt
    assert all(cell in prompt.sqref for cell in value_cells)
    for validation in validations:  # nothing in the workbook refuses a number typed with its unit
        assert validation.type not in ("decimal", "whole") or validation.errorStyle in ("information", "warning")
    stage = next(v for v in validations if v.type == "list")  # a stage is chosen from its list, as they say
    assert stage.showErrorMessage and "一覧から" in stage.error


def test_results_typed_with_units_commas_and_full_width_digits_upload_and_save(client, report, people):
    user = people["shokuin"]
    client.force_login(user)
    download = client.get(reverse("exchange_admin:result-template", args=[report.pk]))
    assert download.status_code == 200

    def type_results(workbook):
        rows = rows_by_key(workbook["結果"])
        rows[(2, "①", "令和5年度")][6].value = "34,068時間"
        rows[(2, "②", "令和5年度")][6].value = "１８"
        rows[(2, "②", "令和6年度")][6].value = "２０%"

    url = reverse("exchange_admin:result-upload", args=[report.pk])
    preview = client.post(url, {"workbook": SimpleUploadedFile("r.xlsx", edited(download.content, type_results))})
    html = preview.content.decode()
    assert "変更内容の確認" in html and "34,068時間" in html, html
    saved = client.post(url, {"confirm": "1", "pending": pending_upload_id(preview)})
    assert saved.status_code == 302
    note = ProgressNote.objects.get(report=report, measure__number=2)
    assert sorted(e.value for e in note.result_entries.all()) == [Decimal("18"), Decimal("20"), Decimal("34068")]


def test_every_row_of_the_template_is_as_tall_as_its_texts(report, people):
    workbook = open_xlsx(result_template.template_workbook(people["shokuin"], report))
    for title in ("結果", "活動経過"):
        sheet = workbook[title]
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value:
                    width = sheet.column_dimensions[cell.column_letter].width
                    assert cell.alignment.wrap_text, (title, cell.coordinate)
                    assert sheet.row_dimensions[cell.row].height >= row_height(line_count(cell.value, width)), (
                        title, cell.coordinate)
        assert sheet.print_title_rows == "$1:$1" and sheet.page_setup.fitToHeight == 0
