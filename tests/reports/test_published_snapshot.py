"""A published report never changes: its page, open data and workbook stay what they were at publication,
whatever is edited in the live plan afterwards (issue 9, points 10-11).

A report is published through the workflow with results of every kind (a lower-is-better
number, a milestone stage, a cumulative total), its page, open data (CSV and JSON) and
workbook are captured, then one thing of the live plan is edited, and all of it is captured
again: byte for byte (and cell for cell, with number formats) the same.
"""

from __future__ import annotations

import datetime
import json
import re
import types
from decimal import Decimal

import lxml.html
import pytest

from core.numbering import circled
from exchange.models import KeptFile
from indicators.models import GradeBand, Indicator, IndicatorYear, MilestoneStage
from plans.models import Department, Measure, MeasureDepartment, Pillar, Plan
from reports import workflow
from reports.models import ProgressNote
from tests.exchange.helpers import open_xlsx

PLAN = "2023-2026"
AS_OF = "2024-09-01"
REPORT_URL = f"/plans/{PLAN}/reports/{AS_OF}/"
WORKBOOK_URL = f"/plans/{PLAN}/reports/{AS_OF}/progress-report.xlsx"
TODAY = datetime.date(2024, 10, 1)


def note_of(report, number):
    return ProgressNote.objects.get(report=report, measure__number=number)


def year_of(number, slot, fiscal_year):
    return IndicatorYear.objects.get(indicator__measure__plan__slug=PLAN, indicator__measure__number=number,
                                     indicator__slot=slot, fiscal_year=fiscal_year)


def indicator_of(number, slot):
    return Indicator.objects.get(measure__plan__slug=PLAN, measure__number=number, slot=slot)


def measure_of(number):
    return Measure.objects.get(plan__slug=PLAN, number=number)


@pytest.fixture
def published(client, seed_plan, people, report, monkeypatch):
    """The 2024-09-01 report, published with 34,068時間 (lower is better: 達成 164.1%), a milestone
    reached (条例への反映 against 検討80%) and a cumulative result; returns what it showed then."""
    # Open data says the day it was made: fix it, so that only the data can differ.
    monkeypatch.setattr("exchange.views.timezone", types.SimpleNamespace(localdate=lambda: TODAY))
    shokuin, reviewer = people["shokuin"], people["reviewer"]
    stages = {s.label: s for s in MilestoneStage.objects.filter(indicator=indicator_of(1, 1))}
    milestone = workflow.save_note(shokuin, note_of(report, 1), expected_version=1, text="制度を条例に反映しました。",
                                   results={year_of(1, 1, 2023).pk: stages["条例への反映"]})
    overtime = workflow.save_note(shokuin, note_of(report, 2), expected_version=1, text="時間外勤務を削減しました。",
                                  results={year_of(2, 1, 2023).pk: Decimal(34068), year_of(2, 2, 2023).pk: Decimal(18)})
    for note in (milestone, overtime):
        workflow.approve(reviewer, workflow.submit(shokuin, note))
    # An official cumulative result (効果額（累計）), as a publication earlier in the year left it.
    cumulative = year_of(6, 1, 2023)
    cumulative.result_value = Decimal(1404728)
    cumulative.save()
    workflow.publish(reviewer, report)
    before = capture(client)
    assert "34,068時間" in before["page"].decode() and "達成率 164.1%" in before["page"].decode()
    return before


def workbook_cells(content: bytes) -> dict:
    """Every cell of every sheet: its value and number format."""
    workbook = open_xlsx(content)
    return {
        sheet.title: [(cell.coordinate, cell.value, cell.number_format) for row in sheet.iter_rows() for cell in row]
        for sheet in workbook.worksheets
    }


def capture(client) -> dict:
    # Built afresh, not served as kept (exchange.kept_files): what a rebuild from the report's own copy gives.
    KeptFile.objects.all().delete()
    page = client.get(REPORT_URL)
    workbook = client.get(WORKBOOK_URL)
    assert page.status_code == workbook.status_code == 200
    return {
        "page": page.content,
        "csv": client.get("/opendata/indicators.csv").content,
        "json": client.get("/opendata/indicators.json").content,
        "workbook": workbook_cells(workbook.content),
    }


def changed(obj, **fields):
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.full_clean()
    obj.save()


def swap_stages():
    first, second = MilestoneStage.objects.filter(indicator=indicator_of(1, 1)).order_by("position")[:2]
    positions = first.position, second.position
    changed(first, position=99)
    changed(second, position=positions[0])
    changed(first, position=positions[1])


def reorder_departments():
    lead, other = MeasureDepartment.objects.filter(measure=measure_of(2)).order_by("position")
    changed(lead, position=9)
    changed(other, position=1)
    changed(lead, position=2)


