"""The workbook pages in the admin: reachable from where people work, and only for those allowed."""


from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from exchange.plan_workbook import export_plan
from plans.models import Plan
from tests.workflow_helpers import open_report

from .helpers import edited, open_xlsx, pending_upload_id


def test_start_pages_link_the_workbooks(client, seed_plan, people):
    report = open_report(seed_plan, people["reviewer"])
    client.force_login(people["shokuin"])
    html = client.get(reverse("admin:index")).content.decode()
    assert reverse("exchange_admin:result-upload", args=[report.pk]) in html
    client.force_login(people["reviewer"])
    html = client.get(reverse("admin:index")).content.decode()
    assert reverse("exchange:report-xlsx", args=[seed_plan.slug, "2024-09-01"]) in html
    assert reverse("exchange_admin:plan-import") in html
    html = client.get(reverse("admin:plans_plan_change", args=[seed_plan.pk])).content.decode()
    assert reverse("exchange_admin:plan-export", args=[seed_plan.slug]) in html
    assert "公開日時" in html


def test_reform_office_exports_and_imports_a_plan_in_the_admin(client, seed_plan, people):
    client.force_login(people["reviewer"])
    exported = client.get(reverse("exchange_admin:plan-export", args=[seed_plan.slug]))
    assert exported.status_code == 200
    assert open_xlsx(exported.content)["計画"]["B2"].value == seed_plan.slug

    def next_plan(workbook):
        workbook["計画"]["B2"] = "2027-2030"
        workbook["計画"]["B6"] = "令和9年度"
        workbook["計画"]["B7"] = "令和12年度"
        for row in workbook["目標値"].iter_rows(min_row=2):
            row[2].value = {"令和5年度": "令和9年度", "令和6年度": "令和10年度", "令和7年度": "令和11年度", "令和8年度": "令和12年度"}[row[2].value]
    url = reverse("exchange_admin:plan-import")
    preview = client.post(url, {"workbook": SimpleUploadedFile("p.xlsx", edited(exported.content, next_plan))})
    assert "作成する内容の確認" in preview.content.decode()
    assert not Plan.objects.filter(slug="2027-2030").exists()
    created = client.post(url, {"confirm": "1", "pending": pending_upload_id(preview)})
    plan = Plan.objects.get(slug="2027-2030")
    assert created.status_code == 302 and created["Location"] == reverse("admin:plans_plan_change", args=[plan.pk])
    assert (plan.first_fiscal_year, plan.last_fiscal_year, plan.published_at) == (2027, 2030, None)
    assert plan.measures.count() == 15 and plan.history.first().history_user == people["reviewer"]


def test_a_bad_plan_workbook_shows_its_problems_in_the_admin(client, seed_plan, people):
    client.force_login(people["reviewer"])
    response = client.post(reverse("exchange_admin:plan-import"),
                           {"workbook": SimpleUploadedFile("p.xlsx", export_plan(seed_plan))})
    html = response.content.decode()
    assert "何も保存していません" in html and "URL名「2023-2026」の計画はすでにあります" in html
    assert Plan.objects.count() == 1


def test_staff_cannot_export_or_import_plans(client, seed_plan, people):
    client.force_login(people["shokuin"])
    assert client.get(reverse("exchange_admin:plan-export", args=[seed_plan.slug])).status_code == 403
    assert client.get(reverse("exchange_admin:plan-import")).status_code == 403
    response = client.post(reverse("exchange_admin:plan-import"),
                           {"workbook": SimpleUploadedFile("p.xlsx", export_plan(seed_plan))})
    assert response.status_code == 403
