"""Only published content is public: nothing unapproved or unpublished on any page, list, chart or count.

The site is crawled from the home page (as in test_public_source) after planting, in
every place a leak could come from, text and figures no citizen may see:
- a draft (unpublished) report whose notes are even approved, with figures frozen for it;
- in a published report, notes that are submitted, returned or still drafts;
- results staff proposed (reports.ResultEntry) in notes that were not approved.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest

from indicators.models import IndicatorYear
from reports.models import PublishedIndicatorYear, ResultEntry
from public.pages import parts as selectors
from reports import publication
from reports.models import ProgressNote, ProgressReport
from tests.plans.test_public_source import crawl, site_text
from tests.test_seed_plan import squeeze

SECRET_NOTE = "非公開の下書き記述です"
SECRET_APPROVED_IN_DRAFT_REPORT = "未公表の報告で承認済みの記述です"
SECRET_RETURNED = "差し戻された記述です"
PUBLIC_NOTE = "公表された記述です"
SECRET_RESULT = Decimal(777777)  # proposed in a note that was not approved
SECRET_FROZEN_RESULT = Decimal(555555)  # frozen for a report that is not published
PUBLIC_RESULT = Decimal(88000)


def year_of(number, slot, fiscal_year):
    return IndicatorYear.objects.get(indicator__measure__number=number, indicator__slot=slot, fiscal_year=fiscal_year)


@pytest.fixture
def planted(seed_plan, monkeypatch):
    monkeypatch.setattr(selectors, "today", lambda: datetime.date(2024, 10, 1))
    measures = {m.number: m for m in seed_plan.measures.all()}

    # A published report (2024-04-01) in which only one note was approved.
    published = ProgressReport.objects.create(plan=seed_plan, as_of=datetime.date(2024, 4, 1))
    approved = ProgressNote.objects.create(report=published, measure=measures[2], text=PUBLIC_NOTE, status="approved")
    ResultEntry.objects.create(progress_note=approved, indicator_year=year_of(2, 1, 2023), value=PUBLIC_RESULT)
    submitted = ProgressNote.objects.create(report=published, measure=measures[3], text=SECRET_NOTE, status="submitted")
    ResultEntry.objects.create(progress_note=submitted, indicator_year=year_of(3, 2, 2023), value=SECRET_RESULT)
    ProgressNote.objects.create(report=published, measure=measures[4], text=SECRET_RETURNED, status="returned")
    ProgressNote.objects.create(report=published, measure=measures[5], text=SECRET_NOTE + "2", status="draft")
    publication.publish_report(published)

    # A report being prepared (2024-09-01): approved, but not published yet.
    draft = ProgressReport.objects.create(plan=seed_plan, as_of=datetime.date(2024, 9, 1))
    in_draft = ProgressNote.objects.create(
        report=draft, measure=measures[7], text=SECRET_APPROVED_IN_DRAFT_REPORT, status="approved"
    )
    ResultEntry.objects.create(progress_note=in_draft, indicator_year=year_of(7, 1, 2023), value=SECRET_RESULT)
    indicator = year_of(7, 1, 2023).indicator
    PublishedIndicatorYear.objects.create(
        report=draft, indicator=indicator, fiscal_year=2023, target_status="set",
        target_value=Decimal(1), result_value=SECRET_FROZEN_RESULT,
    )
    return {"published": published, "draft": draft}


def test_nothing_unapproved_or_unpublished_appears_anywhere(client, planted):
    pages = crawl(client)
    text = site_text(pages)
    for secret in (SECRET_NOTE, SECRET_APPROVED_IN_DRAFT_REPORT, SECRET_RETURNED):
        assert squeeze(secret) not in text, secret
    for number in ("777,777", "777777", "555,555", "555555"):
        assert number not in text, number
    assert "令和6年9月1日" not in text  # the draft report's date: no link, no count, no mention
    assert "/reports/2024-09-01/" not in set(pages)
    # The approved note and the result it carried are public.
    assert squeeze(PUBLIC_NOTE) in text
    assert "88,000時間" in text


def test_an_unpublished_report_has_no_page(client, planted):
    assert client.get("/plans/2023-2026/reports/2024-09-01/").status_code == 404
    assert client.get("/plans/2023-2026/reports/2024-04-01/").status_code == 200


def test_lists_and_counts_hold_published_reports_and_approved_notes_only(client, planted):
    html = client.get("/plans/2023-2026/reports/").content.decode()
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    dates = re.findall(r'reports/(\d{4}-\d{2}-\d{2})/"', html)  # the report pages, not their PDFs
    assert dates == ["2024-04-01", "2023-09-01"]
    assert "1件" in rows[1] and "15件" in rows[2]  # only the approved note of 2024-04-01 counts
    home = client.get("/").content.decode()
    assert '<a href="/plans/2023-2026/reports/2024-04-01/">進捗状況（令和6年4月1日現在）</a>' in home
    assert "過去の報告（全2件）" in home
    archive = client.get("/plans/").content.decode()
    assert archive.count("/plans/2023-2026/reports/") == 2


def test_the_report_page_shows_approved_notes_only(client, planted):
    html = client.get("/plans/2023-2026/reports/2024-04-01/").content.decode()
    assert PUBLIC_NOTE in html
    assert SECRET_NOTE not in html and SECRET_RETURNED not in html
    # Measures with frozen figures but no approved note say nothing about why.
    section = html[html.index('id="measure-3"'):html.index('id="measure-4"')]
    assert "この報告には掲載していません。" in section


def test_grades_and_charts_never_use_unapproved_results(client, planted):
    html = client.get("/plans/2023-2026/measures/3/").content.decode()
    assert "777,777" not in html and 'class="chart-result"' not in html
    assert "未報告" in html  # FY2023 has ended with no official result for it
    html = client.get("/plans/2023-2026/measures/2/").content.decode()
    assert html.count('class="chart-result"') == 1  # the approved result, and only it
    assert "88,000時間" in html


def test_a_published_report_stays_as_it_was_published(client, planted, seed_plan):
    """Later changes of targets and results show on the measure page, never in the published report."""
    figures = year_of(2, 1, 2023)
    figures.result_value = Decimal(120000)
    figures.target_value = Decimal(99000)
    figures.save()
    report_html = client.get("/plans/2023-2026/reports/2024-04-01/").content.decode()
    measure_html = client.get("/plans/2023-2026/measures/2/").content.decode()
    assert "88,000時間" in report_html and "95,000時間" in report_html
    assert "120,000時間" not in report_html and "99,000時間" not in report_html
    assert "120,000時間" in measure_html and "99,000時間" in measure_html
    # The frozen figures are graded as of the report's date: 88,000 of 95,000 hours, lower is better.
    section = report_html[report_html.index('id="measure-2"'):report_html.index('id="measure-3"')]
    assert "達成率 107.4%" in section
    # The older report (2023-09-01) was frozen before any result: it shows none.
    old = client.get("/plans/2023-2026/reports/2023-09-01/").content.decode()
    assert "88,000時間" not in old and "120,000時間" not in old
