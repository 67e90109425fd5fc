"""Issue 9, workbooks out: no data the database holds stops a download, and no text is cut.

The hostile data goes straight into the database (bypassing the forms, as old data or a
paste from a word processor would arrive there): characters a workbook cannot hold, texts
longer than a cell, texts that start like a formula.
"""

import datetime

import pytest
from django.urls import reverse

from exchange import result_template
from exchange.cells import CELL_TEXT_LIMIT, ExportRefused, rows_of_text, split_text, text_cell, workbook_text
from exchange.plan_workbook import export_plan, import_plan
from exchange.report_workbook import SHEET_WIDTHS, report_workbook
from indicators.models import Indicator, MilestoneStage
from plans.models import Department, Measure, Pillar, Plan
from reports import publication
from reports.models import ProgressNote, ProgressReport

from .helpers import open_xlsx, row_of
from .test_plan_workbook import renamed
from .test_result_template import fill

# What a word processor's paste can carry (tab, LF and CR are fine); NUL too, though PostgreSQL cannot store it.
CONTROL = "\x01\x08\x0b\x0c\x0e\x1f"
UNWRITABLE = "\x00" + CONTROL + "\ufffe\uffff"


def text_of(workbook) -> str:
    return "\n".join(str(c.value) for ws in workbook.worksheets for row in ws.iter_rows() for c in row if c.value is not None)


def published_report(seed_plan):
    report = seed_plan.reports.get()
    assert report.is_published
    return report


# ---------------------------------------------------------------- characters a workbook cannot hold

def test_workbook_text_replaces_what_a_workbook_cannot_hold_and_keeps_the_rest():
    assert workbook_text(f"a{UNWRITABLE}b\t\n\rc") == "a" + " " * len(UNWRITABLE) + "b\t\n\rc"
    assert workbook_text("木更津市𠮷野家😀") == "木更津市𠮷野家😀"


def test_a_published_report_with_control_characters_still_downloads(client, seed_plan):
    Measure.objects.filter(plan=seed_plan, number=2).update(title="時間外\x0c勤務", current_situation="現状\x0b課題\ufffe")
    Indicator.objects.filter(measure__plan=seed_plan, measure__number=2, slot=1).update(name="時間外\x01勤務時間", note="注記\x1f")
    Plan.objects.filter(pk=seed_plan.pk).update(title="経営改革\x0b推進計画 & 報告")
    # A published report shows its own copy of the plan, taken when it is published: publish one with these texts.
    report = ProgressReport.objects.create(plan=seed_plan, as_of=datetime.date(2024, 6, 1))
    ProgressNote.objects.create(report=report, measure=seed_plan.measures.get(number=1),
                                text=f"改行{CONTROL}の後\x0bも", status="approved")
    publication.publish_report(report)
    response = client.get(reverse("exchange:report-xlsx", args=[seed_plan.slug, "2024-06-01"]))
    assert response.status_code == 200
    workbook = open_xlsx(response.content)
    text = text_of(workbook)
    assert "改行" + " " * len(CONTROL) + "の後 も" in text
    assert "時間外 勤務" in text and "現状 課題 " in text and "時間外 勤務時間" in text and "注記 " in text
    assert not any(c in text for c in UNWRITABLE)
    assert workbook["No.1"].oddHeader.center.text.startswith("経営改革 推進計画 && 報告")  # "&" is a header code


def test_a_draft_report_with_control_characters_downloads_for_the_reform_office(client, report, people):
    ProgressNote.objects.filter(report=report, measure__number=2).update(text="下書き\x0bの記述\x1f", status="submitted")
    client.force_login(people["reviewer"])
    response = client.get(reverse("exchange:report-xlsx", args=[report.plan.slug, "2024-09-01"]))
    assert response.status_code == 200
    assert "【提出済み】\n下書き の記述 " in text_of(open_xlsx(response.content))