def add_measure():
    pillar = Pillar.objects.get(plan__slug=PLAN, number=1)
    measure = Measure.objects.create(plan=pillar.plan, pillar=pillar, number=16, title="新しい推進項目")
    MeasureDepartment.objects.create(measure=measure, department=Department.objects.get(section="職員課"), position=1)
    indicator = Indicator.objects.create(measure=measure, slot=1, name="新しい指標", unit="件")
    IndicatorYear.objects.create(indicator=indicator, fiscal_year=2023, target_status="set", target_value=10,
                                 result_value=12)


def change_later_figures():
    changed(year_of(2, 1, 2023), result_value=Decimal(50000))
    changed(year_of(2, 1, 2024), target_value=Decimal(1))
    changed(year_of(1, 1, 2023), result_stage=None)


EDITS = {
    "unit": lambda: changed(indicator_of(2, 1), unit="分"),
    "direction": lambda: changed(indicator_of(2, 1), direction=Indicator.Direction.HIGHER_IS_BETTER),
    "decimal places": lambda: changed(indicator_of(2, 1), decimal_places=2),
    "kind: numeric to milestone": lambda: changed(indicator_of(2, 1), kind=Indicator.Kind.MILESTONE),
    "cumulative flag": lambda: changed(indicator_of(6, 1), is_cumulative=False),
    "stage label": lambda: changed(MilestoneStage.objects.get(indicator=indicator_of(1, 1), label="検討80%"),
                                   label="検討完了"),
    "stage order": swap_stages,
    "indicator name": lambda: changed(indicator_of(2, 1), name="超過勤務時間"),
    "indicator provisional flag": lambda: changed(indicator_of(1, 1), name_is_provisional=False),
    "indicator note": lambda: changed(indicator_of(6, 1), note="※算出方法を改めました。"),
    "measure title and subtitle": lambda: changed(measure_of(1), title="人事制度の改革", subtitle="新しい副題"),
    "measure number": lambda: changed(measure_of(15), number=20),
    "measure texts": lambda: changed(measure_of(2), current_situation="書き直した現状。", approach="書き直した方向性。"),
    "pillar name": lambda: changed(Pillar.objects.get(plan__slug=PLAN, number=1), name="人材"),
    "department section name": lambda: changed(Department.objects.get(section="職員課"), section="人事課"),
    "department added to a measure": lambda: MeasureDepartment.objects.create(
        measure=measure_of(1), department=Department.objects.get(section="子育て支援課"), position=2),
    "department removed from a measure": lambda: MeasureDepartment.objects.filter(
        measure=measure_of(2), position=2).delete(),
    "departments reordered": reorder_departments,
    "plan title and municipality": lambda: changed(Plan.objects.get(slug=PLAN), title="新しい計画名", municipality="別の市"),
    "plan period": lambda: changed(Plan.objects.get(slug=PLAN), first_fiscal_year=2022, last_fiscal_year=2027),
    "grade bands": lambda: [changed(band, label=f"{band.label}（改）", min_rate=band.min_rate + 10)
                            for band in GradeBand.objects.filter(plan__slug=PLAN).exclude(min_rate=0)],
    "later targets and results": change_later_figures,
    "measure added": add_measure,
}


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_nothing_edited_later_changes_a_published_report(client, published, edit):
    edit()
    after = capture(client)
    assert after["page"] == published["page"], "the report's page changed"
    assert after["csv"] == published["csv"], "the open data CSV changed"
    assert after["json"] == published["json"], "the open data JSON changed"
    assert after["workbook"] == published["workbook"], "the report's workbook changed"


def has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def page_grades(html: str) -> dict:
    """(measure number, indicator ①, 令和5年度) → (grade, rate) from the report page's year tables."""
    grades = {}
    for table in lxml.html.fromstring(html).xpath(f"//table[{has_class('year-table')}]"):
        measure, slot = re.fullmatch(r"years-(\d+)-(.)", table.get("id")).groups()
        for row in table.xpath("./tbody/tr"):
            rate = row.xpath(f".//*[{has_class('grade__rate')}]")
            grades[(int(measure), slot, row.xpath("./th")[0].text_content().strip())] = (
                row.xpath(f".//*[{has_class('tag')}]")[0].text_content().strip(),
                rate[0].text_content().removeprefix("達成率 ").strip() if rate else "",
            )
    return grades


def test_open_data_and_the_report_page_agree(client, published):
    """The same report, the same grades and rates, in its page and in open data."""
    records = json.loads(published["json"])["records"]
    assert {r["report_as_of"] for r in records} == {AS_OF}
    from_open_data = {
        (r["measure_number"], circled(r["indicator_slot"]), r["fiscal_year_label"]): (
            r["grade"], "" if r["achievement_rate"] is None else f"{Decimal(str(r['achievement_rate'])):.1f}%"
        )
        for r in records
    }
    from_page = page_grades(published["page"].decode())
    assert from_page == from_open_data
    assert from_page[(2, "①", "令和5年度")] == ("達成", "164.1%")
    assert from_page[(1, "①", "令和5年度")] == ("達成", "")  # the milestone, reached
    assert {grade for grade, _ in from_page.values()} >= {"達成", "概ね達成", "未報告", "集計中", "目標未設定", "対象外"}
