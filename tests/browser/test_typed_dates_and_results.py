"""Issue 13, points 4-5, in a real browser: the reform office types dates as the city writes them and
confirms a past deadline; staff type 22.5 (%) and choose 未着手. Desktop and phone width, axe clean."""

import datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from indicators.models import NOT_STARTED
from reports.models import ProgressNote, ResultEntry
from tests.workflow_helpers import department, open_report, reviewer, staff

from .axe import WCAG_TAGS, assert_accessible, format_violations
from .conftest import DESKTOP, PHONE

SHOTS = Path("/tmp/typed-dates-and-results")  # screenshots to look at, outside the repository


def assert_accessible_form(page):
    """axe-core on a Django admin change form: as assert_accessible, but without axe's preloading of
    style sheets, which re-inserts forms.css's @import (widgets.css) as an inline style that the site's
    Content-Security-Policy refuses (axe's doing, not the page's; only css-orientation-lock needs it)."""
    options = {"runOnly": {"type": "tag", "values": list(WCAG_TAGS)}, "resultTypes": ["violations"], "preload": False}
    violations = page.evaluate("(options) => axe.run(document, options)", options)["violations"]
    assert not violations, format_violations(violations, page.url)


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_reform_office_types_era_dates_and_confirms_a_past_deadline(session, seed_plan, viewport, screenshot):
    reviewer("kaikaku")
    page = session("kaikaku", viewport=viewport)
    page.goto("/admin/reports/progressreport/add/")
    plan = page.get_by_label("計画")
    if seed_plan.holds_fiscal_year(2026) and datetime.date.today().year <= 2027:
        expect(plan).to_have_value(str(seed_plan.pk))  # the only current plan, preselected
    else:
        plan.select_option(str(seed_plan.pk))
    expect(page.get_by_text("令和6年9月1日、R6.9.1").first).to_be_visible()  # the forms it reads
    page.get_by_label("基準日").fill("令和６年９月１日")
    page.get_by_label("提出期限").fill("R6.9.30")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("提出期限（令和6年9月30日）は今日")).to_be_visible()
    confirm = page.get_by_label("過去の提出期限のまま保存する")
    expect(confirm).to_be_visible()
    expect(page.get_by_label("基準日")).to_have_value("令和６年９月１日")  # what was typed stays
    assert_accessible_form(page)
    shot(page, f"report-past-deadline-{viewport['width']}")
    screenshot(page, "past-deadline")
    confirm.check()
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("進捗状況（令和6年9月1日現在）を作成しました")).to_be_visible()
    report = seed_plan.reports.get(published_at__isnull=True)
    assert (report.as_of, report.due_date) == (datetime.date(2024, 9, 1), datetime.date(2024, 9, 30))


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_staff_type_a_decimal_percentage_and_choose_not_started(session, seed_plan, viewport, screenshot):
    staff("sato", department("総務部", "職員課"))
    report = open_report(seed_plan, reviewer("kaikaku"), as_of=datetime.date(2024, 9, 1), due=datetime.date(2024, 9, 30))
    page = session("sato", viewport=viewport)

    telework = ProgressNote.objects.get(report=report, measure__number=2)
    page.goto(f"/admin/reports/progressnote/{telework.pk}/change/")
    field = page.get_by_label("指標② 令和5年度の結果")
    field.fill("22.55")
    page.get_by_role("button", name="下書きを保存").click()
    expect(page.get_by_text("この指標の結果は小数点以下1桁まで入力できます。")).to_be_visible()
    assert_accessible(page)
    shot(page, f"precision-message-{viewport['width']}")
    page.get_by_label("指標② 令和5年度の結果").fill("２２．５")
    page.get_by_role("button", name="下書きを保存").click()
    expect(page.get_by_text("下書きを保存しました")).to_be_visible()
    expect(page.get_by_label("指標② 令和5年度の結果")).to_have_value("22.5")
    assert ResultEntry.objects.get(progress_note=telework).value == 22.5

    milestone = ProgressNote.objects.get(report=report, measure__number=1)
    page.goto(f"/admin/reports/progressnote/{milestone.pk}/change/")
    expect(page.get_by_text("数字は「34,068」")).to_have_count(0)  # no number hint for stages
    choice = page.get_by_label("指標① 令和5年度の結果")
    choice.select_option(label=NOT_STARTED)
    page.get_by_role("button", name="下書きを保存").click()
    expect(page.get_by_text("下書きを保存しました")).to_be_visible()
    expect(page.get_by_label("指標① 令和5年度の結果").locator("option:checked")).to_have_text(NOT_STARTED)
    assert_accessible(page)
    shot(page, f"not-started-{viewport['width']}")
    screenshot(page, "not-started")
    assert ResultEntry.objects.get(progress_note=milestone).stage.label == NOT_STARTED
