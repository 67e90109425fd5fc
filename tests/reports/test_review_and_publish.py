"""Issue 13 (3, 9, 10): what changed since a note was returned, publishing with a preview and an
explicit choice for unapproved measures, refusals as Japanese pages, and small wording fixes."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from core.textdiff import inline_diff
from indicators.models import IndicatorYear
from reports import content_version, workflow
from reports.history import changes_since_return
from reports.models import Action, ProgressNote, ProgressReport

# --- helpers ------------------------------------------------------------------------------------


def note_of(report, number) -> ProgressNote:
    return ProgressNote.objects.get(report=report, measure__number=number)


def year_of(number, slot, fiscal_year) -> IndicatorYear:
    return IndicatorYear.objects.get(indicator__measure__number=number, indicator__slot=slot, fiscal_year=fiscal_year)


def edit_url(note) -> str:
    return reverse("admin:reports_progressnote_change", args=[note.pk])


def fresh(note) -> ProgressNote:
    return ProgressNote.objects.get(pk=note.pk)


def approved_note(people, report, number, text, results=None) -> ProgressNote:
    staff = people["kodomo"] if number == 11 else people["shokuin"]
    note = note_of(report, number)
    note = workflow.save_note(staff, note, expected_version=note.version, text=text, results=results or {})
    note = workflow.submit(staff, note)
    return workflow.approve(people["reviewer"], note)


def publish_url(report) -> str:
    return reverse("admin:reports_progressreport_publish", args=[report.pk])


def preview_url(report, choice="") -> str:
    return reverse("report_preview", args=[report.pk]) + (f"?unapproved={choice}" if choice else "")


def public_url(report) -> str:
    return reverse("public:report", args=[report.plan.slug, report.as_of])


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- 3. what changed since the reviewer returned it ----------------------------------------------


@pytest.fixture
def resubmitted(report, people):
    """Measure 2: submitted, returned with a comment, then changed (text and one result) and submitted again."""
    staff, office = people["shokuin"], people["reviewer"]
    overtime, later = year_of(2, 1, 2023), year_of(2, 1, 2024)
    note = note_of(report, 2)
    note = workflow.save_note(staff, note, expected_version=1, text="時間外勤務の削減に取り組みました（速報値）。\n来年度も続けます。",
                              results={overtime.pk: Decimal("98500"), later.pk: Decimal("90000")})
    note = workflow.submit(staff, note)
    note = workflow.return_with_comment(office, note, "年度末の確定値に直してください。")
    # Changed and changed back: not a change since the return.
    note = workflow.save_note(staff, note, expected_version=note.version, text=note.text,
                              results={later.pk: Decimal("91000")})
    note = workflow.save_note(staff, note, expected_version=note.version,
                              text="時間外勤務の削減に取り組み、94,000時間になりました。\n来年度も続けます。<b>太字</b>",
                              results={overtime.pk: Decimal("94000"), later.pk: Decimal("90000")})
    return workflow.submit(staff, note)


def test_changes_since_return_come_from_the_action_log(resubmitted):
    since = changes_since_return(fresh(resubmitted))
    assert since.comment == "年度末の確定値に直してください。"
    assert since.text_before == "時間外勤務の削減に取り組みました（速報値）。\n来年度も続けます。"
    assert since.text_after.startswith("時間外勤務の削減に取り組み、94,000時間になりました。")
    # Only the result that differs from the returned version: 令和6年度 went 90,000 → 91,000 → 90,000.
    assert [(c.label, c.before, c.after) for c in since.results] == [
        ("指標① 令和5年度の結果", "98,500時間", "94,000時間")]


def test_reviewer_sees_the_difference_since_the_return(client, resubmitted, people):
    client.force_login(people["reviewer"])
    page = client.get(edit_url(resubmitted)).content.decode()
    assert "差し戻した後の変更" in page
    section = page[page.index("差し戻した後の変更"):page.index("</section>", page.index("差し戻した後の変更"))]
    assert "年度末の確定値に直してください。" in section
    assert "98,500時間" in section and "94,000時間" in section  # the result, before and after
    assert "90,000" not in section  # changed and changed back
    hidden = '<span class="visually-hidden">'
    assert f"<del>{hidden}［削除：</span>（速報値）{hidden}］</span></del>" in section
    assert f"取り組み<ins>{hidden}［追加：</span>、94,000時間になり{hidden}］</span></ins>ました" in section
    assert "&lt;b&gt;太字&lt;/b&gt;" in section and "<b>太字</b>" not in section  # escaped, never markup
    assert "来年度も続けます。" in section  # unchanged text shown as it is


def test_staff_and_first_submissions_show_no_difference(client, report, resubmitted, people):
    client.force_login(people["shokuin"])
    assert "差し戻した後の変更" not in client.get(edit_url(resubmitted)).content.decode()
    note = note_of(report, 1)  # never returned
    note = workflow.save_note(people["shokuin"], note, expected_version=1, text="初めての提出", results={})
    note = workflow.submit(people["shokuin"], note)
    client.force_login(people["reviewer"])
    assert changes_since_return(fresh(note)) is None
    assert "差し戻した後の変更" not in client.get(edit_url(note)).content.decode()


def test_resubmitted_unchanged_says_so(client, report, people):
    note = note_of(report, 1)
    note = workflow.save_note(people["shokuin"], note, expected_version=1, text="そのまま", results={})
    note = workflow.submit(people["shokuin"], note)
    note = workflow.return_with_comment(people["reviewer"], note, "確認のため")
    note = workflow.submit(people["shokuin"], note)
    client.force_login(people["reviewer"])
    page = client.get(edit_url(note)).content.decode()
    assert "差し戻した後、活動経過・今後の予定と結果は変更されていません。" in page


def _strip(html: str, tag: str) -> str:
    """The text with <tag> elements removed and the other's wrapper unwrapped (hidden words dropped)."""
    html = re.sub(rf"<{tag}>.*?</{tag}>", "", html, flags=re.S)
    html = re.sub(r'<span class="visually-hidden">[^<]*</span>', "", html)
    return re.sub(r"</?(ins|del)>", "", html)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="あいう<>&\"'\n abc。、", max_size=40), st.text(alphabet="あいう<>&\"'\n abc。、", max_size=40))
