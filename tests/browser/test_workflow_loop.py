"""The whole progress loop in a real browser, through the admin and onto the public measure page.

Staff enter a result and narrative and submit; the reform office returns them with a comment;
staff fix and resubmit; the reform office approves and publishes; citizens see the new result
and its grade.
"""

from playwright.sync_api import expect

from .axe import assert_accessible


def admin_accessible(page):
    # Django's own admin chrome is checked too; only our content is ours to fix, so both are held.
    assert_accessible(page)


def test_staff_enter_office_returns_approves_publishes_citizens_see(session, loop_world, screenshot):
    plan, report = loop_world
    staff_page = session("sato")

    # 1. Staff: the start page says what is due.
    start = staff_page.locator("section", has=staff_page.get_by_role("heading", name="担当している推進項目の入力状況"))
    expect(start).to_contain_text("提出期限: 令和6年6月30日")
    expect(start).to_contain_text("入力して提出する推進項目（2件）")
    expect(start.get_by_role("link", name="No.11")).to_have_count(0)
    admin_accessible(staff_page)
    screenshot(staff_page, "1-staff-start")

    # 2. Staff: a value in the wrong unit is refused at its field, and nothing is saved.
    start.get_by_role("link", name="No.2 働き方改革の促進（時間外勤務の縮減）").click()
    expect(staff_page.get_by_role("heading", level=1)).to_contain_text("No.2")
    result = staff_page.get_by_label("指標① 令和5年度の結果")
    result.fill("98,500件")
    staff_page.get_by_label("活動経過・今後の予定").fill("時間外勤務の削減に取り組みました。")
    staff_page.get_by_role("button", name="下書きを保存").click()
    expect(staff_page.get_by_text("この指標の単位は「時間」です")).to_be_visible()
    expect(staff_page.get_by_label("指標① 令和5年度の結果")).to_have_value("98,500件")
    admin_accessible(staff_page)
    screenshot(staff_page, "2-staff-field-error")

    # 3. Staff: typed as people type it, then submitted.
    staff_page.get_by_label("指標① 令和5年度の結果").fill("９８，５００時間")
    staff_page.get_by_role("button", name="保存して経営改革課に提出").click()
    expect(staff_page.get_by_text("を経営改革課に提出しました")).to_be_visible()

    # 4. Reform office: the dashboard shows who has not submitted; the note is returned with a comment.
    office_page = session("kaikaku")
    expect(office_page.get_by_text("確認待ち 1件・未提出 14件")).to_be_visible()
    office_page.get_by_role("link", name="推進項目ごとの進捗を見る・審査する").click()
    expect(office_page.get_by_role("heading", name="まだ提出していない推進項目（14件）")).to_be_visible()
    admin_accessible(office_page)
    screenshot(office_page, "3-office-dashboard")
    office_page.get_by_role("link", name="働き方改革の促進（時間外勤務の縮減）").click()
    expect(office_page.get_by_role("cell", name="98,500時間")).to_be_visible()
    office_page.get_by_label("審査コメント").fill("年度末の確定値に直してください。")
    office_page.get_by_role("button", name="差し戻す").click()
    expect(office_page.get_by_text("を差し戻しました")).to_be_visible()

    # 5. Staff: the start page shows the comment; fix and resubmit.
    staff_page.goto("/admin/")
    expect(staff_page.get_by_text("差し戻された推進項目が1件あります")).to_be_visible()
    expect(staff_page.get_by_text("経営改革課のコメント: 年度末の確定値に直してください。")).to_be_visible()
    admin_accessible(staff_page)
    screenshot(staff_page, "4-staff-returned")
    staff_page.get_by_role("link", name="No.2 働き方改革の促進（時間外勤務の縮減）").first.click()
    expect(staff_page.get_by_role("region", name="差戻しのコメント")).to_contain_text("年度末の確定値に直してください。")
    expect(staff_page.get_by_label("指標① 令和5年度の結果")).to_have_value("98,500")
    staff_page.get_by_label("指標① 令和5年度の結果").fill("９４，０００")
    staff_page.get_by_label("活動経過・今後の予定").fill("時間外勤務の削減に取り組み、年度末で94,000時間になりました。")
    screenshot(staff_page, "5-staff-entry")
    staff_page.get_by_role("button", name="保存して経営改革課に提出").click()
    expect(staff_page.get_by_text("を経営改革課に提出しました")).to_be_visible()

    # 6. Reform office: approve and publish.
    office_page.goto(f"/admin/reports/progressreport/{report.pk}/dashboard/")
    office_page.get_by_role("link", name="働き方改革の促進（時間外勤務の縮減）").click()
    # In the results table (the same value also shows in what changed since the return, above it).
    expect(office_page.locator("td.reform-field", has_text="94,000時間")).to_be_visible()
    office_page.get_by_role("button", name="承認する").click()
    expect(office_page.get_by_text("を承認しました")).to_be_visible()
    office_page.get_by_role("link", name="公表の確認へ進む").click()
    expect(office_page.get_by_text("承認されていない推進項目が14件あります")).to_be_visible()
    admin_accessible(office_page)
    screenshot(office_page, "6-office-publish-confirm")
    office_page.get_by_label("この報告から外す").check()  # required with unapproved measures
    office_page.get_by_role("button", name="進捗状況（令和6年6月1日現在）を公表する").click()
    expect(office_page.get_by_text("を公表しました")).to_be_visible()
    screenshot(office_page, "7-office-published")

    # 7. Citizens: the measure page shows the new result, its grade and the narrative.
    citizen = session()  # not logged in
    citizen.goto(f"/plans/{plan.slug}/measures/2/")
    table = citizen.locator("table", has=citizen.get_by_text("指標①の年度別の目標値と結果"))
    row = table.locator("tr", has=citizen.get_by_text("令和5年度"))
    expect(row.first).to_contain_text("94,000時間")
    # Lower is better: (2 − 94,000 ÷ 95,000) × 100 = 101.1% → 達成.
    expect(row.first).to_contain_text("達成")
    expect(citizen.get_by_text("年度末で94,000時間になりました。")).to_be_visible()
    screenshot(citizen, "8-public-measure")
    # A measure nobody approved shows no new narrative.
    citizen.goto(f"/plans/{plan.slug}/measures/1/")
    expect(citizen.get_by_text("令和6年6月1日現在")).to_have_count(0)
