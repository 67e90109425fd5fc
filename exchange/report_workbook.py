"""The progress report as a workbook: a sheet per measure laid out like the source's sheet, and a summary.

A published report shows what was published: its own copy of the plan's titles,
names, departments, units and stages (reports.snapshot), its frozen figures and
its approved notes; a report not yet published shows the current plan and
figures and every note, for the reform office's review.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, NamedStyle, Side

from indicators import achievement, presentation
from indicators.models import Indicator
from core import fiscal_years
from core.formatting import shown_places
from reports import publication
from reports.models import ProgressNote, ProgressReport

from .cells import (
    HEADER_FILL, HEADER_FONT, WRAP, PrintedSheet, number_cell, print_on_a4, rows_of_text, text_cell,
    unit_number_format,
)

THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
# Named once per workbook: one style lookup a cell instead of four (a 1,000-measure report has 100,000 cells).
STYLES = (
    NamedStyle("label", font=HEADER_FONT, fill=HEADER_FILL, alignment=CENTER, border=BOX),
    NamedStyle("text", alignment=WRAP, border=BOX),
    NamedStyle("centered", alignment=CENTER, border=BOX),
    NamedStyle("boxed", alignment=Alignment(vertical="center", wrap_text=True), border=BOX),
    NamedStyle("wrapped", alignment=WRAP),
)
# Measure sheet columns: label, then four columns the texts span (widths in characters).
SHEET_WIDTHS = [22, 16, 22, 22, 18]
TEXT_SPAN = (1, 4)  # B:E
# Rows repeated at the top of every printed page of a measure: which measure it is.
MEASURE_TITLE_ROWS = "1:3"
SUMMARY_HEADER = ["事業No.", "推進項目名称", "柱", "指標", "指標名", "年度", "目標値", "結果", "達成率（%）", "評価"]
SUMMARY_WIDTHS = [8, 36, 10, 6, 44, 12, 18, 18, 12, 12]


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
            notes = list(publication.public_notes().filter(report=report))
            # As the report's page: measures left out when publishing are left out here too.
            shown = publication.measures_shown(report, [m.pk for m in published.measures], {n.measure_id for n in notes})
            self.measures = [measure for measure in published.measures if measure.pk in shown]
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
        self.grading = grading
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
    """One measure on its own sheet, so each measure starts a new printed page."""
    sheet = workbook.create_sheet(f"No.{measure.number}")
    rows = PrintedSheet(sheet, SHEET_WIDTHS)
    report = data.report
    print_on_a4(sheet, title_rows=MEASURE_TITLE_ROWS, header=f"{data.plan.title}　進捗状況（{report.as_of_label}）")

    def label(text):
        return text_cell(sheet, text, style="label")

    def text(value, centered=False):
        return text_cell(sheet, value, style="centered" if centered else "text")

    def long_text(caption, value, lines=2):
        # A text taller than a row may be (or longer than a cell holds) goes on in the rows below,
        # marked （続き）: it is never cut, and never stops the workbook. Typed input is limited far below
        # that, but a published report is frozen, and its download must work for whatever text it holds.
        for index, piece in enumerate(rows_of_text(value or "", rows.width(*TEXT_SPAN))):
            rows.append([label(caption if index == 0 else f"{caption}（続き）"), text(piece), text(""), text(""), text("")],
                        merge=(1, 4), lines=lines)

    rows.append([label("取組視点"), text(f"5つの柱{measure.pillar.label}"), text(""), text(""), text("")], merge=(1, 4))
    rows.append([label("事業No."), label("推進項目名称"), label(""), label(""), label("担当課")], merge=(1, 3))
    departments = "\n".join(a.department.name for a in measure.assignments.all())
    rows.append([text(str(measure.number), centered=True), text(measure.full_title), text(""), text(""), text(departments)],
                merge=(1, 3), lines=2)
    long_text("現状と課題", measure.current_situation)
    long_text("課題解決に向けた方向性・活動内容", measure.approach)
    for indicator in measure.indicators.all():
        name = indicator.name + ("（仮称：原資料で名称が失われたため資料の記述から補ったもの）" if indicator.name_is_provisional else "")
        long_text(f"指標{indicator.slot_label}", name, lines=1)
        rows.append([label("年度"), label("目標値（各年度末時点）"), label("結果"), label("達成率（%）"), label("評価")])
        for year in data.by_indicator.get(indicator.pk, []):
            assessment = data.assessments[(indicator.pk, year.fiscal_year)]
            rows.append([
                text(fiscal_years.era_name(year.fiscal_year), centered=True),
                _value_cell(sheet, indicator, year, "target", style="boxed"),
                _value_cell(sheet, indicator, year, "result", style="boxed"),
                _rate_cell(sheet, assessment, style="boxed"),
                text(assessment.label, centered=True),
            ])
        if indicator.note:
            long_text("注記", indicator.note, lines=1)
    note = data.notes.get(measure.pk)
    caption = f"{fiscal_years.era_name(report.fiscal_year)}の活動経過・今後の予定"
    narrative = note.text if note else ""
    if note and not data.published and note.status != ProgressNote.Status.APPROVED:
        narrative = f"【{note.get_status_display()}】\n{narrative}"
    elif note is None and report.unapproved_measures == ProgressReport.Unapproved.NOT_SUBMITTED:
        narrative = "【未提出】公表の時点で経営改革課の承認を受けていません。"
    long_text(caption, narrative)


def _summary_sheet(workbook: Workbook, data: _ReportData) -> None:
    sheet = workbook.create_sheet("一覧")
    rows = PrintedSheet(sheet, SUMMARY_WIDTHS)
    sheet.freeze_panes = "A3"
    print_on_a4(sheet, landscape=True, title_rows="2:2",
                header=f"{data.plan.title}　進捗状況 指標一覧（{data.report.as_of_label}）")
    state = "公表版" if data.published else "未公表（確認用）"
    title = f"{data.plan.municipality} {data.plan.title}（{data.plan.period_label}）進捗状況 {data.report.as_of_label}　{state}"
    rows.append([text_cell(sheet, title, font=HEADER_FONT, alignment=WRAP)], merge=(0, len(SUMMARY_WIDTHS) - 1))
    rows.append([text_cell(sheet, h, style="label") for h in SUMMARY_HEADER])

    def text(value):
        return text_cell(sheet, value, style="wrapped")

    for measure in data.measures:
        for indicator in measure.indicators.all():
            for year in data.by_indicator.get(indicator.pk, []):
                assessment = data.assessments[(indicator.pk, year.fiscal_year)]
                rows.append([
                    number_cell(sheet, measure.number, "0", style="wrapped"),
                    text(measure.full_title),
                    text(measure.pillar.label),
                    text(indicator.slot_label),
                    text(indicator.name + ("（仮称）" if indicator.name_is_provisional else "")),
                    text(fiscal_years.era_name(year.fiscal_year)),
                    _value_cell(sheet, indicator, year, "target", style="wrapped"),
                    _value_cell(sheet, indicator, year, "result", style="wrapped"),
                    _rate_cell(sheet, assessment, style="wrapped"),
                    text(assessment.label),
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