def test_the_result_template_with_control_characters_downloads_and_uploads_unchanged(client, report, people):
    ProgressNote.objects.filter(report=report, measure__number=2).update(text="記述\x0b二行目\x0c")
    MilestoneStage.objects.filter(indicator__measure__number=1, position=1).update(label="検討\x0b80%")
    client.force_login(people["shokuin"])
    response = client.get(reverse("exchange_admin:result-template", args=[report.pk]))
    assert response.status_code == 200
    workbook = open_xlsx(response.content)
    assert row_of(workbook["活動経過"], 2)[2].value == "記述 二行目 "
    stages = next(v for v in workbook["結果"].data_validations.dataValidation if v.type == "list")
    assert stages.formula1 == '"未着手,検討 80%,条例への反映,実施"'  # 未着手: every milestone's stage 0


def test_the_plan_export_with_control_characters_exports_and_imports_with_spaces(seed_plan):
    Measure.objects.filter(plan=seed_plan, number=3).update(title="公共施設\x0bの最適化", approach="段落\x0c一\n\n段落二")
    Department.objects.filter(section="職員課").update(section="職員\x01課")
    MilestoneStage.objects.filter(indicator__measure__number=1, position=2).update(label="条例\x0bへの反映")
    result = import_plan(renamed(export_plan(seed_plan)))
    assert result.ok, result.problems
    copy = result.created.measures.get(number=3)
    assert (copy.title, copy.approach) == ("公共施設 の最適化", "段落 一\n\n段落二")
    assert result.created.measures.get(number=1).assignments.filter(department__section="職員 課").exists()
    assert "条例 への反映" in MilestoneStage.objects.filter(indicator__measure__plan=result.created).values_list("label", flat=True)


# ---------------------------------------------------------------- texts longer than a cell holds: refused, or split in the report