def test_inline_diff_keeps_both_versions_escaped(before, after):
    from django.utils.html import escape

    html = str(inline_diff(before, after))
    assert _strip(html, "del") == escape(after)
    assert _strip(html, "ins") == escape(before)
    assert "<" not in re.sub(r"</?(ins|del|span)[^>]*>", "", html)


# --- 10. reviewer guidance, greeting ---------------------------------------------------------------


def test_reviewer_sees_reviewer_guidance_not_staff_guidance(client, resubmitted, people):
    client.force_login(people["reviewer"])
    page = client.get(edit_url(resubmitted)).content.decode()
    assert "年度末時点の結果を入力します" not in page
    assert "担当課が入力した年度末時点の結果です。" in page
    client.force_login(people["shokuin"])
    note = note_of(resubmitted.report, 1)
    assert "年度末時点の結果を入力します" in client.get(edit_url(note)).content.decode()


def test_greeting_is_japanese(client, people):
    user = people["reviewer"]
    user.last_name, user.first_name = "改革", "次郎"
    user.save()
    client.force_login(user)
    page = client.get(reverse("admin:index")).content.decode()
    assert "ようこそ、<strong>改革 次郎</strong>さん。" in page
    assert "</strong>." not in page


# --- 9. preview -------------------------------------------------------------------------------


