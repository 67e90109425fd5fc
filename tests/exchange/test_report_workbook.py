"""The progress report workbook, opened with openpyxl as a user's spreadsheet would open it."""

import datetime
import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse

from exchange.report_workbook import report_workbook
from indicators.models import IndicatorYear
from reports.models import ProgressNote, ProgressReport

from .helpers import open_xlsx

SOURCE_PARAGRAPH = re.compile(r"<p>(.*?)</p>")


@pytest.fixture(scope="session")  # not "module": pytest-django runs database tests first, splitting the module
def seed_report_workbook(django_db_setup, django_db_blocker) -> bytes:
    """The seed plan's published report as a workbook, made once for the tests that read it as the session loaded it."""
    with django_db_blocker.unblock():
        return report_workbook(ProgressReport.objects.get(plan__slug="2023-2026"))


def all_text(workbook) -> str:
    return "\n".join(str(c.value) for ws in workbook.worksheets for row in ws.iter_rows() for c in row if c.value is not None)


def test_the_seed_report_holds_every_text_and_target_of_the_source(seed_report_workbook):
    from tests.test_seed_plan import SOURCE, stated_targets, MEASURE_BLOCKS

    workbook = open_xlsx(seed_report_workbook)
    assert workbook.sheetnames == ["一覧"] + [f"No.{n}" for n in range(1, 16)]
    text = all_text(workbook)
    for paragraph in SOURCE_PARAGRAPH.findall(SOURCE):
        assert paragraph.strip() in text
    for number, block in enumerate(MEASURE_BLOCKS, 1):
        sheet = workbook[f"No.{number}"]
        values = {}
        for row in sheet.iter_rows():
            if row[0].value and str(row[0].value).startswith("令和") and row[0].value.endswith("年度"):
                cell = row[1]
                shown = cell.value
                if isinstance(shown, (int, float)):
                    # the number format carries the unit: #,##0"時間" shows 95,000時間
                    fmt = cell.number_format
                    places = len(fmt.split(".")[1].split('"')[0]) if "." in fmt else 0
                    unit = fmt.split('"')[1] if '"' in fmt else ""
                    shown = f"{shown:,.{places}f}{unit}"
                values.setdefault(row[0].value, set()).add("-" if shown == "対象外" else shown)
        held = {(int(label[2:-2]) + 2018, v) for label, vs in values.items() for v in vs if v != "未設定"}
        assert held == stated_targets(block), number


def test_numbers_are_numbers_with_unit_formats_and_sheets_print_on_a4(seed_report_workbook):
    workbook = open_xlsx(seed_report_workbook)
    sheet = workbook["No.2"]
    overtime = next(row for row in sheet.iter_rows() if row[0].value == "令和5年度")
    assert overtime[1].value == 95000 and overtime[1].data_type == "n"
    assert overtime[1].number_format == '#,##0"時間"'
    for ws in workbook.worksheets:
        assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
        assert ws.page_setup.fitToWidth == 1
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert "進捗状況" in ws.oddHeader.center.text
    assert workbook["No.1"].page_setup.orientation == "portrait"
    assert workbook["一覧"].print_title_rows == "$2:$2"
    assert "B4:E4" in {str(r) for r in workbook["No.1"].merged_cells.ranges}
    first = [c.value for c in workbook["No.1"][1]]
    assert first[:2] == ["取組視点", "5つの柱① ヒト"]
    assert [c.value for c in workbook["No.1"][2]][:2] == ["事業No.", "推進項目名称"]
    labels = [row[0].value for row in workbook["No.1"].iter_rows()]
    assert labels[3:5] == ["現状と課題", "課題解決に向けた方向性・活動内容"]
    assert "指標①" in labels and labels[-1] == "令和5年度の活動経過・今後の予定"


def test_summary_has_every_indicator_year_with_grade(seed_report_workbook):
    workbook = open_xlsx(seed_report_workbook)
    rows = list(workbook["一覧"].iter_rows(min_row=3, values_only=True))
    assert len(rows) == 92
    by_key = {(r[0], r[3], r[5]): r for r in rows}
    assert by_key[(7, "②", "令和7年度")][6:] == ("対象外", None, None, "対象外")
    assert by_key[(2, "①", "令和8年度")][6] == "未設定"
    assert by_key[(2, "①", "令和5年度")][9] == "集計中"  # as of 2023-09-01 the year had not ended


