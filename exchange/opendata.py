"""Open data: every published indicator year with its target, result and grade, as CSV and JSON.

Every column comes from each plan's latest published report as it was published
(what the city published): its own copy of titles, names, departments, units and
stages (reports.snapshot) and its frozen figures, graded as that report grades
them (reports.publication.published_report). Only the plan's URL name (`plan`) is
the live one: it is the address the report is found at.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from dataclasses import dataclass
from decimal import Decimal

from core import fiscal_years
from reports import publication

from .cells import safe_csv_text

LICENCE = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/deed.ja"


@dataclass(frozen=True)
class Column:
    name: str  # the JSON key: ASCII, stable, for programs
    kind: str
    description: str
    label: str  # the CSV header: Japanese, as the city publishes its tables (自治体標準オープンデータセット)


SCHEMA = (
    Column("municipality", "文字列", "自治体名", "自治体名"),
    Column("plan", "文字列", "計画の識別子（URL名）", "計画ID"),
    Column("plan_title", "文字列", "計画名", "計画名"),
    Column("report_as_of", "日付（YYYY-MM-DD）", "値の出典となる公表済み進捗状況報告の基準日", "報告基準日"),
    Column("pillar_number", "整数", "5つの柱の番号", "柱番号"),
    Column("pillar_name", "文字列", "柱の名称", "柱名称"),
    Column("measure_number", "整数", "推進項目の事業No.", "事業No."),
    Column("measure_title", "文字列", "推進項目名称", "推進項目名称"),
    Column("departments", "文字列", "担当課（「;」区切り、先頭が主担当）", "担当課"),
    Column("indicator_slot", "整数", "指標番号（1 が指標①）", "指標番号"),
    Column("indicator_name", "文字列", "指標の名称", "指標名称"),
    Column("indicator_name_is_provisional", "真偽値", "原資料で名称が失われ、資料の記述から補った仮の名称なら true", "指標名称が仮称"),
    Column("unit", "文字列", "単位（段階で示す指標は空）", "単位"),
    Column("kind", "文字列", "numeric（数値）または milestone（段階）", "指標の種類"),
    Column("direction", "文字列", "higher（高いほど良い）または lower（低いほど良い）", "評価の方向"),
    Column("cumulative", "真偽値", "累計値の指標なら true", "累計値"),
    Column("fiscal_year", "整数", "年度（開始する西暦年。2023 は令和5年度）", "年度（西暦）"),
    Column("fiscal_year_label", "文字列", "年度の和暦表記（令和5年度）", "年度"),
    Column("target_status", "文字列", "set（設定あり）、not_set（未設定）、not_applicable（対象外）", "目標値の設定状況"),
    Column("target", "数値または文字列", "目標値（数値の指標は数値、段階の指標は段階名、設定なしは空）", "目標値"),
    Column("result", "数値または文字列", "結果（未公表は空）", "結果"),
    Column("achievement_rate", "数値", "達成率（%、小数第1位。計算しないときは空）", "達成率（%）"),
    Column("grade", "文字列", "評価（達成・概ね達成・未達成など）または状態（集計中・未報告・目標未設定・対象外）", "評価"),
)


def _number(value: Decimal | None):
    if value is None:
        return None
    normalized = value.normalize()
    return int(normalized) if normalized == normalized.to_integral_value() else float(normalized)


def rows(today: datetime.date) -> list[dict]:
    """One dict a published indicator year, for every plan with a published report."""
    result = []
    for plan in publication.public_plans().order_by("first_fiscal_year").prefetch_related("grade_bands"):
        report = publication.latest_published_report(plan)
        if report is None:
            continue
        report.plan = plan
        # Only the report's own copy (reports.snapshot), graded as the report's own page grades it.
        published = publication.published_report(report)
        frozen_plan, assessments = published.plan, published.grading.assessments
        for year in published.grading.years:
            indicator, measure = year.indicator, year.indicator.measure
            assessment = assessments[(indicator.pk, year.fiscal_year)]
            result.append({
                "municipality": frozen_plan.municipality,
                "plan": plan.slug,
                "plan_title": frozen_plan.title,
                "report_as_of": report.as_of.isoformat(),
                "pillar_number": measure.pillar.number,
                "pillar_name": measure.pillar.name,
                "measure_number": measure.number,
                "measure_title": measure.full_title,
                "departments": ";".join(d.name for d in measure.departments),
                "indicator_slot": indicator.slot,
                "indicator_name": indicator.name,
                "indicator_name_is_provisional": indicator.name_is_provisional,
                "unit": indicator.unit,
                "kind": indicator.kind,
                "direction": indicator.direction,
                "cumulative": indicator.is_cumulative,
                "fiscal_year": year.fiscal_year,
                "fiscal_year_label": fiscal_years.era_name(year.fiscal_year),
                "target_status": year.target_status,
                "target": year.target_stage.label if year.target_stage else _number(year.target_value),
                "result": year.result_stage.label if year.result_stage else _number(year.result_value),
                "achievement_rate": _number(assessment.rate),
                "grade": assessment.label,
            })
    return result


def credit() -> str:
    """The credit line CC BY asks users to show: who publishes the data and what it is
    (「千葉県木更津市 経営改革推進計画 進捗状況」), from the latest public plan; never the server's host.
    Shown on the open-data page, not written into the files: those hold only what published reports hold."""
    plan = publication.publisher()
    return " ".join(part for part in (plan.municipality if plan else "", plan.title if plan else "経営改革推進計画", "進捗状況") if part)


def as_json(today: datetime.date) -> str:
    return json.dumps(
        {"license": LICENCE, "license_url": LICENCE_URL, "generated_on": today.isoformat(),
         "columns": [c.__dict__ for c in SCHEMA], "records": rows(today)},
        ensure_ascii=False, indent=1,
    )


def as_csv(today: datetime.date) -> str:
    """UTF-8 CSV with a BOM, so that Excel in Japan opens it without garbling. One header row, in Japanese
    (Column.label), as Japanese open-data users expect; a second header row would break every CSV reader
    that takes the first row as the names, so the English names are a choice of their own
    (with_machine_names, ?header=en) and the JSON's keys."""
    output = io.StringIO()
    output.write("\ufeff")
    writer = csv.writer(output, lineterminator="\r\n")
    writer.writerow([c.label for c in SCHEMA])
    for record in rows(today):
        writer.writerow([_csv_cell(record[c.name]) for c in SCHEMA])
    return output.getvalue()


def with_machine_names(csv_text: str) -> str:
    """The same CSV with the machine names (Column.name, the JSON's keys) as its header row instead of
    the Japanese labels: for programs that expect ASCII column names (?header=en). Only the first row
    differs, so it is made from the kept Japanese file without building anything again."""
    _, _, body = csv_text.partition("\r\n")
    return "\ufeff" + ",".join(c.name for c in SCHEMA) + "\r\n" + body


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return safe_csv_text(value)
    return str(value)