def test_preview_shows_the_draft_as_citizens_would_see_it_and_publishes_nothing(client, report, people):
    approved_note(people, report, 2, "プレビューで見る活動経過です。", {year_of(2, 1, 2023).pk: Decimal("94000")})
    version = content_version.stamp()
    official = year_of(2, 1, 2023).result_value
    client.force_login(people["reviewer"])
    response = client.get(preview_url(report, "not_submitted"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "プレビュー（未公開）" in page
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-cache" in response["Cache-Control"] and "X-Page-Cache" not in response
    assert "プレビューで見る活動経過です。" in page
    assert "94,000時間" in page  # the approved note's proposed result, graded as publishing would
    assert page.count("未提出</span>") == 14  # the other measures, as the choice would show them
    assert "Excel形式でダウンロード" not in page  # no file exists before publishing
    # Nothing was published or written.
    report.refresh_from_db()
    assert not report.is_published and report.unapproved_measures == ""
    assert year_of(2, 1, 2023).result_value == official
    assert not Action.objects.filter(kind=Action.Kind.PUBLISH).exists()
    assert content_version.stamp() == version
    assert client.get(public_url(report)).status_code == 404

    omitted = client.get(preview_url(report, "omit")).content.decode()
    assert "プレビューで見る活動経過です。" in omitted and "未提出</span>" not in omitted
    assert "事業No.1 " not in omitted  # measure 1 is not approved: left out, even from the contents


def test_preview_is_refused_for_staff_and_anonymous(client, report, people):
    approved_note(people, report, 2, "職員には見せない下書き")
    response = client.get(preview_url(report))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.force_login(people["shokuin"])
    response = client.get(preview_url(report))
    page = response.content.decode()
    assert response.status_code == 403
    assert "職員には見せない下書き" not in page
    assert "経営改革課" in page and "この操作はできません" in page
    assert reverse("admin:index") in page  # a way back


# --- 9. publishing: the required choice, the link, the refusal -----------------------------------


def test_publishing_with_unapproved_measures_requires_a_choice(client, report, people):
    approved_note(people, report, 2, "承認済みの記述")
    client.force_login(people["reviewer"])
    page = client.get(publish_url(report)).content.decode()
    assert page.count('type="radio" name="unapproved"') == 2 and "required" in page
    assert reverse("report_preview", args=[report.pk]) in page
    response = client.post(publish_url(report))
    assert response.status_code == 200
    assert "承認されていない推進項目の扱いを選んでください。" in response.content.decode()
    response = client.post(publish_url(report), {"unapproved": "everything"})
    assert "承認されていない推進項目の扱いを選んでください。" in response.content.decode()
    report.refresh_from_db()
    assert not report.is_published
    assert not Action.objects.filter(kind=Action.Kind.PUBLISH).exists()


@pytest.mark.parametrize("choice", ["omit", "not_submitted"])
def test_the_public_report_honours_the_choice(client, report, people, choice):
    approved_note(people, report, 2, "承認済みの記述です。")
    client.force_login(people["reviewer"])
    response = client.post(publish_url(report), {"unapproved": choice}, follow=True)
    page = response.content.decode()
    report.refresh_from_db()
    assert report.is_published and report.unapproved_measures == choice
    # The success message links to the public page.
    assert f'<a href="{public_url(report)}">公開サイトでこの報告を見る</a>' in page
    action = Action.objects.get(kind=Action.Kind.PUBLISH, report=report)
    assert action.changes["unapproved_measures"] == choice
    client.logout()
    public = client.get(public_url(report)).content.decode()
    assert "承認済みの記述です。" in public
    if choice == "omit":
        assert "事業No.1 " not in public and "未提出" not in public
        assert 'id="measure-2"' in public and 'id="measure-1"' not in public
    else:
        assert 'id="measure-1"' in public
        assert public.count('<span class="tag tag--state">未提出</span>') == 14
        assert "（未提出）" in public  # marked in the contents too


def test_omitted_measures_leave_the_summary(client, report, people):
    approved_note(people, report, 2, "承認済み")
    workflow.publish(people["reviewer"], report, unapproved="omit")
    from public.pages.report import report_detail

    detail = report_detail(report.plan, report.as_of)
    measures = [entry.view.measure.number for pillar in detail.pillars for entry in pillar.measures]
    assert measures == [2]
    assert detail.summary.total == sum(entry.view.summary.total for p in detail.pillars for entry in p.measures)


def test_republishing_shows_a_japanese_page_with_a_way_back(client, report, people):
    approved_note(people, report, 2, "承認済み")
    workflow.publish(people["reviewer"], report, unapproved="omit")
    client.force_login(people["reviewer"])
    dashboard = reverse("admin:reports_progressreport_dashboard", args=[report.pk])
    for response in (client.get(publish_url(report)), client.post(publish_url(report), {"unapproved": "omit"})):
        page = response.content.decode()
        assert response.status_code == 403
        assert "すでに公表されています" in page and "Forbidden" not in page
        assert f'href="{dashboard}"' in page and "進捗の一覧に戻る" in page
        assert 'id="user-tools"' in page  # the admin's look
    response = client.get(preview_url(report))  # nothing to preview once published
    assert response.status_code == 403 and "すでに公表されています" in response.content.decode()


def test_staff_cannot_reach_the_publish_page(client, report, people):
    client.force_login(people["shokuin"])
    assert client.get(publish_url(report)).status_code == 404  # reports are outside their scope
    assert client.post(publish_url(report), {"unapproved": "omit"}).status_code == 404
    report.refresh_from_db()
    assert not report.is_published


def test_refused_note_action_is_a_japanese_page(client, resubmitted, people):
    client.force_login(people["shokuin"])  # may not approve
    url = reverse("admin:reports_progressnote_approve", args=[resubmitted.pk])
    response = client.post(url, {"version": resubmitted.version, "comment": ""})
    page = response.content.decode()
    assert response.status_code == 403
    assert "この操作はできません" in page and edit_url(resubmitted) in page
    assert fresh(resubmitted).status == ProgressNote.Status.SUBMITTED


def test_publication_without_a_person_keeps_the_older_page(report, people):
    """The seed and scripts publish without choosing: nothing refuses them, the page shows figures only."""
    from reports import publication

    approved_note(people, report, 2, "承認済み")
    publication.publish_report(report)
    report.refresh_from_db()
    assert report.unapproved_measures == ""
    assert ProgressReport.objects.get(pk=report.pk).is_published


@pytest.mark.parametrize("choice", ["omit", "not_submitted"])
def test_the_report_workbook_honours_the_choice(report, people, choice):
    import io

    from openpyxl import load_workbook

    from exchange.report_workbook import report_workbook

    approved_note(people, report, 2, "承認済みの記述です。")
    workflow.publish(people["reviewer"], report, unapproved=choice)
    report.refresh_from_db()
    workbook = load_workbook(io.BytesIO(report_workbook(report)), read_only=True)
    try:
        names = workbook.sheetnames
        if choice == "omit":
            assert names == ["一覧", "No.2"]
            numbers = {row[0] for row in workbook["一覧"].iter_rows(min_row=3, values_only=True)}
            assert numbers == {2}
        else:
            assert len(names) == 16
            texts = [cell for row in workbook["No.1"].iter_rows(values_only=True) for cell in row if cell]
            assert any(str(text).startswith("【未提出】") for text in texts)
    finally:
        workbook.close()


def test_preview_and_not_submitted_report_are_valid_html(client, report, people, tmp_path):
    import json
    import subprocess

    from tests.public.test_html_validity import checker

    command = checker()
    approved_note(people, report, 2, "承認済みの記述です。")
    client.force_login(people["reviewer"])
    (tmp_path / "preview.html").write_bytes(client.get(preview_url(report)).content)
    (tmp_path / "preview-omit.html").write_bytes(client.get(preview_url(report, "omit")).content)
    workflow.publish(people["reviewer"], report, unapproved="not_submitted")
    (tmp_path / "published.html").write_bytes(client.get(public_url(report)).content)
    run = subprocess.run([*command, *map(str, sorted(tmp_path.glob("*.html")))], capture_output=True, text=True,
                         timeout=300)
    messages = json.loads(run.stderr or run.stdout)["messages"]
    assert [m for m in messages if m.get("type") in {"error", "non-document-error"}] == []
