"""The progress report as a workbook: a sheet per measure laid out like the source's sheet, and a summary.

A published report shows what was published: its own copy of the plan's titles,
names, departments, units and stages (reports.snapshot), its frozen figures and
its approved notes; a report not yet published shows the current plan and
figures and every note, for the reform office's review.
"""

from __future__ import annotations

import io
import math
import unicodedata

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, NamedStyle, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from indicators import achievement, presentation
from indicators.models import Indicator
from core import fiscal_years
from core.formatting import shown_places
from reports import publication
from reports.models import ProgressNote, ProgressReport

from .cells import HEADER_FILL, HEADER_FONT, WRAP, number_cell, split_text, text_cell, unit_number_format, workbook_text

THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
# Named once per workbook: one style lookup a cell instead of four (a 1,000-measure report has 100,000 cells).
STYLES = (
    NamedStyle("label", font=HEADER_FONT, fill=HEADER_FILL, alignment=CENTER, border=BOX),
    NamedStyle("text", alignment=WRAP, border=BOX),
    NamedStyle("centered", alignment=CENTER, border=BOX),
    NamedStyle("boxed", border=BOX),
)
# Measure sheet columns: label, then four columns the texts span (widths in characters).
SHEET_WIDTHS = [22, 16, 22, 22, 18]
TEXT_WIDTH = sum(SHEET_WIDTHS[1:])
SUMMARY_HEADER = ["事業No.", "推進項目名称", "柱", "指標", "指標名", "年度", "目標値", "結果", "達成率（%）", "評価"]
SUMMARY_WIDTHS = [8, 36, 10, 6, 44, 12, 18, 18, 12, 12]
# Characters Excel keeps of a page header (it refuses a longer one).
HEADER_LIMIT = 255


def _lines(text: str, width: int) -> int:
    """Lines a text takes in a column `width` characters wide (full-width characters count double)."""
    total = 0
    for line in (text or "").split("\n"):
        columns = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
        total += max(1, math.ceil(columns / max(width * 1.1, 1)))
    return total


def _header_text(text: str) -> str:
    """A page header as Excel takes it: "&" starts a code there (&P is the page number), so it is doubled."""
    text = workbook_text(text).replace("\n", " ").replace("&", "&&")
    return text if len(text) <= HEADER_LIMIT else text[: HEADER_LIMIT - 1].rstrip("&") + "…"


def _print_setup(sheet, header: str) -> None:
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.orientation = Worksheet.ORIENTATION_PORTRAIT
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.print_options.horizontalCentered = True
    sheet.oddHeader.center.text = _header_text(header)
    sheet.oddFooter.center.text = "&P / &N"


def _with_proposed_results(years, notes) -> list:
    """The plan's figures with the results staff propose in this report laid over the official ones."""
    proposed = {entry.indicator_year_id: entry for note in notes for entry in note.result_entries.all()}
    years = list(years)
    for year in years:
        entry = proposed.get(year.pk)
        if entry is not None:
            year.result_value, year.result_stage = entry.value, entry.stage
    return years


class _ReportData:
    """Everything one report shows, loaded in a bounded number of queries.

    A published report hands the sheet writers only its own copy (reports.snapshot: the plan,
    measures, departments, indicators and stages as published, read objects that look like the
    models) and its frozen figures; a report not yet published hands them the live plan.
    """

    def __init__(self, report: ProgressReport):
        self.report = report
        self.published = report.is_published
        if self.published:
            published = publication.published_report(report)
            self.plan = published.plan
            self.measures = published.measures
            notes = publication.public_notes().filter(report=report)
            grading = published.grading
        else:  # the draft: the plan's figures with the proposed results, graded as of the report's date
            plan = report.plan
            self.plan = plan
            self.measures = list(plan.measures.with_departments().prefetch_related("indicators__stages"))
            notes = report.notes.prefetch_related("result_entries__stage")
            figures = _with_proposed_results(achievement.plan_years(plan), notes)
            grading = achievement.grade_years(
                figures, bands=achievement.plan_bands(plan), today=report.as_of, first_fiscal_year=plan.first_fiscal_year
            )
        self.bands = grading.bands
        self.figures = grading.years
        self.by_indicator: dict[int, list] = {}
        for year in self.figures:
            self.by_indicator.setdefault(year.indicator_id, []).append(year)
        self.notes = {note.measure_id: note for note in notes}
        self.assessments = grading.assessments


def _value_cell(sheet, indicator: Indicator, year, which: str, **style):
    """A target or result cell: a number with its unit in the format, or the right words."""
    if which == "target":
        status = year.target_status
        if status != year.TargetStatus.SET:
            return text_cell(sheet, presentation.target_text(indicator, year), **style)  # 対象外 / 未設定
    value, stage = getattr(year, f"{which}_value"), getattr(year, f"{which}_stage")
    if stage is not None:
        return text_cell(sheet, stage.label, **style)
    if value is None:
        return text_cell(sheet, "", **style)
    # The decimals the value has when it has more than targets show (a result of 22.5%), as pages write it.
    return number_cell(sheet, value, unit_number_format(indicator.unit, shown_places(value, indicator.decimal_places)), **style)


def _rate_cell(sheet, assessment, **style):
    if assessment.rate is None:
        return text_cell(sheet, "", **style)
    return number_cell(sheet, assessment.rate, "0.0", **style)


