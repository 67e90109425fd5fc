"""Result templates: department staff fill in results and narratives offline, in Excel.

Download: a workbook prefilled with the measures the user may enter for the
open progress report (targets shown and locked, result cells open with
spreadsheet validation). Upload: every cell checked and located, a preview of
what would change, then one all-or-nothing save through reports.workflow.save_note,
so the same permissions, validation, workflow and history apply as in the admin.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from openpyxl import Workbook
from openpyxl.styles import Protection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.views import Selection

from core import fiscal_years
from core.numbering import circled
from core.parsing import ParseError, parse_indicator_value, parse_stage
from core.text import same_text
from indicators import presentation
from indicators.models import IndicatorYear, MilestoneStage
from plans import permissions
from reports import workflow
from reports.models import Action, ProgressNote, ProgressReport, ResultEntry

from .cells import (
    HEADER_FILL, HEADER_FONT, TOP, WRAP, PrintedSheet, Problem, is_formula, number_cell, number_text, print_on_a4,
    read_workbook, sheet_rows, text_cell, unit_number_format, workbook_text,
)

TEMPLATE_NAME = "経営改革推進計画 結果入力ブック"
TEMPLATE_VERSION = "1"
RESULTS = "結果"
NARRATIVES = "活動経過"
RESULT_HEADER = ["事業No.", "推進項目名称", "指標", "指標名", "年度", "目標値", "結果"]
NARRATIVE_HEADER = ["事業No.", "推進項目名称", "活動経過・今後の予定"]
RESULT_COLUMN = "G"
OPEN = Protection(locked=False)
# Excel refuses (and "repairs" away) a list validation whose formula is longer than this.
LIST_FORMULA_LIMIT = 255
HINT = "管理画面からダウンロードした結果入力ブックを使ってください。"


def editable_notes(user, report: ProgressReport) -> list[ProgressNote]:
    """The notes of the report the user may enter now, in measure order."""
    notes = permissions.scope(user, ProgressNote.objects.filter(report=report)).select_related("measure", "report")
    return [note for note in notes.order_by("measure__number") if permissions.can(user, permissions.CHANGE, note)]


def _years_of(notes, report):
    """The indicator years each note may carry results for, with what the note already proposes."""
    years = (
        IndicatorYear.objects.filter(indicator__measure__in=[n.measure_id for n in notes], fiscal_year__lte=report.fiscal_year)
        .select_related("indicator__measure", "target_stage")
        .prefetch_related("indicator__stages")
        .order_by("indicator__measure__number", "indicator__slot", "fiscal_year")
    )
    entries = {
        (e.progress_note_id, e.indicator_year_id): e
        for e in ResultEntry.objects.filter(progress_note__in=notes).select_related("stage")
    }
    return list(years), entries


# What the 形式 sheet tells staff, and what the result cells' validations say to match it: a value
# cell takes whatever the browser form takes (core.parsing: units, 桁区切り, full-width digits), so it
# carries an input message and no type check, which Excel would enforce against the instructions.
INSTRUCTIONS = [
    "入力のしかた",
    "「結果」シートの白い欄（結果の列）と「活動経過」シートの白い欄に入力し、保存してから管理画面の「結果入力ブック」からアップロードしてください。",
    "結果は数値で入力してください。「34,068時間」のように単位や桁区切り（,）を付けても、全角数字で入力しても構いません。",
    "段階の指標（検討80%・実施など）は、欄を選ぶと出る一覧から段階を選んでください。",
    "目標値や見出し、事業No.・指標・年度の欄は変更できません。行の順番や数も変えないでください。",
    "アップロードすると、保存する前にすべての欄を確かめ、変更される内容を一覧で表示します。問題のある欄は場所と理由を示します。",
    "このシートの1〜2行目は様式を見分けるための情報です。変更しないでください。",
]
VALUE_PROMPT_TITLE = "結果（数値）"
VALUE_PROMPT = "数値を入力してください。「34,068時間」のように単位や桁区切りを付けても、全角数字でも構いません。アップロードのときに確かめます。"
RESULT_WIDTHS = [8, 36, 6, 44, 12, 18, 18]
NARRATIVE_WIDTHS = [8, 36, 100]


def template_workbook(user, report: ProgressReport) -> bytes:
    """The template for the user's notes; it opens on 結果 with the first result cell selected."""
    notes = editable_notes(user, report)
    years, entries = _years_of(notes, report)
    note_of = {n.measure_id: n for n in notes}
    workbook = Workbook(write_only=True)

    about = workbook.create_sheet("形式")
    about_rows = PrintedSheet(about, [90, 12])  # both columns on a screen: no scrolling sideways to read
    print_on_a4(about, header=TEMPLATE_NAME)
    about_rows.append([text_cell(about, TEMPLATE_NAME), text_cell(about, TEMPLATE_VERSION)])
    about_rows.append([text_cell(about, report.plan.slug), text_cell(about, report.as_of.isoformat())])
    for index, line in enumerate(INSTRUCTIONS):
        about_rows.append([text_cell(about, line, font=HEADER_FONT) if index == 0 else text_cell(about, line)])

    sheet = workbook.create_sheet(RESULTS)
    rows = PrintedSheet(sheet, RESULT_WIDTHS)
    sheet.freeze_panes = "A2"
    _select(sheet, f"{RESULT_COLUMN}2")
    print_on_a4(sheet, landscape=True, title_rows="1:1", header=f"{report}　結果")
    sheet.protection.sheet = True  # a help against slips only: the server checks every cell
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False
    rows.append([text_cell(sheet, h, font=HEADER_FONT, fill=HEADER_FILL) for h in RESULT_HEADER])
    values = DataValidation(allow_blank=True, showInputMessage=True, showErrorMessage=False,
                            promptTitle=VALUE_PROMPT_TITLE, prompt=VALUE_PROMPT)
    sheet.data_validations.append(values)
    for year in years:
        indicator = year.indicator
        note = note_of[indicator.measure_id]
        entry = entries.get((note.pk, year.pk))
        row_number = rows.row + 1
        if year.target_status == year.TargetStatus.SET and year.target_stage is None:
            target = number_cell(sheet, year.target_value, unit_number_format(indicator.unit, indicator.decimal_places),
                                 alignment=TOP)
        else:
            target = text_cell(sheet, presentation.target_text(indicator, year))
        if indicator.is_milestone:
            result = text_cell(sheet, entry.stage.label if entry and entry.stage else "", protection=OPEN)
            choices = _stage_list(indicator.stages.all())
            if choices is not None:  # a help only: the server checks the stage named either way
                choice = DataValidation(type="list", formula1=choices, allow_blank=True, showErrorMessage=True,
                                        errorTitle="段階を選んでください", error="一覧から段階を選んでください。")
                choice.add(f"{RESULT_COLUMN}{row_number}")
                sheet.data_validations.append(choice)
        else:
            value = entry.value if entry else None
            result = number_cell(sheet, value, unit_number_format(indicator.unit, indicator.result_places), protection=OPEN,
                                 alignment=TOP)
            values.add(f"{RESULT_COLUMN}{row_number}")
        rows.append([indicator.measure.number, text_cell(sheet, indicator.measure.full_title), text_cell(sheet, indicator.slot_label),
                     text_cell(sheet, indicator.name), text_cell(sheet, fiscal_years.era_name(year.fiscal_year)), target, result])

    narratives = workbook.create_sheet(NARRATIVES)
    narrative_rows = PrintedSheet(narratives, NARRATIVE_WIDTHS)
    narratives.freeze_panes = "A2"
    print_on_a4(narratives, landscape=True, title_rows="1:1", header=f"{report}　活動経過")
    narratives.protection.sheet = True
    narratives.protection.formatRows = False  # a longer text typed here may need a taller row
    narrative_rows.append([text_cell(narratives, h, font=HEADER_FONT, fill=HEADER_FILL) for h in NARRATIVE_HEADER])
    for note in notes:
        # a few lines to type in, however short the text is now
        narrative_rows.append([note.measure.number, text_cell(narratives, note.measure.full_title),
                               text_cell(narratives, note.text, alignment=WRAP, protection=OPEN)], lines=4)
    workbook.active = workbook.sheetnames.index(RESULTS)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _select(sheet, cell: str) -> None:
    """Select the sheet's tab and `cell`, below its frozen header row (the pane Excel puts the cursor in)."""
    sheet.sheet_view.selection = [Selection(pane="bottomLeft", activeCell=cell, sqref=cell)]
    sheet.sheet_view.tabSelected = True


