"""Staff enter an implausible result and see, as they type, the grade the public page would publish and a
warning; they explain it and save; the reform office sees warning and explanation side by side.
Desktop and phone width, axe-core at zero violations, nothing blocked by the CSP."""

import datetime

import pytest
from playwright.sync_api import expect

from indicators.models import IndicatorYear
from reports.models import ProgressNote, ResultEntry
from tests.workflow_helpers import department, open_report, reviewer, staff

from .axe import assert_accessible
from .conftest import PHONE

FAR = "目標値（90,300時間）の3分の1未満です。"
EXPLANATION = "4月〜6月分のみの集計でした。年度末の確定値は後日入力します。"


@pytest.fixture
def world(seed_plan):
    staff("sato", department("総務部", "職員課"))
    reviewer("kaikaku")
    report = open_report(seed_plan, reviewer("kaikaku2"), as_of=datetime.date(2025, 6, 1),
                         due=datetime.date(2025, 6, 30))
    note = ProgressNote.objects.get(report=report, measure__number=2)
    year = IndicatorYear.objects.get(indicator__measure__number=2, indicator__slot=1, fiscal_year=2024)
    return note, year


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_staff_see_grade_and_warning_explain_and_reviewer_sees_both(session, world, screenshot, viewport):
    note, year = world
    url = f"/admin/reports/progressnote/{note.pk}/change/"
    grade = f"#grade_{year.pk}"
    warnings = f"#warnings_{year.pk}"

    staff_page = session("sato", viewport=viewport)
    staff_page.goto(url)
    explanation = staff_page.get_by_label("説明（指標①・令和6年度）")
    expect(explanation).to_be_hidden()  # nothing to explain yet

    # As they type: the server's grade and the warning, without saving.
    staff_page.get_by_label("指標① 令和6年度の結果").fill("1,854")
    expect(staff_page.locator(grade)).to_contain_text("達成率 197.9%")
    expect(staff_page.locator(grade)).to_contain_text("達成")
    expect(staff_page.locator(warnings)).to_contain_text(FAR)
    expect(explanation).to_be_visible()
    assert not ResultEntry.objects.filter(progress_note=note).exists()
    assert_accessible(staff_page)
    screenshot(staff_page, "1-staff-typing")

    # The explanation is saved with the result; the warning does not stop the submission.
    explanation.fill(EXPLANATION)
    staff_page.get_by_label("活動経過・今後の予定").fill("時間外勤務の縮減に取り組みました。")
    staff_page.get_by_role("button", name="下書きを保存").click()
    expect(staff_page.get_by_text("下書きを保存しました")).to_be_visible()
    expect(staff_page.locator(warnings)).to_contain_text(FAR)
    expect(staff_page.locator(grade)).to_contain_text("達成率 197.9%")
    expect(staff_page.get_by_label("説明（指標①・令和6年度）")).to_have_value(EXPLANATION)
    assert_accessible(staff_page)
    screenshot(staff_page, "2-staff-saved")
    staff_page.get_by_role("button", name="保存して経営改革課に提出").click()
    expect(staff_page.get_by_text("を経営改革課に提出しました")).to_be_visible()

    # The reform office: the grade, the warning and the explanation side by side.
    office_page = session("kaikaku", viewport=viewport)
    office_page.goto(url)
    expect(office_page.locator(grade)).to_contain_text("達成率 197.9%")
    expect(office_page.locator(warnings)).to_contain_text(FAR)
    expect(office_page.get_by_text(f"担当課の説明: {EXPLANATION}")).to_be_visible()
    assert_accessible(office_page)
    screenshot(office_page, "3-reviewer")
