"""Staff submit all their drafts from the start page, after a confirmation page; their 通知の設定;
the reform office's download links. Desktop and phone width, axe finds nothing."""

import datetime
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from reports import workflow
from reports.models import ProgressNote, ReminderPreference
from tests.workflow_helpers import department, open_report, reviewer, staff

from .axe import assert_accessible
from .conftest import DESKTOP, PHONE

SHOTS = Path("/tmp/submit-all-and-reminders")


@pytest.fixture
def world(seed_plan):
    sato = staff("sato", department("総務部", "職員課"))
    sato.last_name, sato.first_name, sato.email = "佐藤", "花子", "sato@city.example.jp"
    sato.save()
    office = reviewer("kaikaku")
    report = open_report(seed_plan, office, as_of=datetime.date(2024, 6, 1), due=datetime.date(2024, 6, 30))
    for number in (1, 2):
        note = ProgressNote.objects.get(report=report, measure__number=number)
        workflow.save_note(sato, note, expected_version=note.version, text=f"No.{number}の取組を進めました。", results={})
    return report


def keep(screenshot, page, label):
    path = screenshot(page, label)
    if SHOTS.parent.exists():  # a copy to look at outside the repository
        SHOTS.mkdir(exist_ok=True)
        shutil.copy(path, SHOTS / path.name)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_staff_submit_all_from_the_start_page(session, world, screenshot, viewport):
    page = session("sato", viewport=viewport)
    keep(screenshot, page, "start")
    page.get_by_role("link", name="作成中の推進項目をまとめて提出する").click()
    expect(page.get_by_role("heading", name="提出する推進項目（2件）")).to_be_visible()
    ready = page.get_by_role("region", name="提出する推進項目（2件）")
    expect(ready.get_by_role("link", name="No.1")).to_be_visible()
    expect(ready.get_by_role("link", name="No.2")).to_be_visible()
    expect(page.get_by_role("heading", name="まだ提出できない推進項目")).to_have_count(0)  # both have a narrative
    assert_accessible(page)
    keep(screenshot, page, "confirm")
    assert not ProgressNote.objects.filter(report=world, status="submitted").exists()  # not before confirming

    page.get_by_role("button", name="2件をまとめて提出する").click()
    expect(page.get_by_text("2件の推進項目を経営改革課に提出しました。")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("管理メニュー")
    assert_accessible(page)
    keep(screenshot, page, "done")
    assert set(ProgressNote.objects.filter(report=world, status="submitted").values_list("measure__number", flat=True)) == {1, 2}


def test_a_note_submitted_meanwhile_submits_nothing_and_says_which(session, world, screenshot):
    page = session("sato")
    page.goto(f"/admin/reports/progressnote/submit-all/?report={world.pk}")
    colleague = staff("suzuki", department("総務部", "職員課"))
    workflow.submit(colleague, ProgressNote.objects.get(report=world, measure__number=2))
    page.get_by_role("button", name="2件をまとめて提出する").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("どの推進項目も提出していません")
    expect(alert).to_contain_text("No.2")
    expect(page.get_by_role("button", name="1件をまとめて提出する")).to_be_visible()  # the list as it now is
    assert_accessible(page)
    keep(screenshot, page, "refused")
    assert ProgressNote.objects.get(report=world, measure__number=1).status == "draft"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_my_settings_and_the_office_download_links(session, world, screenshot, viewport):
    page = session("sato", viewport=viewport)
    page.goto("/admin/reports/reminderpreference/mine/")
    expect(page.get_by_text("お知らせは sato@city.example.jp に送ります。")).to_be_visible()
    page.get_by_label("催促・お知らせのメールを受け取る").uncheck()
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_text("通知の設定を保存しました。")).to_be_visible()
    assert_accessible(page)
    keep(screenshot, page, "settings")
    assert ReminderPreference.objects.get(user__username="sato").receive_reminders is False

    office = session("kaikaku", viewport=viewport)
    office.goto(f"/admin/reports/progressreport/{world.pk}/dashboard/")
    with office.expect_download() as download:
        office.get_by_role("link", name="Excel でダウンロード").click()
    assert download.value.suggested_filename.startswith("未提出一覧_")
    expect(office.get_by_role("link", name="CSV でダウンロード")).to_be_visible()
    assert_accessible(office)
    keep(screenshot, office, "office-dashboard")