def _measure_sheet(workbook: Workbook, data: _ReportData, measure) -> None:
    sheet = workbook.create_sheet(f"No.{measure.number}")
    for index, width in enumerate(SHEET_WIDTHS, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    report = data.report
    _print_setup(sheet, f"{data.plan.title}　進捗状況（{report.as_of_label}）")
    row_number = 0

    def add(cells, height=None, merge: str | None = None):
        nonlocal row_number
        row_number += 1
        sheet.append(cells)
        if height:
            sheet.row_dimensions[row_number].height = height
        if merge:
            sheet.merged_cells.add(merge.format(r=row_number))

    def label(text):
        return text_cell(sheet, text, style="label")

    def text(value, centered=False):
        return text_cell(sheet, value, style="centered" if centered else "text")

    def long_text(caption, value, minimum=30):
        # A text longer than a cell holds (32,767 characters) goes on in the rows below, marked （続き）:
        # it is never cut, and never stops the workbook. Typed input is limited far below that, but a
        # published report is frozen, and its download must work for whatever text it was published with.
        for index, piece in enumerate(split_text(value or "")):
            add([label(caption if index == 0 else f"{caption}（続き）"), text(piece), text(""), text(""), text("")],
                height=max(minimum, 15 * _lines(piece, TEXT_WIDTH)), merge="B{r}:E{r}")

    add([label("取組視点"), text(f"5つの柱{measure.pillar.label}"), text(""), text(""), text("")], merge="B{r}:E{r}")
    add([label("事業No."), label("推進項目名称"), label(""), label(""), label("担当課")], merge="B{r}:D{r}")
    departments = "\n".join(a.department.name for a in measure.assignments.all())
    add([text(str(measure.number), centered=True), text(measure.full_title), text(""), text(""), text(departments)],
        height=max(30, 15 * _lines(departments, SHEET_WIDTHS[4])), merge="B{r}:D{r}")
    long_text("現状と課題", measure.current_situation)
    long_text("課題解決に向けた方向性・活動内容", measure.approach)
    for indicator in measure.indicators.all():
        name = indicator.name + ("（仮称：原資料で名称が失われたため資料の記述から補ったもの）" if indicator.name_is_provisional else "")
        long_text(f"指標{indicator.slot_label}", name, minimum=20)
        add([label("年度"), label("目標値（各年度末時点）"), label("結果"), label("達成率（%）"), label("評価")])
        for year in data.by_indicator.get(indicator.pk, []):
            assessment = data.assessments[(indicator.pk, year.fiscal_year)]
            add([
                text(fiscal_years.era_name(year.fiscal_year), centered=True),
                _value_cell(sheet, indicator, year, "target", style="boxed"),
                _value_cell(sheet, indicator, year, "result", style="boxed"),
                _rate_cell(sheet, assessment, style="boxed"),
                text(assessment.label, centered=True),
            ])
        if indicator.note:
            long_text("注記", indicator.note, minimum=20)
    note = data.notes.get(measure.pk)
    caption = f"{fiscal_years.era_name(report.fiscal_year)}の活動経過・今後の予定"
    narrative = note.text if note else ""
    if note and not data.published and note.status != ProgressNote.Status.APPROVED:
        narrative = f"【{note.get_status_display()}】\n{narrative}"
    long_text(caption, narrative)


def _summary_sheet(workbook: Workbook, data: _ReportData) -> None:
    sheet = workbook.create_sheet("一覧")
    for index, width in enumerate(SUMMARY_WIDTHS, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A3"
    _print_setup(sheet, f"{data.plan.title}　進捗状況 指標一覧（{data.report.as_of_label}）")
    sheet.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE
    sheet.print_title_rows = "2:2"
    state = "公表版" if data.published else "未公表（確認用）"
    sheet.append([text_cell(sheet, f"{data.plan.municipality} {data.plan.title}（{data.plan.period_label}）進捗状況 {data.report.as_of_label}　{state}", font=HEADER_FONT)])
    sheet.append([text_cell(sheet, h, style="label") for h in SUMMARY_HEADER])
    for measure in data.measures:
        for indicator in measure.indicators.all():
            for year in data.by_indicator.get(indicator.pk, []):
                assessment = data.assessments[(indicator.pk, year.fiscal_year)]
                sheet.append([
                    measure.number,
                    text_cell(sheet, measure.full_title),
                    text_cell(sheet, measure.pillar.label),
                    text_cell(sheet, indicator.slot_label),
                    text_cell(sheet, indicator.name + ("（仮称）" if indicator.name_is_provisional else "")),
                    text_cell(sheet, fiscal_years.era_name(year.fiscal_year)),
                    _value_cell(sheet, indicator, year, "target"),
                    _value_cell(sheet, indicator, year, "result"),
                    _rate_cell(sheet, assessment),
                    text_cell(sheet, assessment.label),
                ])


def report_workbook(report: ProgressReport) -> bytes:
    """The report as .xlsx bytes: 一覧 first, then No.1, No.2, … (write-only, for large plans)."""
    data = _ReportData(report)
    workbook = Workbook(write_only=True)
    for style in STYLES:
        workbook.add_named_style(style)
    _summary_sheet(workbook, data)
    for measure in data.measures:
        _measure_sheet(workbook, data, measure)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def report_filename(report: ProgressReport) -> str:
    suffix = "" if report.is_published else "_未公表"
    return f"進捗状況_{report.plan.slug}_{report.as_of.isoformat()}{suffix}.xlsx"
