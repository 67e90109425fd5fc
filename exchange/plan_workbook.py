"""A whole plan as a workbook, out and back in: how the reform office sets up a new plan.

The format (documented in README.md, "Plan workbook"): a sheet 形式 naming the
format, then one sheet per kind of row, each with a fixed header row. Export
and import are exact inverses: a plan exported and imported again is the same.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import DataError, IntegrityError, transaction
from simple_history.utils import bulk_create_with_history
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from indicators.models import NOT_STARTED, GradeBand, Indicator, IndicatorYear, MilestoneStage, ensure_not_started_stage
from core import fiscal_years
from core.numbering import SMALL_INTEGER_MAX
from core.parsing import ParseError, normalize, parse_quantity
from indicators import presentation
from plans.models import Department, Measure, MeasureDepartment, Pillar, Plan
from reports import content_version
from reports.models import Action

from .cells import (
    CELL_TEXT_LIMIT, HEADER_FILL, HEADER_FONT, WRAP, PrintedSheet, Problem, is_formula, number_cell, number_text,
    print_on_a4, read_workbook, sheet_rows, text_cell, unit_number_format,
)

FORMAT_NAME = "経営改革推進計画 計画ブック"
FORMAT_VERSION = "1"
STAGE_SEPARATOR = " → "
YES, NO = "はい", "いいえ"
NOT_APPLICABLE = presentation.NOT_APPLICABLE  # 対象外
NOT_SET = presentation.NOT_SET  # 未設定
HINT = "書き出した計画ブックの様式を使ってください。"

PLAN_FIELDS = [
    ("URL名", "slug"), ("計画名", "title"), ("自治体名", "municipality"), ("基づく方針", "policy"),
    ("開始年度", "first_fiscal_year"), ("終了年度", "last_fiscal_year"), ("はじめに", "introduction"),
]
HEADERS = {
    "計画": ["項目", "値"],
    "柱": ["番号", "名称", "取組視点"],
    "推進項目": ["事業No.", "柱番号", "推進項目名称", "副題", "現状と課題", "課題解決に向けた方向性・活動内容"],
    "担当課": ["事業No.", "順序", "部・室", "課・室"],
    "指標": ["事業No.", "指標番号", "名称", "仮の名称", "単位", "小数点以下の桁数", "注記", "種類", "方向", "累計値", "段階"],
    "目標値": ["事業No.", "指標番号", "年度", "目標値"],
    "評価区分": ["評価", "下限の達成率（%）"],
}
KIND_LABELS = dict(Indicator.Kind.choices)
DIRECTION_LABELS = dict(Indicator.Direction.choices)
MAX_DECIMAL_PLACES = next(v.limit_value for v in Indicator._meta.get_field("decimal_places").validators
                          if isinstance(v, MaxValueValidator))
# A grade band's lowest rate: DecimalField(max_digits=6, decimal_places=1).
_RATE_FIELD = GradeBand._meta.get_field("min_rate")
# Sheets up to this wide (in characters) print portrait on A4; wider ones landscape.
PORTRAIT_WIDTH = 110
COLUMN_WIDTHS = {"計画": [14, 100], "推進項目": [8, 8, 40, 24, 60, 60], "柱": [6, 10, 60], "指標": [8, 8, 40, 8, 8, 8, 40, 12, 12, 8, 40]}


# ---------------------------------------------------------------- export

def export_plan(plan: Plan) -> bytes:
    """The plan in the plan-workbook format (write-only, so a large plan stays small in memory).

    Every sheet prints whole on A4 (cells.PrintedSheet, cells.print_on_a4), its header row on every page.
    """
    workbook = Workbook(write_only=True)
    format_sheet = workbook.create_sheet("形式")
    format_rows = PrintedSheet(format_sheet, [40, 8])
    # set-up first: a write-only sheet writes its properties with its first row
    print_on_a4(format_sheet, header=f"{plan.title}（{plan.period_label}）計画ブック")
    format_rows.append([text_cell(format_sheet, FORMAT_NAME), text_cell(format_sheet, FORMAT_VERSION)])
    sheets = {}
    for title, header in HEADERS.items():
        sheet = workbook.create_sheet(title)
        rows = PrintedSheet(sheet, COLUMN_WIDTHS.get(title, [12] * len(header)))
        sheet.freeze_panes = "A2"
        print_on_a4(sheet, landscape=sum(rows.widths) > PORTRAIT_WIDTH, title_rows="1:1",
                    header=f"{plan.title}（{plan.period_label}）計画ブック　{title}")
        rows.append([text_cell(sheet, h, font=HEADER_FONT, fill=HEADER_FILL) for h in header])
        sheets[title] = rows

    def row(title, *values):
        rows = sheets[title]
        rows.append([text_cell(rows.sheet, v, alignment=WRAP) if isinstance(v, str) else v for v in values])

    for label, attribute in PLAN_FIELDS:
        value = getattr(plan, attribute)
        row("計画", label, fiscal_years.era_name(value) if attribute.endswith("fiscal_year") else value)
    for pillar in plan.pillars.order_by("number"):
        row("柱", pillar.number, pillar.name, pillar.aim)
    measures = list(plan.measures.select_related("pillar").order_by("number"))
    for measure in measures:
        row("推進項目", measure.number, measure.pillar.number, measure.title, measure.subtitle,
            measure.current_situation, measure.approach)
    for assignment in MeasureDepartment.objects.filter(measure__plan=plan).select_related("measure", "department").order_by("measure__number", "position"):
        row("担当課", assignment.measure.number, assignment.position, assignment.department.division, assignment.department.section)
    indicators = (
        Indicator.objects.filter(measure__plan=plan).select_related("measure").prefetch_related("stages")
        .order_by("measure__number", "slot")
    )
    for indicator in indicators:
        row("指標", indicator.measure.number, indicator.slot, indicator.name, YES if indicator.name_is_provisional else NO,
            indicator.unit, indicator.decimal_places, indicator.note, KIND_LABELS[indicator.kind],
            DIRECTION_LABELS[indicator.direction], YES if indicator.is_cumulative else NO,
            STAGE_SEPARATOR.join(s.label for s in indicator.stages.all() if not s.is_not_started))
    years = (
        IndicatorYear.objects.filter(indicator__measure__plan=plan)
        .select_related("indicator__measure", "target_stage")
        .order_by("indicator__measure__number", "indicator__slot", "fiscal_year")
    )
    rows = sheets["目標値"]
    sheet = rows.sheet
    for year in years:
        indicator = year.indicator
        if year.target_status == IndicatorYear.TargetStatus.NOT_APPLICABLE:
            target = text_cell(sheet, NOT_APPLICABLE)
        elif year.target_status == IndicatorYear.TargetStatus.NOT_SET:
            target = text_cell(sheet, NOT_SET)
        elif year.target_stage is not None:
            target = text_cell(sheet, year.target_stage.label)
        else:
            target = number_cell(sheet, year.target_value, unit_number_format(indicator.unit, indicator.decimal_places))
        rows.append([indicator.measure.number, indicator.slot, text_cell(sheet, year.fiscal_year_label), target])
    for band in plan.grade_bands.order_by("-min_rate"):
        row("評価区分", band.label, band.min_rate)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


# ---------------------------------------------------------------- import

@dataclass
class PlanImport:
    """What a plan workbook would create, or every problem that stops it."""

    problems: list[Problem] = field(default_factory=list)
    plan: dict = field(default_factory=dict)
    pillars: list[dict] = field(default_factory=list)
    measures: list[dict] = field(default_factory=list)
    assignments: list[dict] = field(default_factory=list)
    indicators: list[dict] = field(default_factory=list)
    targets: list[dict] = field(default_factory=list)
    bands: list[dict] = field(default_factory=list)
    created: Plan | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> list[tuple[str, int]]:
        return [("柱", len(self.pillars)), ("推進項目", len(self.measures)), ("担当課の割当", len(self.assignments)),
                ("指標", len(self.indicators)), ("年度別の目標値", len(self.targets)), ("評価区分", len(self.bands))]


class _Reader:
    """Reads the sheets' rows, recording every problem instead of stopping at the first."""

    def __init__(self, workbook, result: PlanImport):
        self.workbook = workbook
        self.result = result
        self.failed: set[str] = set()  # sheets not read: rows referring to them are not checked against them

    def problem(self, sheet, cell, message):
        self.result.problems.append(Problem(sheet, cell, message))

    def rows(self, title):
        """(row number, {header: value}) for each non-empty row of a sheet; formulas become problems."""
        expected = HEADERS[title]
        rows = sheet_rows(self.workbook, title, expected, self.result.problems, hint=HINT, failed=self.failed)
        for number, values in rows:
            cells = {}
            for column, (header, value) in enumerate(zip(expected, values), 1):
                if is_formula(value):
                    self.problem(title, f"{get_column_letter(column)}{number}", "数式は使えません。値を入力してください。")
                    value = None
                cells[header] = value
            yield number, cells

    def text(self, title, number, cells, header, required=True, field=None):
        """A text cell; `field` is the model field it goes to, whose length it must fit (never cut)."""
        value = cells[header]
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(title, self.ref(title, number, header), f"「{header}」を入力してください。")
            return ""
        if not isinstance(value, str):
            value = number_text(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)
        value = value.strip() if "\n" not in value else value.strip("\n")
        self.fits(title, self.ref(title, number, header), f"「{header}」", value, field)
        return value

    def fits(self, title, cell, what, value, field):
        limit = (field.max_length if field is not None else None) or CELL_TEXT_LIMIT
        if len(value) > limit:
            self.problem(title, cell, f"{what}が長すぎます（{len(value):,} 文字）。{limit:,} 文字以内にしてください。")

    def integer(self, title, number, cells, header, minimum=0, maximum=SMALL_INTEGER_MAX):
        value = cells[header]
        if (isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)
                or int(value) != value or value < minimum):
            self.problem(title, self.ref(title, number, header), f"「{header}」は{minimum}以上の整数で入力してください。")
            return None
        if value > maximum:
            self.problem(title, self.ref(title, number, header), f"「{header}」が大きすぎます（{maximum}まで）。")
            return None
        return int(value)

    def flag(self, title, number, cells, header):
        value = self.text(title, number, cells, header)
        if value not in (YES, NO):
            if value:
                self.problem(title, self.ref(title, number, header), f"「{header}」は「{YES}」か「{NO}」で入力してください。")
            return False
        return value == YES

    def choice(self, title, number, cells, header, labels: dict):
        value = self.text(title, number, cells, header)
        by_label = {label: key for key, label in labels.items()}
        if value not in by_label:
            if value:
                self.problem(title, self.ref(title, number, header),
                             f"「{header}」は「{'」「'.join(by_label)}」のどれかにしてください。")
            return None
        return by_label[value]

    def fiscal_year(self, title, number, cells, header):
        value = cells[header]
        try:
            return fiscal_years.parse(str(value if value is not None else ""))
        except ValueError as error:
            self.problem(title, self.ref(title, number, header), str(error))
            return None

    @staticmethod
    def ref(title, number, header):
        return f"{get_column_letter(HEADERS[title].index(header) + 1)}{number}"


