"""Holes an independent review found, each held shut by a test."""

from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse

from exchange.plan_workbook import export_plan, import_plan
from exchange.report_workbook import report_workbook
from indicators.models import IndicatorYear
from plans import permissions
from reports import workflow
from plans.models import Department
from reports.models import ProgressNote
from tests.exchange.helpers import edited, open_xlsx
from tests.workflow_helpers import open_report


def test_history_pages_cannot_revert_past_the_workflow(client, seed_plan, people):
    report = open_report(seed_plan, people["reviewer"])
    note = ProgressNote.objects.get(report=report, measure__number=2)
    record = note.history.first()
    client.force_login(people["shokuin"])
    url = reverse("admin:reports_progressnote_simple_history", args=[note.pk, record.history_id])
    client.post(url, {"status": "approved", "text": "x", "version": note.version, "report": report.pk,
                      "measure": note.measure_id})
    note.refresh_from_db()
    assert note.status == "draft" and note.text == ""


def test_rights_are_checked_before_a_stale_version_would_show_changes(seed_plan, people):
    report = open_report(seed_plan, people["reviewer"])
    note = ProgressNote.objects.get(report=report, measure__number=2)
    workflow.save_note(people["shokuin"], note, expected_version=note.version, text="職員課の記述", results={})
    with pytest.raises(permissions.NotAllowed):
        workflow.save_note(people["kodomo"], note, expected_version=1, text="x", results={})


def test_a_malformed_report_date_is_not_found(client, seed_plan):
    assert client.get("/plans/2023-2026/reports/2023-13-45/progress-report.xlsx").status_code == 404


@override_settings(EXCHANGE_MAX_UNPACKED_BYTES=10_000)
def test_a_workbook_that_unpacks_huge_is_refused(seed_plan):
    result = import_plan(export_plan(seed_plan))
    assert [str(p) for p in result.problems] == ["ファイルの中身が大きすぎます（展開後の上限 9 KB）。"]


def test_a_department_only_of_an_unpublished_plan_is_not_named(client, seed_plan):
    hidden = Department.objects.create(division="新設部", section="準備室")
    assert client.get(f"/departments/{hidden.pk}/").status_code == 404
    assert "準備室" not in client.get("/departments/").content.decode()


def test_the_draft_workbook_shows_the_results_staff_propose(seed_plan, people):
    report = open_report(seed_plan, people["reviewer"])
    note = ProgressNote.objects.get(report=report, measure__number=2)
    year = IndicatorYear.objects.get(indicator__measure__number=2, indicator__slot=1, fiscal_year=2023)
    workflow.save_note(people["shokuin"], note, expected_version=note.version, text="記述", results={year.pk: Decimal(94000)})
    rows = list(open_xlsx(report_workbook(report))["一覧"].iter_rows(min_row=3, values_only=True))
    row = next(r for r in rows if r[0] == 2 and r[3] == "①" and r[5] == "令和5年度")
    assert row[7] == 94000 and row[9] == "達成"
    year.refresh_from_db()
    assert year.result_value is None  # the official result is untouched until publication


def test_plan_import_gives_every_indicator_every_year_and_checks_the_period(seed_plan):
    def drop_a_year(workbook):
        workbook["計画"]["B2"] = "copy"
        sheet = workbook["目標値"]
        for row in sheet.iter_rows(min_row=2):
            if row[0].value == 15 and row[1].value == 2 and row[2].value == "令和8年度":
                for cell in row:
                    cell.value = None
    result = import_plan(edited(export_plan(seed_plan), drop_a_year))
    assert result.ok, result.problems
    assert IndicatorYear.objects.filter(indicator__measure__plan=result.created).count() == 92
    assert IndicatorYear.objects.get(indicator__measure__plan=result.created, indicator__measure__number=15,
                                     indicator__slot=2, fiscal_year=2026).target_status == "not_set"

    def reversed_period(workbook):
        workbook["計画"]["B2"] = "copy2"
        workbook["計画"]["B6"] = "令和9年度"
    problems = [str(p) for p in import_plan(edited(export_plan(seed_plan), reversed_period)).problems]
    assert "シート「計画」：終了年度は開始年度以降にしてください。" in problems


def test_no_history_page_of_any_admin_saves_a_post(client, seed_plan, people, django_user_model):
    from django.contrib import admin
    from simple_history.admin import SimpleHistoryAdmin

    superuser = django_user_model.objects.create_superuser("root", password="x-very-long-password")
    client.force_login(superuser)
    measure = seed_plan.measures.get(number=1)
    record = measure.history.first()
    response = client.post(reverse("admin:plans_measure_simple_history", args=[measure.pk, record.history_id]),
                           {"title": "書き換え", "plan": seed_plan.pk, "pillar": measure.pillar_id, "number": 1})
    assert response.status_code == 403
    measure.refresh_from_db()
    assert measure.title == "人事評価制度の充実"
    history_admins = [a for a in admin.site._registry.values() if isinstance(a, SimpleHistoryAdmin)]
    assert history_admins and all(
        type(a).history_form_view is not SimpleHistoryAdmin.history_form_view for a in history_admins)


def test_changing_the_bands_later_does_not_regrade_a_published_report(client, seed_plan, people):
    from indicators.models import GradeBand
    from reports import publication

    report = open_report(seed_plan, people["reviewer"])
    note = ProgressNote.objects.get(report=report, measure__number=2)
    year = IndicatorYear.objects.get(indicator__measure__number=2, indicator__slot=1, fiscal_year=2023)
    workflow.save_note(people["shokuin"], note, expected_version=note.version, text="記述", results={year.pk: Decimal(100000)})
    workflow.submit(people["shokuin"], ProgressNote.objects.get(pk=note.pk))
    workflow.approve(people["reviewer"], ProgressNote.objects.get(pk=note.pk))
    report = publication.publish_report(report)  # 100,000h against 95,000h: 94.7% → 概ね達成
    url = "/plans/2023-2026/reports/2024-09-01/"
    before = client.get(url).content.decode()
    assert "94.7%" in before
    GradeBand.objects.filter(plan=seed_plan, label="概ね達成").update(min_rate=Decimal("99.5"))
    assert client.get(url).content.decode() == before
    row = next(r for r in open_xlsx(report_workbook(report))["一覧"].iter_rows(min_row=3, values_only=True)
               if r[0] == 2 and r[3] == "①" and r[5] == "令和5年度")
    assert row[9] == "概ね達成"
    measure_page = client.get("/plans/2023-2026/measures/2/").content.decode()
    assert "未達成" in measure_page  # the live page follows the plan's bands as they are now
