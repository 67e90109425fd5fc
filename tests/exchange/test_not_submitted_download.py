"""The reform office's list of departments and measures not yet submitted, with whom to contact."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from reports import workflow
from reports.models import ProgressNote
from tests.workflow_helpers import department, staff


@pytest.fixture
def world(report, people):
    people["kodomo"].last_name, people["kodomo"].first_name = "木更津", "花子"
    people["kodomo"].email = "kodomo@city.example.jp"
    people["kodomo"].save()
    colleague = staff("kodomo2", department("健康こども部", "子育て支援課"))
    colleague.email = "=cmd|' /C calc'!A0"  # what a spreadsheet would run, if the list let it
    colleague.save()
    for number in (1, 2):  # 職員課 has submitted everything
        note = ProgressNote.objects.get(report=report, measure__number=number)
        note = workflow.save_note(people["shokuin"], note, expected_version=note.version, text="進めました。", results={})
        workflow.submit(people["shokuin"], note)
    return people


def test_dashboard_links_and_workbook(client, world, report):
    client.force_login(world["reviewer"])
    page = client.get(reverse("admin:reports_progressreport_dashboard", args=[report.pk])).content.decode()
    url = reverse("exchange_admin:not-submitted-xlsx", args=[report.pk])
    assert url in page and reverse("exchange_admin:not-submitted-csv", args=[report.pk]) in page
    response = client.get(url)
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    rows = list(workbook["未提出"].iter_rows(values_only=True))
    workbook.close()
    assert "提出期限" in rows[0][0]
    assert rows[1] == ("部", "課", "事業No.", "推進項目名称", "状態", "連絡先（氏名）", "連絡先（メールアドレス）")
    body = rows[2:]
    assert not [row for row in body if row[1] == "職員課"]  # it submitted: not on the list
    [kodomo] = [row for row in body if row[1] == "子育て支援課"]
    assert kodomo[2] == 11 and isinstance(kodomo[2], int) and kodomo[4] == "作成中"
    assert kodomo[5] == "kodomo2、木更津 花子"  # family name order; a user without a name by user name
    assert kodomo[6] == "=cmd|' /C calc'!A0; kodomo@city.example.jp"
    full = openpyxl.load_workbook(io.BytesIO(response.content))
    [cell] = [row[6] for row in full["未提出"].iter_rows(min_row=3) if row[1].value == "子育て支援課"]
    assert cell.data_type == "s" and cell.quotePrefix  # text, never a formula
    # Every measure not submitted appears for each of its departments; departments without staff say so.
    assert {row[2] for row in body} == set(ProgressNote.objects.filter(report=report, status="draft")
                                           .values_list("measure__number", flat=True))
    assert any(row[5] == "（職員の登録なし）" for row in body)


def test_csv_opens_in_excel_and_runs_nothing(client, world, report):
    client.force_login(world["reviewer"])
    response = client.get(reverse("exchange_admin:not-submitted-csv", args=[report.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "部" and rows[0][6] == "連絡先（メールアドレス）"
    [kodomo] = [row for row in rows[1:] if row[1] == "子育て支援課"]
    assert kodomo[2] == "11" and kodomo[5] == "kodomo2、木更津 花子"
    assert kodomo[6] == "'=cmd|' /C calc'!A0; kodomo@city.example.jp"  # the apostrophe keeps Excel from running it


def test_only_the_reform_office_downloads(client, world, report, seed_plan):
    client.force_login(world["kodomo"])
    assert client.get(reverse("exchange_admin:not-submitted-xlsx", args=[report.pk])).status_code == 403
    assert client.get(reverse("exchange_admin:not-submitted-csv", args=[report.pk])).status_code == 403
    client.force_login(world["reviewer"])
    published = seed_plan.reports.filter(published_at__isnull=False).first()
    assert client.get(reverse("exchange_admin:not-submitted-csv", args=[published.pk])).status_code == 404