def read_plan_workbook(upload) -> PlanImport:
    """Check a plan workbook cell by cell; nothing is saved."""
    result = PlanImport()
    read_workbook(upload, result.problems, lambda workbook: _read(workbook, result))
    return result


def _read(workbook, result: PlanImport) -> None:
    reader = _Reader(workbook, result)
    if [row[:2] for row in workbook.leading_values("形式", 1, 2)] != [[FORMAT_NAME, FORMAT_VERSION]]:
        result.problems.append(Problem("形式", "A1", f"「{FORMAT_NAME}」（版 {FORMAT_VERSION}）の様式ではありません。書き出した計画ブックを使ってください。"))
        return

    labels = {label: attribute for label, attribute in PLAN_FIELDS}
    for number, cells in reader.rows("計画"):
        label = reader.text("計画", number, cells, "項目")
        if label not in labels:
            reader.problem("計画", f"A{number}", f"「{label}」は計画の項目ではありません。")
            continue
        attribute = labels[label]
        if attribute.endswith("fiscal_year"):
            result.plan[attribute] = reader.fiscal_year("計画", number, cells, "値")
        else:
            result.plan[attribute] = reader.text("計画", number, cells, "値", required=attribute in ("slug", "title", "municipality"),
                                                 field=Plan._meta.get_field(attribute))
    for label, attribute in PLAN_FIELDS:
        if attribute not in result.plan:
            reader.problem("計画", "", f"「{label}」の行がありません。")
    first, last = result.plan.get("first_fiscal_year"), result.plan.get("last_fiscal_year")
    if first and last and last < first:
        reader.problem("計画", "", "終了年度は開始年度以降にしてください。")
    if result.plan.get("slug") and Plan.objects.filter(slug=result.plan["slug"]).exists():
        reader.problem("計画", "B2", f"URL名「{result.plan['slug']}」の計画はすでにあります。別のURL名にしてください。")

    pillar_numbers = set()
    for number, cells in reader.rows("柱"):
        pillar = {"number": reader.integer("柱", number, cells, "番号", 1),
                  "name": reader.text("柱", number, cells, "名称", field=Pillar._meta.get_field("name")),
                  "aim": reader.text("柱", number, cells, "取組視点", required=False), "row": number}
        if pillar["number"] in pillar_numbers:
            reader.problem("柱", f"A{number}", f"番号 {pillar['number']} の柱が重複しています。")
        pillar_numbers.add(pillar["number"])
        result.pillars.append(pillar)

    measure_numbers = set()
    for number, cells in reader.rows("推進項目"):
        measure = {
            "number": reader.integer("推進項目", number, cells, "事業No.", 1),
            "pillar": reader.integer("推進項目", number, cells, "柱番号", 1),
            "title": reader.text("推進項目", number, cells, "推進項目名称", field=Measure._meta.get_field("title")),
            "subtitle": reader.text("推進項目", number, cells, "副題", required=False, field=Measure._meta.get_field("subtitle")),
            "current_situation": reader.text("推進項目", number, cells, "現状と課題", required=False),
            "approach": reader.text("推進項目", number, cells, "課題解決に向けた方向性・活動内容", required=False),
            "row": number,
        }
        if measure["pillar"] is not None and measure["pillar"] not in pillar_numbers and "柱" not in reader.failed:
            reader.problem("推進項目", f"B{number}", f"柱番号 {measure['pillar']} の柱が「柱」シートにありません。")
        if measure["number"] in measure_numbers:
            reader.problem("推進項目", f"A{number}", f"事業No.{measure['number']} が重複しています。")
        measure_numbers.add(measure["number"])
        result.measures.append(measure)

    def known_measure(title, number, value):
        if value is not None and value not in measure_numbers and "推進項目" not in reader.failed:
            reader.problem(title, f"A{number}", f"事業No.{value} が「推進項目」シートにありません。")

    seen_positions = set()
    for number, cells in reader.rows("担当課"):
        assignment = {
            "measure": reader.integer("担当課", number, cells, "事業No.", 1),
            "position": reader.integer("担当課", number, cells, "順序", 1),
            "division": reader.text("担当課", number, cells, "部・室", required=False, field=Department._meta.get_field("division")),
            "section": reader.text("担当課", number, cells, "課・室", field=Department._meta.get_field("section")),
        }
        known_measure("担当課", number, assignment["measure"])
        key = (assignment["measure"], assignment["position"])
        if key in seen_positions:
            reader.problem("担当課", f"B{number}", "同じ推進項目に同じ順序の担当課があります。")
        seen_positions.add(key)
        result.assignments.append(assignment)

    indicator_kinds = {}
    for number, cells in reader.rows("指標"):
        indicator = {
            "measure": reader.integer("指標", number, cells, "事業No.", 1),
            "slot": reader.integer("指標", number, cells, "指標番号", 1),
            "name": reader.text("指標", number, cells, "名称", field=Indicator._meta.get_field("name")),
            "name_is_provisional": reader.flag("指標", number, cells, "仮の名称"),
            "unit": reader.text("指標", number, cells, "単位", required=False, field=Indicator._meta.get_field("unit")),
            "decimal_places": reader.integer("指標", number, cells, "小数点以下の桁数", 0, MAX_DECIMAL_PLACES),
            "note": reader.text("指標", number, cells, "注記", required=False),
            "kind": reader.choice("指標", number, cells, "種類", KIND_LABELS),
            "direction": reader.choice("指標", number, cells, "方向", DIRECTION_LABELS),
            "is_cumulative": reader.flag("指標", number, cells, "累計値"),
            # 未着手 is every milestone's stage 0, made with the indicator: not one of the plan's own stages.
            "stages": [s.strip() for s in reader.text("指標", number, cells, "段階", required=False).split("→")
                       if s.strip() and s.strip() != NOT_STARTED],
            "row": number,
        }
        known_measure("指標", number, indicator["measure"])
        key = (indicator["measure"], indicator["slot"])
        if key in indicator_kinds:
            reader.problem("指標", f"B{number}", "同じ推進項目に同じ指標番号があります。")
        if indicator["kind"] == Indicator.Kind.MILESTONE and not indicator["stages"]:
            reader.problem("指標", f"K{number}", "段階の指標には段階を「→」で区切って入力してください。")
        if indicator["kind"] == Indicator.Kind.NUMERIC and indicator["stages"]:
            reader.problem("指標", f"K{number}", "数値の指標に段階は入力できません。")
        for stage in indicator["stages"]:
            reader.fits("指標", f"K{number}", f"段階「{stage[:20]}」", stage, MilestoneStage._meta.get_field("label"))
        indicator_kinds[key] = indicator
        result.indicators.append(indicator)

    seen_years = set()
    for number, cells in reader.rows("目標値"):
        measure_number = reader.integer("目標値", number, cells, "事業No.", 1)
        slot = reader.integer("目標値", number, cells, "指標番号", 1)
        fiscal_year = reader.fiscal_year("目標値", number, cells, "年度")
        indicator = indicator_kinds.get((measure_number, slot))
        if measure_number is not None and slot is not None and indicator is None:
            if "指標" in reader.failed:
                continue
            reader.problem("目標値", f"B{number}", f"事業No.{measure_number} の指標{slot}が「指標」シートにありません。")
            continue
        if fiscal_year is not None and first and last and not first <= fiscal_year <= last:
            reader.problem("目標値", f"C{number}", "年度が計画期間の外です。")
        if (measure_number, slot, fiscal_year) in seen_years:
            reader.problem("目標値", f"C{number}", "同じ指標・年度の目標値が重複しています。")
        seen_years.add((measure_number, slot, fiscal_year))
        target = {"measure": measure_number, "slot": slot, "fiscal_year": fiscal_year,
                  "status": IndicatorYear.TargetStatus.SET, "value": None, "stage": None}
        value = cells["目標値"]
        text = value.strip() if isinstance(value, str) else None
        if value is None or text in ("", NOT_SET):
            target["status"] = IndicatorYear.TargetStatus.NOT_SET
        elif text == NOT_APPLICABLE:
            target["status"] = IndicatorYear.TargetStatus.NOT_APPLICABLE
        elif indicator and indicator["kind"] == Indicator.Kind.MILESTONE:
            if text not in indicator["stages"] and text != NOT_STARTED:
                reader.problem("目標値", f"D{number}", f"「{value}」はこの指標の段階にありません。")
            target["stage"] = text
        else:
            try:
                target["value"] = target_value(value, indicator)
            except ParseError as error:
                reader.problem("目標値", f"D{number}", error.message)
        result.targets.append(target)

    # Every indicator gets every year of the plan: a year the workbook leaves out is 未設定,
    # so staff can still report a result for it.
    if first and last and last >= first:
        for (measure_number, slot), indicator in indicator_kinds.items():
            for fiscal_year in range(first, last + 1):
                if (measure_number, slot, fiscal_year) not in seen_years:
                    result.targets.append({"measure": measure_number, "slot": slot, "fiscal_year": fiscal_year,
                                           "status": IndicatorYear.TargetStatus.NOT_SET, "value": None, "stage": None})

    for number, cells in reader.rows("評価区分"):
        try:
            rate = band_rate(cells["下限の達成率（%）"])
        except ParseError as error:
            reader.problem("評価区分", f"B{number}", error.message)
            rate = None
        result.bands.append({"label": reader.text("評価区分", number, cells, "評価", field=GradeBand._meta.get_field("label")),
                             "min_rate": rate})


