"""The admin's progress pages, through HTTP as each role uses them."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from indicators.models import IndicatorYear
from reports import workflow
from plans.models import Department
from reports.models import ProgressNote, ProgressReport
from tests.workflow_helpers import administrator, department, reviewer, staff


@pytest.fixture
def people(seed_plan):
    # Unlike the shared fixture, kodomo works for all four 健康こども部 sections, as the demo account does.
    return {
        "shokuin": staff("shokuin", department("総務部", "職員課")),
        "kodomo": staff("kodomo", *Department.objects.filter(division="健康こども部")),
        "reviewer": reviewer("shinsa"),
        "admin": administrator("kanri"),
    }


def note_of(report, number):
    return ProgressNote.objects.get(report=report, measure__number=number)


def edit_url(note):
    return reverse("admin:reports_progressnote_change", args=[note.pk])


def year_of(number, slot, fiscal_year):
    return IndicatorYear.objects.get(indicator__measure__number=number, indicator__slot=slot, fiscal_year=fiscal_year)


def test_staff_start_page_lists_due_and_returned(client, report, people):
    note = note_of(report, 2)
    workflow.save_note(people["shokuin"], note, expected_version=1, text="a", results={})
    workflow.submit(people["shokuin"], note)
    workflow.return_with_comment(people["reviewer"], note, "前年同期との比較を書いてください。")
    client.force_login(people["shokuin"])
    page = client.get(reverse("admin:index")).content.decode()
    assert "担当している推進項目の入力状況" in page
    assert "提出期限: 令和6年9月30日" in page
    assert "差し戻された推進項目が1件あります" in page
    assert "前年同期との比較を書いてください。" in page
    assert "No.1 人事評価制度の充実" in page  # measure 1: 職員課 alone, still to do
    assert "No.11" not in page  # another department's measure
    assert "受付中の進捗状況報告" not in page  # the reviewers' panel


def test_reviewer_start_page_and_dashboard(client, report, people):
    workflow.save_note(people["shokuin"], note_of(report, 1), expected_version=1, text="a", results={})
    workflow.submit(people["shokuin"], note_of(report, 1))
    client.force_login(people["reviewer"])
    page = client.get(reverse("admin:index")).content.decode()
    assert "確認待ち <strong>1件</strong>・未提出 <strong>14件</strong>" in page
    page = client.get(reverse("admin:reports_progressreport_dashboard", args=[report.pk])).content.decode()
    assert "まだ提出していない推進項目（14件）" in page
    assert "健康こども部子育て支援課" in page
    assert page.count('class="status-tag status-draft"') >= 14
    assert "公表の確認へ進む" in page


def test_staff_enters_results_as_typed_and_submits(client, report, people):
    note = note_of(report, 2)
    overtime, telework = year_of(2, 1, 2023), year_of(2, 2, 2023)
    client.force_login(people["shokuin"])
    page = client.get(edit_url(note)).content.decode()
    assert "時間外勤務時間" in page and "95,000時間" in page  # the indicator and its target
    response = client.post(edit_url(note), {
        "version": 1, "text": "時間外勤務を削減しました。",
        f"result_{overtime.pk}": "３４，０６８時間", f"result_{telework.pk}": "18%", "_submit": "1",
    })
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.status == "submitted"
    assert {e.indicator_year_id: e.value for e in note.result_entries.all()} == {
        overtime.pk: Decimal(34068), telework.pk: Decimal(18)}


def test_a_bad_value_is_refused_at_its_field_and_saves_nothing(client, report, people):
    note = note_of(report, 2)
    overtime, telework = year_of(2, 1, 2023), year_of(2, 2, 2023)
    client.force_login(people["shokuin"])
    response = client.post(edit_url(note), {
        "version": 1, "text": "書いた", f"result_{overtime.pk}": "34,068件", f"result_{telework.pk}": "-3",
        "_save": "1",
    })
    assert response.status_code == 200
    page = response.content.decode()
    assert "この指標の単位は「時間」です" in page
    assert "負の数は入力できません" in page
    assert "保存はされていません" in page
    assert 'value="34,068件"' in page  # what was typed stays in the field
    note.refresh_from_db()
    assert (note.text, note.version, note.result_entries.count()) == ("", 1, 0)


def test_the_later_of_two_saves_is_refused_showing_the_other_change(client, report, people):
    note = note_of(report, 2)
    colleague = staff("shokuin2", department("総務部", "職員課"))
    overtime = year_of(2, 1, 2023)
    # Both open the page at version 1; the colleague saves first.
    workflow.save_note(colleague, note, expected_version=1, text="同僚の記述", results={overtime.pk: Decimal(33000)})
    client.force_login(people["shokuin"])
    response = client.post(edit_url(note), {
        "version": 1, "text": "わたしの記述", f"result_{overtime.pk}": "34,068", "_save": "1"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "shokuin2さん" in page and "まだ保存されていません" in page
    assert "同僚の記述" in page and "33,000時間" in page  # what the colleague changed
    assert "わたしの記述" in page  # the refused input is kept for another try
    note.refresh_from_db()
    assert note.text == "同僚の記述"
    # Having seen the change, a second save goes through (the form now carries the new version).
    assert f'name="version" value="{note.version}"' in page
    response = client.post(edit_url(note), {
        "version": note.version, "text": "わたしの記述", f"result_{overtime.pk}": "34,068", "_save": "1"})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.text == "わたしの記述"


def test_reviewer_returns_then_approves_and_publishes(client, report, people):
    note = note_of(report, 1)
    workflow.save_note(people["shokuin"], note, expected_version=1, text="a", results={})
    note = workflow.submit(people["shokuin"], note)
    client.force_login(people["reviewer"])
    page = client.get(edit_url(note)).content.decode()
    assert "承認する" in page and "差し戻す" in page and "下書きを保存" not in page
    response = client.post(edit_url(note), {"version": note.version, "comment": "", "_return": "1"})
    assert "差し戻す理由を入力してください" in response.content.decode()
    response = client.post(edit_url(note), {"version": note.version, "comment": "段階を選んでください", "_return": "1"})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.status == "returned"
    note = workflow.submit(people["shokuin"], note)
    response = client.post(edit_url(note), {"version": note.version, "comment": "", "_approve": "1"})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.status == "approved"
    publish_url = reverse("admin:reports_progressreport_publish", args=[report.pk])
    page = client.get(publish_url).content.decode()
    assert "承認されていない推進項目が14件あります" in page
    assert client.post(publish_url).status_code == 200  # the 14 unapproved: what becomes of them must be chosen
    assert not ProgressReport.objects.get(pk=report.pk).is_published
    assert client.post(publish_url, {"unapproved": "omit"}).status_code == 302
    report.refresh_from_db()
    assert report.is_published


def action_url(note, name):
    return reverse(f"admin:reports_progressnote_{name}", args=[note.pk])


def test_each_button_posts_to_its_own_action(client, report, people):
    note = note_of(report, 2)
    overtime = year_of(2, 1, 2023)
    client.force_login(people["shokuin"])
    page = client.get(edit_url(note)).content.decode()
    assert f'action="{action_url(note, "save")}"' in page
    assert f'formaction="{action_url(note, "submit")}"' in page
    assert client.get(action_url(note, "save"))["Location"] == edit_url(note)  # only a post acts
    response = client.post(action_url(note, "save"), {"version": 1, "text": "下書き", f"result_{overtime.pk}": ""})
    assert response.status_code == 302 and response["Location"] == edit_url(note)
    response = client.post(action_url(note, "submit"), {"version": 2, "text": "", f"result_{overtime.pk}": "1"})
    assert "活動経過・今後の予定を入力してから提出してください。" in response.content.decode()
    note.refresh_from_db()
    assert (note.text, note.version, note.result_entries.count()) == ("下書き", 2, 0)  # both or neither
    response = client.post(action_url(note, "submit"), {"version": 2, "text": "提出", f"result_{overtime.pk}": "1"})
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    note.refresh_from_db()
    assert note.status == "submitted"

    client.force_login(people["reviewer"])
    page = client.get(edit_url(note)).content.decode()
    assert f'formaction="{action_url(note, "approve")}"' in page and f'formaction="{action_url(note, "return")}"' in page
    dashboard = reverse("admin:reports_progressreport_dashboard", args=[report.pk])
    response = client.post(action_url(note, "return"), {"version": note.version, "comment": ""})
    assert "差し戻す理由を入力してください" in response.content.decode()
    # A stale version on a review is refused like a stale save, showing what changed.
    response = client.post(action_url(note, "approve"), {"version": 2, "comment": ""})
    assert response.status_code == 200 and "shokuinさん" in response.content.decode()
    assert f'name="version" value="{note.version}"' in response.content.decode()
    response = client.post(action_url(note, "return"), {"version": note.version, "comment": "根拠を"})
    assert response.status_code == 302 and response["Location"] == dashboard
    note = workflow.submit(people["shokuin"], note_of(report, 2))
    response = client.post(action_url(note, "approve"), {"version": note.version, "comment": ""})
    assert response.status_code == 302 and response["Location"] == dashboard
    assert note_of(report, 2).status == "approved"
    # Staff may not review, and another department's note is not found, whatever the action.
    client.force_login(people["kodomo"])
    for name in ("save", "submit", "return", "approve"):
        assert client.post(action_url(note, name), {"version": 1, "text": "x", "comment": "x"}).status_code == 404
    client.force_login(people["shokuin"])
    assert client.post(action_url(note, "return"), {"version": note.version, "comment": "x"}).status_code == 403


def test_a_reviewer_who_wrote_the_note_cannot_approve_it_in_the_admin(client, report, people):
    writer = reviewer("keiei", department("市長公室", "経営改革課"))
    note = note_of(report, 2)  # 経営改革課 shares measure 2 with 職員課
    client.force_login(writer)
    response = client.post(action_url(note, "save"), {"version": 1, "text": "経営改革課が記入"})
    assert response.status_code == 302
    note = workflow.submit(people["shokuin"], note_of(report, 2))  # a colleague submits
    page = client.get(edit_url(note)).content.decode()
    assert "差し戻す" in page and "承認する" not in page
    response = client.post(action_url(note, "approve"), {"version": note.version, "comment": ""})
    assert response.status_code == 403
    assert "この記述を自分で入力・編集しています。ほかの審査担当者に承認を依頼してください。" in response.content.decode()
    assert note_of(report, 2).status == "submitted"
    client.force_login(people["reviewer"])
    assert "承認する" in client.get(edit_url(note)).content.decode()
    assert client.post(action_url(note, "approve"), {"version": note.version, "comment": ""}).status_code == 302
    assert note_of(report, 2).status == "approved"


def test_timeline_shows_who_what_before_after(client, report, people):
    note = note_of(report, 2)
    overtime = year_of(2, 1, 2023)
    workflow.save_note(people["shokuin"], note, expected_version=1, text="一", results={overtime.pk: Decimal(1)})
    workflow.save_note(people["shokuin"], note, expected_version=2, text="二", results={overtime.pk: Decimal(2)})
    client.force_login(people["reviewer"])
    page = client.get(reverse("admin:reports_progressnote_history", args=[note.pk])).content.decode()
    assert "<del>1時間</del>" in page and "<ins>2時間</ins>" in page
    assert "<del>一</del>" in page and "<ins>二</ins>" in page
    assert "shokuin" in page


def test_history_of_plan_content_in_the_admin(client, seed_plan, people):
    measure = seed_plan.measures.get(number=1)
    client.force_login(people["reviewer"])
    url = reverse("admin:plans_measure_change", args=[measure.pk])
    data = {
        "plan": seed_plan.pk, "pillar": measure.pillar_id, "number": 1, "title": "新しい名称",
        "subtitle": measure.subtitle, "current_situation": measure.current_situation, "approach": measure.approach,
        "assignments-TOTAL_FORMS": 0, "assignments-INITIAL_FORMS": 0,
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    latest = measure.history.latest("history_date")
    assert latest.title == "新しい名称" and latest.history_user == people["reviewer"]
    page = client.get(reverse("admin:plans_measure_history", args=[measure.pk])).content.decode()
    assert "新しい名称" in page and "shinsa" in page


def test_reviewer_opens_a_report_in_the_admin(client, seed_plan, people):
    client.force_login(people["reviewer"])
    response = client.post(reverse("admin:reports_progressreport_add"), {
        "plan": seed_plan.pk, "as_of": "2024-09-01", "due_date": "2024-09-20",
        "confirm_past_due_date": "on"})  # a deadline before today is saved only when confirmed
    assert response.status_code == 302
    report = seed_plan.reports.get(as_of=datetime.date(2024, 9, 1))
    assert response["Location"] == reverse("admin:reports_progressreport_dashboard", args=[report.pk])
    assert report.notes.count() == 15


def test_dashboard_and_start_page_queries_do_not_grow_with_measures(client, seed_plan, report, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from plans.models import Measure, MeasureDepartment

    def count(user, url):
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    dashboard = reverse("admin:reports_progressreport_dashboard", args=[report.pk])
    start = reverse("admin:index")
    before = count(people["reviewer"], dashboard), count(people["shokuin"], start)
    pillar = seed_plan.pillars.first()
    shokuin = department("総務部", "職員課")
    for number in range(16, 26):
        measure = Measure.objects.create(plan=seed_plan, pillar=pillar, number=number, title=f"追加{number}")
        MeasureDepartment.objects.create(measure=measure, department=shokuin, position=1)
        assert ProgressNote.objects.filter(report=report, measure=measure).exists()  # a new measure joins the open report
    after = count(people["reviewer"], dashboard), count(people["shokuin"], start)
    assert after == before
    assert "追加25" in client.get(start).content.decode()