def test_a_published_report_shows_what_was_published_not_later_edits(seed_plan):
    report = ProgressReport.objects.create(plan=seed_plan, as_of=datetime.date(2024, 6, 1))
    measure = seed_plan.measures.get(number=2)
    ProgressNote.objects.create(report=report, measure=measure, text="承認済みの記述", status="approved")
    ProgressNote.objects.create(report=report, measure=seed_plan.measures.get(number=3), text="未承認の記述", status="submitted")
    year = IndicatorYear.objects.get(indicator__measure=measure, indicator__slot=1, fiscal_year=2023)
    year.result_value = Decimal(96000)
    year.save()
    from reports import publication
    report = publication.publish_report(report)
    year.result_value = Decimal(1)
    year.save()
    workbook = open_xlsx(report_workbook(report))
    text = all_text(workbook)
    assert "承認済みの記述" in text and "未承認の記述" not in text
    row = next(r for r in workbook["一覧"].iter_rows(min_row=3, values_only=True) if r[0] == 2 and r[3] == "①" and r[5] == "令和5年度")
    assert row[7] == 96000 and row[8] == pytest.approx(98.9) and row[9] == "概ね達成"


def test_citizens_download_a_published_report_but_not_a_draft(client, seed_plan):
    url = reverse("exchange:report-xlsx", args=[seed_plan.slug, "2023-09-01"])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    assert open_xlsx(response.content)["No.1"]["A1"].value == "取組視点"
    ProgressReport.objects.create(plan=seed_plan, as_of=datetime.date(2024, 6, 1))
    assert client.get(reverse("exchange:report-xlsx", args=[seed_plan.slug, "2024-06-01"])).status_code == 404
    assert client.get(reverse("exchange:report-xlsx", args=[seed_plan.slug, "2024-06-02"])).status_code == 404


def test_report_text_is_never_a_formula(seed_plan):
    report = ProgressReport.objects.create(plan=seed_plan, as_of=datetime.date(2024, 6, 1))
    ProgressNote.objects.create(report=report, measure=seed_plan.measures.get(number=1), text="=cmd|' /C calc'!A0")
    data = report_workbook(report)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = b"".join(archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/"))
    assert b"<f>" not in xml
    assert "=cmd|' /C calc'!A0" in all_text(open_xlsx(data))


def test_reform_office_downloads_the_draft_with_every_note_marked(client, seed_plan, django_user_model):
    from django.contrib.auth.models import Group

    from plans.permissions import REVIEWER_GROUP, STAFF_GROUP

    report = ProgressReport.objects.create(plan=seed_plan, as_of=datetime.date(2024, 6, 1))
    ProgressNote.objects.filter(report=report, measure__number=3).update(text="未承認の記述", status="submitted")
    if not ProgressNote.objects.filter(report=report, measure__number=3).exists():
        ProgressNote.objects.create(report=report, measure=seed_plan.measures.get(number=3), text="未承認の記述", status="submitted")
    url = reverse("exchange:report-xlsx", args=[seed_plan.slug, "2024-06-01"])
    staff = django_user_model.objects.create_user("staff", password="x")
    staff.groups.add(Group.objects.get_or_create(name=STAFF_GROUP)[0])
    client.force_login(staff)
    assert client.get(url).status_code == 404
    reviewer = django_user_model.objects.create_user("reviewer", password="x")
    reviewer.groups.add(Group.objects.get_or_create(name=REVIEWER_GROUP)[0])
    client.force_login(reviewer)
    response = client.get(url)
    assert response.status_code == 200
    assert "%E6%9C%AA%E5%85%AC%E8%A1%A8" in response["Content-Disposition"]  # 未公表 in the file name
    workbook = open_xlsx(response.content)
    assert "未公表（確認用）" in workbook["一覧"]["A1"].value
    assert "【提出済み】\n未承認の記述" in all_text(workbook)