def test_split_text_never_loses_a_character():
    text = ("段落" * 9000 + "\n") * 3 + "𠮷" * 20000
    pieces = split_text(text)
    assert "".join(pieces) == text
    assert all(len(p.encode("utf-16-le")) // 2 <= CELL_TEXT_LIMIT for p in pieces)
    assert pieces[0].endswith("\n")  # cut after a line break where one is near


def test_a_text_longer_than_a_cell_is_refused_never_cut():
    from openpyxl import Workbook

    sheet = Workbook(write_only=True).create_sheet("推進項目")
    assert text_cell(sheet, "あ" * CELL_TEXT_LIMIT).value == "あ" * CELL_TEXT_LIMIT
    with pytest.raises(ExportRefused) as refused:
        text_cell(sheet, "長い文章" + "あ" * CELL_TEXT_LIMIT)
    assert "シート「推進項目」" in refused.value.message and "「長い文章" in refused.value.message
    with pytest.raises(ExportRefused):
        text_cell(sheet, "𠮷" * (CELL_TEXT_LIMIT // 2 + 1))  # Excel counts UTF-16 units


def test_a_plan_with_a_text_too_long_for_a_cell_is_not_exported_and_the_admin_says_why(client, seed_plan, people):
    Measure.objects.filter(plan=seed_plan, number=3).update(current_situation="現状" * 20000)
    with pytest.raises(ExportRefused):
        export_plan(seed_plan)
    client.force_login(people["reviewer"])
    response = client.get(reverse("exchange_admin:plan-export", args=[seed_plan.slug]), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[0][0] == reverse("admin:plans_plan_change", args=[seed_plan.pk])
    message = [str(m) for m in response.context["messages"]][0]
    assert "計画ブックを書き出せませんでした" in message and "シート「推進項目」" in message and "40,000 文字" in message


def test_a_result_template_with_a_narrative_too_long_for_a_cell_is_refused_in_the_admin(client, report, people):
    ProgressNote.objects.filter(report=report, measure__number=2).update(text="記" * (CELL_TEXT_LIMIT + 1))
    client.force_login(people["shokuin"])
    response = client.get(reverse("exchange_admin:result-template", args=[report.pk]), follow=True)
    assert response.redirect_chain[0][0] == reverse("exchange_admin:result-upload", args=[report.pk])
    assert "結果入力ブックを作れませんでした" in [str(m) for m in response.context["messages"]][0]


def test_a_narrative_as_long_as_a_cell_holds_survives_the_round_trip(report, people):
    user = people["shokuin"]
    longest = "記述" * (CELL_TEXT_LIMIT // 2) + "。"
    assert len(longest) == CELL_TEXT_LIMIT
    ProgressNote.objects.filter(report=report, measure__number=2).update(text=longest)
    upload = result_template.read_upload(user, report, fill(result_template.template_workbook(user, report)))
    assert upload.ok and not upload.changes  # nothing was cut on the way out and back


def test_a_published_narrative_longer_than_a_cell_is_split_never_cut(client, seed_plan):
    report = published_report(seed_plan)
    narrative = ("活動の経過。" * 3000 + "\n") * 4  # 72,004 characters
    ProgressNote.objects.filter(report=report, measure__number=1).update(text=narrative)
    response = client.get(reverse("exchange:report-xlsx", args=[seed_plan.slug, "2023-09-01"]))
    assert response.status_code == 200
    sheet = open_xlsx(response.content)["No.1"]
    caption = "令和5年度の活動経過・今後の予定"
    rows = [r for r in sheet.iter_rows() if str(r[0].value).startswith(caption)]
    # split where a cell is full, and again where a row would pass Excel's tallest
    assert len(rows) == len(rows_of_text(narrative, sum(SHEET_WIDTHS[1:]))) > len(split_text(narrative)) > 2
    assert [r[0].value for r in rows] == [caption] + [f"{caption}（続き）"] * (len(rows) - 1)
    assert "".join(r[1].value for r in rows) == narrative


# ---------------------------------------------------------------- texts that start like a formula stay text on every sheet

FORMULA_LIKE = ["=SUM(A1)", "+81", "-5", "@x"]


def formula_like_plan(seed_plan):
    """Every kind of text in the plan starting like a formula."""
    for number, start in enumerate(FORMULA_LIKE, 1):
        Measure.objects.filter(plan=seed_plan, number=number).update(
            title=f"{start} 推進項目", subtitle=start, current_situation=f"{start}\n現状", approach=start)
        Indicator.objects.filter(measure__plan=seed_plan, measure__number=number + 1, slot=1).update(
            name=start, note=f"{start} 注記", name_is_provisional=False)
    Pillar.objects.filter(plan=seed_plan, number=1).update(name="=柱", aim="-取組視点")
    Plan.objects.filter(pk=seed_plan.pk).update(introduction="=はじめに", policy="@方針")
    Department.objects.filter(section="職員課").update(section="+職員課")
    return Plan.objects.get(pk=seed_plan.pk)


def assert_quoted(workbook, texts):
    """Each cell holding one of `texts` is a string cell marked as text (quotePrefix), on every sheet; where they were found."""
    found = set()
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value in texts:
                    assert cell.data_type == "s" and cell.quotePrefix, f"{sheet.title}!{cell.coordinate} {cell.value!r}"
                    found.add((sheet.title, cell.value))
    return found


def test_text_starting_like_a_formula_is_quoted_in_every_sheet_of_the_report_workbook(seed_plan):
    plan = formula_like_plan(seed_plan)
    report = ProgressReport.objects.create(plan=plan, as_of=datetime.date(2024, 6, 1))
    ProgressNote.objects.create(report=report, measure=seed_plan.measures.get(number=1), text="=1+1 の記述", status="approved")
    workbook = open_xlsx(report_workbook(report))
    found = assert_quoted(workbook, {"=SUM(A1) 推進項目（=SUM(A1)）", "+81", "-5", "@x", "=SUM(A1)\n現状", "-5 注記", "=SUM(A1)"})
    sheets = {sheet for sheet, _ in found}
    assert {"一覧", "No.1", "No.2", "No.3", "No.4", "No.5"} <= sheets
    narrative = next(r[1] for r in workbook["No.1"].iter_rows() if str(r[0].value).endswith("今後の予定"))
    assert narrative.value == "=1+1 の記述" and narrative.quotePrefix and narrative.data_type == "s"
    labelled = next(r[1] for r in workbook["No.2"].iter_rows() if r[0].value == "指標①")  # a named style cell
    assert labelled.value == "=SUM(A1)" and labelled.quotePrefix