def target_value(value, indicator: dict | None) -> Decimal:
    """A numeric target as a workbook holds it, read as a typed result is read (core.parsing).

    A number cell is read as the text it shows, so its decimals count against the
    indicator's precision (0.285 is refused for a 2-decimal indicator), as a
    result's would; a text cell may carry the unit (95,000時間). Raises ParseError.
    """
    unit = (indicator or {}).get("unit") or ""
    places = (indicator or {}).get("decimal_places")
    places = MAX_DECIMAL_PLACES if places is None else places
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ParseError(f"目標値「{value}」は数値ではありません。数値、「{NOT_SET}」または「{NOT_APPLICABLE}」を入力してください。")
    if isinstance(value, (int, float)):
        if value < 0:
            raise ParseError("目標値に負の数は使えません。")
        return parse_quantity(number_text(value), unit=unit, decimal_places=places)
    if not any(character.isdigit() for character in normalize(value)):
        raise ParseError(f"目標値「{value.strip()[:50]}」は数値ではありません。数値、「{NOT_SET}」または「{NOT_APPLICABLE}」を入力してください。")
    return parse_quantity(value, unit=unit, decimal_places=places)


def band_rate(value) -> Decimal:
    """A grade band's lowest achievement rate (%): a finite number, 0 or more, with at most 1 decimal. Raises ParseError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ParseError("下限の達成率は0以上の数値で入力してください。")
    rate = Decimal(number_text(value)).normalize()
    places = _RATE_FIELD.decimal_places
    if rate.as_tuple().exponent < -places:
        raise ParseError(f"下限の達成率は小数点以下{places}桁までで入力してください。")
    if rate >= Decimal(10) ** (_RATE_FIELD.max_digits - places):
        largest = Decimal(10) ** (_RATE_FIELD.max_digits - places) - Decimal(1).scaleb(-places)
        raise ParseError(f"下限の達成率が大きすぎます（{largest}まで）。")
    return rate.quantize(Decimal(1)) if rate.as_tuple().exponent > 0 else rate


@transaction.atomic
def save_plan_import(result: PlanImport, *, user=None) -> Plan:
    """Create the plan a checked workbook describes: everything or, on any error, nothing.

    Objects are validated in memory (model.clean() with its Japanese messages;
    uniqueness was checked row by row while reading) and written in bulk with
    their first history record, so a plan of 1,000 measures imports in seconds.
    The database's constraints stay the last word. The import is recorded in the
    action log (reports.models.Action) with what it created, in the same transaction.
    """
    if not result.ok:
        raise ValueError("問題のある計画ブックは保存できません。")

    def validated(objects, sheet, rows=None):
        # Related objects were all just created here: skip the query that checks each exists.
        related = [f.name for f in objects[0]._meta.fields if f.is_relation] if objects else []
        for index, obj in enumerate(objects):
            try:
                obj.full_clean(exclude=related, validate_unique=False, validate_constraints=False)
            except ValidationError as error:
                where = f"{rows[index]}行目" if rows else ""
                raise PlanImportFailed([Problem(sheet, where, m) for ms in error.message_dict.values() for m in ms])
        return objects

    def created(objects, model, sheet, rows=None):
        return bulk_create_with_history(validated(objects, sheet, rows), model, batch_size=500, default_user=user,
                                        default_change_reason="計画ブックから作成")

    plan = created([Plan(**result.plan)], Plan, "計画")[0]
    pillars = created([Pillar(plan=plan, number=p["number"], name=p["name"], aim=p["aim"]) for p in result.pillars],
                      Pillar, "柱", [p["row"] for p in result.pillars])
    pillar_by_number = {p.number: p for p in pillars}
    measures = created(
        [Measure(plan=plan, pillar=pillar_by_number[m["pillar"]],
                 **{k: v for k, v in m.items() if k not in ("pillar", "row")}) for m in result.measures],
        Measure, "推進項目", [m["row"] for m in result.measures])
    measure_by_number = {m.number: m for m in measures}
    departments = {(d.division, d.section): d for d in Department.objects.all()}
    for a in result.assignments:
        key = (a["division"], a["section"])
        if key not in departments:
            departments[key] = Department.objects.create(division=a["division"], section=a["section"])
    created([MeasureDepartment(measure=measure_by_number[a["measure"]], department=departments[(a["division"], a["section"])],
                               position=a["position"]) for a in result.assignments], MeasureDepartment, "担当課")
    indicators = created(
        [Indicator(measure=measure_by_number[i["measure"]], **{k: v for k, v in i.items() if k not in ("measure", "stages", "row")})
         for i in result.indicators],
        Indicator, "指標", [i["row"] for i in result.indicators])
    indicator_by_key = {(i.measure.number, i.slot): i for i in indicators}
    stages = created(
        [MilestoneStage(indicator=indicator_by_key[(i["measure"], i["slot"])], position=position, label=label)
         for i in result.indicators for position, label in enumerate(i["stages"], 1)],
        MilestoneStage, "指標")
    stages += [ensure_not_started_stage(i) for i in indicators if i.is_milestone]  # bulk creation sends no signal
    stage_by_key = {(s.indicator.measure.number, s.indicator.slot, s.label): s for s in stages}
    created(
        [IndicatorYear(indicator=indicator_by_key[(t["measure"], t["slot"])], fiscal_year=t["fiscal_year"],
                       target_status=t["status"], target_value=t["value"],
                       target_stage=stage_by_key[(t["measure"], t["slot"], t["stage"])] if t["stage"] else None)
         for t in result.targets],
        IndicatorYear, "目標値")
    created([GradeBand(plan=plan, label=b["label"], min_rate=b["min_rate"]) for b in result.bands], GradeBand, "評価区分")
    Action.objects.record(Action.Kind.IMPORT_PLAN, user, plan=plan, changes={"created": {
        "pillars": len(pillars), "measures": len(measures), "assignments": len(result.assignments),
        "indicators": len(indicators), "targets": len(result.targets), "grade_bands": len(result.bands),
    }})
    content_version.changed()  # written in bulk, without signals
    result.created = plan
    return plan


class PlanImportFailed(Exception):
    """Model validation refused what the workbook checks let through; nothing was saved."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def import_plan(upload, *, user=None) -> PlanImport:
    """Check a workbook and, when it has no problem, create its plan (all or nothing)."""
    result = read_plan_workbook(upload)
    if result.ok:
        try:
            save_plan_import(result, user=user)
        except PlanImportFailed as failed:
            result.problems.extend(failed.problems)
        except (IntegrityError, DataError):  # the database's word, should a check above have missed something
            result.problems.append(Problem("", "", "データベースの制約に合わない行があるため保存できませんでした。内容を確かめてください。"))
    return result
