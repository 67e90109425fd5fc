"""The admin pages staff and the reform office work in: accessible, in Japanese, as screenshots."""

import datetime

import pytest
from playwright.sync_api import expect

from indicators.models import IndicatorYear
from reports import workflow
from reports.models import ProgressNote
from tests.workflow_helpers import PASSWORD, department, open_report, reviewer, staff

from .axe import assert_accessible


@pytest.fixture
def world(seed_plan):
    sato = staff("sato", department("総務部", "職員課"))
    sato.last_name, sato.first_name = "佐藤", "花子"
    sato.save()
    suzuki = staff("suzuki", department("総務部", "職員課"))
    suzuki.last_name, suzuki.first_name = "鈴木", "一郎"
    suzuki.save()
    office = reviewer("kaikaku")
    report = open_report(seed_plan, office, as_of=datetime.date(2024, 6, 1), due=datetime.date(2024, 6, 30))
    return {"report": report, "sato": sato, "suzuki": suzuki, "office": office}


@pytest.fixture
def login(session):
    """`login(username, viewport=None)`: a separate browser context logged in to the admin."""
    return session


def note_url(note):
    return f"/admin/reports/progressnote/{note.pk}/change/"


def test_conflicting_edit_shows_what_the_other_person_changed(login, world, screenshot):
    note = ProgressNote.objects.get(report=world["report"], measure__number=2)
    first = login("sato")
    second = login("suzuki")
    first.goto(note_url(note))
    second.goto(note_url(note))
    first.get_by_label("指標① 令和5年度の結果").fill("94,000")
    first.get_by_label("活動経過・今後の予定").fill("佐藤が書いた記述")
    first.get_by_role("button", name="下書きを保存").click()
    expect(first.get_by_text("下書きを保存しました")).to_be_visible()

    second.get_by_label("指標① 令和5年度の結果").fill("95,500")
    second.get_by_label("活動経過・今後の予定").fill("鈴木が書いた記述")
    second.get_by_role("button", name="保存して経営改革課に提出").click()
    alert = second.get_by_role("alert").filter(has_text="佐藤 花子さん")
    expect(alert).to_contain_text("あなたの入力はまだ保存されていません")
    expect(alert.get_by_role("row", name="活動経過・今後の予定")).to_contain_text("佐藤が書いた記述")
    expect(alert.get_by_role("row", name="指標① 令和5年度の結果")).to_contain_text("94,000時間")
    expect(second.get_by_label("活動経過・今後の予定")).to_have_value("鈴木が書いた記述")  # kept for another try
    assert_accessible(second)
    screenshot(second, "conflict")
    note.refresh_from_db()
    assert (note.text, note.status) == ("佐藤が書いた記述", "draft")


def test_reviewer_reads_the_review_box_and_the_timeline(login, world, screenshot):
    note = ProgressNote.objects.get(report=world["report"], measure__number=1)
    stage = IndicatorYear.objects.get(indicator__measure__number=1, fiscal_year=2023).indicator.stages.get(label="検討80%")
    year = IndicatorYear.objects.get(indicator__measure__number=1, fiscal_year=2023)
    note = workflow.save_note(world["sato"], note, expected_version=1, text="検討を進めました。", results={year.pk: stage})
    note = workflow.submit(world["sato"], note)
    note = workflow.return_with_comment(world["office"], note, "段階の根拠を書いてください。")
    note = workflow.save_note(world["sato"], note, expected_version=note.version,
                              text="検討を進め、8割まで終えました。", results={year.pk: stage})
    workflow.submit(world["sato"], note)
    page = login("kaikaku")
    page.goto(note_url(note))
    # The comment it was returned with, in the panel of what changed since (templates/.../since_return.html).
    since_return = page.get_by_role("region", name="差し戻した後の変更")
    expect(since_return).to_contain_text("段階の根拠を書いてください。")
    expect(since_return.locator("ins").first).to_be_visible()  # the narrative's added words
    expect(page.get_by_role("button", name="承認する")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "review")
    page.get_by_role("link", name="変更履歴").click()
    table = page.get_by_role("table", name="変更履歴（6件）")
    expect(table).to_contain_text("差戻し")
    expect(table).to_contain_text("佐藤 花子")
    expect(table).to_contain_text("指標① 令和5年度の結果")
    expect(table).to_contain_text("検討80%")
    assert_accessible(page)
    screenshot(page, "timeline")


def test_staff_read_their_measure_and_list(login, world, screenshot):
    page = login("sato")
    page.goto("/admin/reports/progressnote/")
    expect(page.get_by_role("link", name="No.11")).to_have_count(0)
    expect(page.get_by_role("link", name="No.2 働き方改革の促進（時間外勤務の縮減）").first).to_be_visible()
    assert_accessible(page)
    screenshot(page, "staff-notes")
    measure = world["report"].plan.measures.get(number=2)
    page.goto(f"/admin/plans/measure/{measure.pk}/change/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("推進項目")
    expect(page.locator("input[name=title]")).to_have_count(0)  # read-only for staff
    screenshot(page, "staff-measure")


def test_staff_entry_page_on_a_phone(login, world, screenshot):
    note = ProgressNote.objects.get(report=world["report"], measure__number=2)
    page = login("sato", viewport={"width": 375, "height": 800})
    page.goto(note_url(note))
    expect(page.get_by_label("指標① 令和5年度の結果")).to_be_visible()
    screenshot(page, "phone-entry")


def test_lockout_page_after_repeated_failures(page, world, screenshot, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        page.goto("/admin/login/?next=/admin/")
        page.get_by_label("ユーザー名").fill("sato")
        page.get_by_label("パスワード").fill("wrong-password")
        page.get_by_role("button", name="ログイン").click()
    page.goto("/admin/login/?next=/admin/")
    page.get_by_label("ユーザー名").fill("sato")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ログインが一時的に制限されています")
    assert_accessible(page)
    screenshot(page, "lockout")