def _stage_list(stages) -> str | None:
    """A list validation's formula naming the stages ("検討80%,条例への反映,実施"), or None when Excel would refuse it."""
    labels = ",".join(workbook_text(s.label).replace(",", "，").replace('"', '""') for s in stages)
    formula = f'"{labels}"'
    return formula if len(formula) <= LIST_FORMULA_LIMIT else None


def template_filename(report: ProgressReport) -> str:
    return f"結果入力_{report.plan.slug}_{report.as_of.isoformat()}.xlsx"


@dataclass
class Change:
    measure_number: int
    what: str
    before: str
    after: str


@dataclass
class ResultUpload:
    """A checked upload: what it would change, or every problem that stops it."""

    report: ProgressReport
    problems: list[Problem] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    # note id → {"version": int, "text": str | None, "results": {indicator year id: Decimal | stage id | None}}
    notes: dict[int, dict] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_session(self) -> dict:
        """JSON-safe, to keep between the preview and the confirmation."""
        return {"report": self.report.pk, "notes": {
            str(note_id): {"version": data["version"], "text": data["text"],
                           "results": {str(k): (["stage", v.pk] if hasattr(v, "pk") else ["value", str(v)] if v is not None else None)
                                       for k, v in data["results"].items()}}
            for note_id, data in self.notes.items()}}


