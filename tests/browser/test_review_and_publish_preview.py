"""Issue 13 (3, 9, 10) in a real browser: the reform office returns a note, staff change and resubmit
it, the reviewer sees what changed since the return, previews the report as citizens would see it,
publishes with an explicit choice for the unapproved measures and follows the link to the public
page; at desktop and phone width, with axe finding nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .axe import assert_accessible

SHOTS = Path(os.environ.get("SCREENSHOTS", "/tmp/review-and-publish"))
PHONE = {"width": 375, "height": 740}


def shot(page, name, *, full_page=True):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def one_line(page, locator):
    """The element's text sits on one line (no one-character-per-line wrapping)."""
    return page.evaluate(
        """el => { const r = document.createRange(); r.selectNodeContents(el);
                   const lines = new Set([...r.getClientRects()].map(x => Math.round(x.top)));
                   return lines.size <= 1; }""",
        locator.element_handle(),
    )


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_return_resubmit_diff_preview_publish_and_follow_the_link(session, loop_world, viewport):
    plan, report = loop_world
    width = "phone" if viewport else "desktop"
    staff_page = session("sato", viewport=viewport)
    office = session("kaikaku", viewport=viewport)

    # Greeting in Japanese, no English full stop.
    expect(office.locator("#user-tools")).to_contain_text("ようこそ、改革 次郎さん。")

    # Staff enter and submit.
    staff_page.goto("/admin/")
    staff_page.get_by_role("link", name="No.2 働き方改革の促進（時間外勤務の縮減）").first.click()
    staff_page.get_by_label("指標① 令和5年度の結果").fill("98,500")
    staff_page.get_by_label("活動経過・今後の予定").fill("時間外勤務の削減に取り組みました（速報値）。\n来年度も続けます。")
    staff_page.get_by_role("button", name="保存して経営改革課に提出").click()
    expect(staff_page.get_by_text("を経営改革課に提出しました")).to_be_visible()

    # The reform office: the dashboard's columns stay readable; reviewer guidance; return.
    office.goto(f"/admin/reports/progressreport/{report.pk}/dashboard/")
    table = office.locator("table.reform-table")
    for name in ("提出", "審査"):
        header = table.get_by_role("columnheader", name=name, exact=True)
        assert one_line(office, header), f"{name} wraps"
    submitted = table.locator("tr", has_text="働き方改革の促進").locator("td.reform-when").first
    expect(submitted).to_contain_text("佐藤 花子")
    assert office.evaluate("el => el.getBoundingClientRect().width", submitted.element_handle()) > 60
    assert_accessible(office)
    shot(office, f"{width}-1-dashboard")
    office.get_by_role("link", name="働き方改革の促進（時間外勤務の縮減）").click()
    expect(office.get_by_text("担当課が入力した年度末時点の結果です。")).to_be_visible()
    expect(office.get_by_text("年度末時点の結果を入力します")).to_have_count(0)
    office.get_by_label("審査コメント").fill("年度末の確定値に直してください。")
    office.get_by_role("button", name="差し戻す").click()
    expect(office.get_by_text("を差し戻しました")).to_be_visible()

    # Staff change the text and the result, and resubmit.
    staff_page.goto("/admin/")
    staff_page.get_by_role("link", name="No.2 働き方改革の促進（時間外勤務の縮減）").first.click()
    staff_page.get_by_label("指標① 令和5年度の結果").fill("94,000")
    staff_page.get_by_label("活動経過・今後の予定").fill("時間外勤務の削減に取り組み、94,000時間になりました。\n来年度も続けます。")
    staff_page.get_by_role("button", name="保存して経営改革課に提出").click()
    expect(staff_page.get_by_text("を経営改革課に提出しました")).to_be_visible()

    # The reviewer sees what changed since the return, then approves.
    office.goto(f"/admin/reports/progressreport/{report.pk}/dashboard/")
    office.get_by_role("link", name="働き方改革の促進（時間外勤務の縮減）").click()
    since = office.get_by_role("region", name="差し戻した後の変更")
    expect(since).to_contain_text("年度末の確定値に直してください。")
    expect(since.get_by_role("row", name="指標① 令和5年度の結果")).to_contain_text("98,500時間")
    expect(since.get_by_role("row", name="指標① 令和5年度の結果")).to_contain_text("94,000時間")
    expect(since.locator("del").filter(has_text="（速報値）")).to_be_visible()
    expect(since.locator("ins").filter(has_text="、94,000時間になり")).to_be_visible()
    assert_accessible(office)
    shot(office, f"{width}-2-since-return")
    office.get_by_role("button", name="承認する").click()
    expect(office.get_by_text("を承認しました")).to_be_visible()

    # Preview: the public page from the draft, marked, nothing published.
    office.get_by_role("link", name="公表の確認へ進む").click()
    expect(office.get_by_text("承認されていない推進項目が14件あります")).to_be_visible()
    assert_accessible(office)
    shot(office, f"{width}-3-publish-confirm")
    office.get_by_role("link", name="公開ページのプレビューを見る（公表はしません）").click()
    expect(office.get_by_text("プレビュー（未公開）", exact=True)).to_be_visible()
    expect(office.get_by_text("94,000時間になりました。")).to_be_visible()
    expect(office.locator('meta[name="robots"]')).to_have_attribute("content", "noindex, nofollow")
    assert_accessible(office)
    shot(office, f"{width}-4-preview", full_page=False)
    office.get_by_role("link", name="この報告から外す").click()
    expect(office.locator("#measure-1")).to_have_count(0)
    office.get_by_role("link", name="公表の確認に戻る").click()

    # Publishing needs the choice; then the link leads to the public page.
    office.get_by_role("button", name="進捗状況（令和6年6月1日現在）を公表する").click()
    expect(office.get_by_label("この報告から外す")).to_be_visible()  # the browser kept us on the page (required)
    office.get_by_label("「未提出」と表示する").check()
    office.get_by_role("button", name="進捗状況（令和6年6月1日現在）を公表する").click()
    expect(office.get_by_text("を公表しました")).to_be_visible()
    assert_accessible(office)
    shot(office, f"{width}-5-published")
    office.get_by_role("link", name="公開サイトでこの報告を見る").click()
    expect(office).to_have_url(f"{office.url.split('/plans/')[0]}/plans/{plan.slug}/reports/2024-06-01/")
    expect(office.get_by_text("94,000時間になりました。")).to_be_visible()
    expect(office.locator("#measure-1")).to_contain_text("未提出")
    expect(office.get_by_text("プレビュー（未公開）")).to_have_count(0)
    assert_accessible(office)
    shot(office, f"{width}-6-public-report", full_page=False)

    # Publishing again: a Japanese page in the admin's look, with a way back.
    office.goto(f"/admin/reports/progressreport/{report.pk}/publish/")
    expect(office.get_by_text("すでに公表されています")).to_be_visible()
    assert_accessible(office)
    shot(office, f"{width}-7-refused")
    office.get_by_role("link", name="進捗の一覧に戻る").click()
    expect(office.get_by_text("に公表しました")).to_be_visible()