def _show(indicator, value) -> str:
    if value is None:
        return "（なし）"
    if hasattr(value, "label"):
        return value.label
    return presentation.result_text(indicator, value)


def read_upload(user, report: ProgressReport, upload) -> ResultUpload:
    """Check an uploaded template cell by cell; nothing is saved."""
    result = ResultUpload(report)
    read_workbook(upload, result.problems, lambda workbook: _read(user, report, workbook, result))
    return result


def _read(user, report, workbook, result: ResultUpload) -> None:
    marker = workbook.leading_values("形式", 2, 2)
    if len(marker) < 2 or marker[0][:2] != [TEMPLATE_NAME, TEMPLATE_VERSION]:
        result.problems.append(Problem("形式", "A1", "結果入力ブックの様式ではありません。管理画面からダウンロードした様式を使ってください。"))
        return
    if marker[1][:2] != [report.plan.slug, report.as_of.isoformat()]:
        result.problems.append(Problem("形式", "A2", f"別の進捗状況報告の様式です。{report}の様式をダウンロードし直してください。"))
        return

    notes = {n.measure.number: n for n in editable_notes(user, report)}
    years, entries = _years_of(list(notes.values()), report)
    year_of = {(y.indicator.measure.number, y.indicator.slot, y.fiscal_year): y for y in years}
    slot_of = {circled(n): n for n in range(1, 21)}
    all_measures = set(report.plan.measures.values_list("number", flat=True))

    def note_for(sheet, number, measure_number):
        """The pending data of the note a row belongs to; None (and a problem) when the row may not be used."""
        if not isinstance(measure_number, int) or isinstance(measure_number, bool):
            result.problems.append(Problem(sheet, f"A{number}", "事業No.は変更しないでください。"))
            return None
        if measure_number not in notes:
            reason = ("担当していない推進項目か、いまは入力できない状態（提出済み・承認済み）の推進項目です。"
                      if measure_number in all_measures else "この計画にない事業No.です。")
            result.problems.append(Problem(sheet, f"A{number}", f"事業No.{measure_number}：{reason}"))
            return None
        note = notes[measure_number]
        return result.notes.setdefault(note.pk, {"version": note.version, "text": None, "results": {}, "note": note})

    seen = set()
    for number, (measure_number, _, slot_label, _, year_label, _, value) in sheet_rows(workbook, RESULTS, RESULT_HEADER, result.problems, hint=HINT):
        cell = f"{RESULT_COLUMN}{number}"
        try:
            fiscal_year = fiscal_years.parse(str(year_label or ""))
        except ValueError as error:
            result.problems.append(Problem(RESULTS, f"E{number}", str(error)))
            continue
        data = note_for(RESULTS, number, measure_number)
        if data is None:
            continue
        year = year_of.get((measure_number, slot_of.get(str(slot_label or "").strip()), fiscal_year))
        if year is None:
            result.problems.append(Problem(RESULTS, f"C{number}", "この報告で結果を入力できる指標・年度ではありません。"))
            continue
        if year.pk in seen:
            result.problems.append(Problem(RESULTS, f"C{number}", "同じ指標・年度の行が重複しています。"))
            continue
        seen.add(year.pk)
        indicator = year.indicator
        if is_formula(value):
            result.problems.append(Problem(RESULTS, cell, "数式は使えません。値を入力してください。"))
            continue
        try:
            if indicator.is_milestone:
                proposed = parse_stage(value if value is None else str(value), list(indicator.stages.all()))
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                proposed = parse_indicator_value(indicator, number_text(value))
            else:
                proposed = parse_indicator_value(indicator, value)
        except ParseError as error:
            result.problems.append(Problem(RESULTS, cell, error.message))
            continue
        entry = entries.get((data["note"].pk, year.pk))
        current = (entry.stage if indicator.is_milestone else entry.value) if entry else None
        if (getattr(current, "pk", current)) != (getattr(proposed, "pk", proposed)):
            data["results"][year.pk] = proposed
            result.changes.append(Change(measure_number, f"指標{indicator.slot_label} {indicator.name}　{fiscal_years.era_name(fiscal_year)}",
                                         _show(indicator, current), _show(indicator, proposed)))

    for number, (measure_number, _, text) in sheet_rows(workbook, NARRATIVES, NARRATIVE_HEADER, result.problems, hint=HINT):
        data = note_for(NARRATIVES, number, measure_number)
        if data is None:
            continue
        if is_formula(text):
            result.problems.append(Problem(NARRATIVES, f"C{number}", "数式は使えません。文章を入力してください。"))
            continue
        text = "" if text is None else str(text).replace("\r\n", "\n").strip()
        if not same_text(text, data["note"].text):
            data["text"] = text
            result.changes.append(Change(measure_number, "活動経過・今後の予定", _excerpt(data["note"].text), _excerpt(text)))
    for note_id in [k for k, v in result.notes.items() if v["text"] is None and not v["results"]]:
        del result.notes[note_id]


def _excerpt(text: str) -> str:
    text = (text or "").replace("\n", " ")
    return text if len(text) <= 60 else text[:60] + "…"


@transaction.atomic
def save_upload(user, session_data: dict) -> int:
    """Save a previewed upload through the workflow: every note or none. Returns the notes saved.

    The action log records each note's changes as an upload (結果ブックから保存).

    Raises workflow.EditConflict when someone changed a note since the preview,
    ValidationError or permissions.NotAllowed when something is refused.
    """
    saved = 0
    for note_id, data in session_data["notes"].items():
        note = ProgressNote.objects.get(pk=int(note_id), report_id=session_data["report"])
        results = {}
        for year_id, proposed in data["results"].items():
            if proposed is None:
                results[int(year_id)] = None
            elif proposed[0] == "stage":
                results[int(year_id)] = MilestoneStage.objects.get(pk=proposed[1])
            else:
                results[int(year_id)] = Decimal(proposed[1])
        text = data["text"] if data["text"] is not None else note.text
        workflow.save_note(user, note, expected_version=data["version"], text=text, results=results,
                           kind=Action.Kind.UPLOAD)
        saved += 1
    return saved
