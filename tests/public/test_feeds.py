"""Atom feeds of published reports, for the site and for each plan: only published reports of public plans."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.utils import timezone

from plans.models import Pillar, Plan
from public.pages import parts as selectors
from reports import publication
from reports.models import ProgressNote, ProgressReport

ATOM = "{http://www.w3.org/2005/Atom}"
SEED = "/plans/2023-2026"


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(selectors, "today", lambda: datetime.date(2024, 10, 1))


def feed_of(client, url: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return ET.fromstring(response.content)


def entries(feed: ET.Element) -> list[dict[str, str]]:
    return [
        {
            "title": entry.findtext(f"{ATOM}title"),
            "link": entry.find(f"{ATOM}link").get("href"),
            "updated": entry.findtext(f"{ATOM}updated"),
            "summary": entry.findtext(f"{ATOM}summary"),
        }
        for entry in feed.findall(f"{ATOM}entry")
    ]


@pytest.fixture
def reports(seed_plan):
    """Beside the seed's report (2023-09-01): a later published one, one being prepared, and one
    published in a plan that is itself not public."""
    measures = {m.number: m for m in seed_plan.measures.all()}
    later = ProgressReport.objects.create(plan=seed_plan, as_of=datetime.date(2024, 4, 1))
    ProgressNote.objects.create(report=later, measure=measures[2], text="公表", status="approved")
    ProgressNote.objects.create(report=later, measure=measures[3], text="下書き", status="draft")
    publication.publish_report(later)
    draft = ProgressReport.objects.create(plan=seed_plan, as_of=datetime.date(2024, 9, 1))
    hidden = Plan.objects.create(slug="next", title="次期計画", municipality="テスト市",
                                 first_fiscal_year=2027, last_fiscal_year=2030)
    Pillar.objects.create(plan=hidden, number=1, name="柱")
    hidden_report = publication.publish_report(ProgressReport.objects.create(plan=hidden, as_of=datetime.date(2027, 9, 1)))
    return {"later": ProgressReport.objects.get(pk=later.pk), "draft": draft, "hidden": hidden_report}


def test_the_site_feed_lists_published_reports_of_public_plans_only(client, reports):
    feed = feed_of(client, "/reports/feed/")
    assert feed.findtext(f"{ATOM}title") == "千葉県木更津市経営改革推進計画 進捗状況報告の公表"
    assert feed.find(f"{ATOM}author").findtext(f"{ATOM}name") == "千葉県木更津市"
    found = entries(feed)
    assert [e["title"] for e in found] == [
        "令和6年4月1日現在の進捗状況（千葉県木更津市経営改革推進計画 令和5年度〜令和8年度）",
        "令和5年9月1日現在の進捗状況（千葉県木更津市経営改革推進計画 令和5年度〜令和8年度）",
    ]
    assert [urlsplit(e["link"]).path for e in found] == [f"{SEED}/reports/2024-04-01/", f"{SEED}/reports/2023-09-01/"]
    later = reports["later"]
    assert datetime.datetime.fromisoformat(found[0]["updated"]) == later.published_at
    assert feed.findtext(f"{ATOM}updated") == found[0]["updated"]
    # The summary: the report's grades for its year, and how many narratives it published.
    assert found[0]["summary"].startswith("令和6年度の達成状況（指標")
    assert found[0]["summary"].endswith("活動経過を掲載した推進項目 1件。")
    assert found[1]["summary"] == "令和5年度の達成状況（指標23件）：集計中 23件。活動経過を掲載した推進項目 15件。"
    for entry in found:
        assert client.get(urlsplit(entry["link"]).path).status_code == 200, entry["link"]


def test_a_plans_feed_lists_its_reports_and_a_hidden_plan_has_none(client, reports):
    feed = feed_of(client, f"{SEED}/reports/feed/")
    assert feed.findtext(f"{ATOM}title") == "千葉県木更津市経営改革推進計画（令和5年度〜令和8年度）進捗状況報告の公表"
    assert urlsplit(feed.find(f"{ATOM}link[@rel='alternate']").get("href")).path == f"{SEED}/reports/"
    assert len(entries(feed)) == 2
    assert client.get("/plans/next/reports/feed/").status_code == 404
    assert client.get("/plans/nothing/reports/feed/").status_code == 404


def test_a_newly_published_report_and_a_newly_public_plan_appear(client, reports):
    assert len(entries(feed_of(client, "/reports/feed/"))) == 2
    publication.publish_report(reports["draft"])
    assert "令和6年9月1日現在" in entries(feed_of(client, "/reports/feed/"))[0]["title"]
    Plan.objects.filter(slug="next").update(published_at=timezone.now())
    titles = [e["title"] for e in entries(feed_of(client, "/reports/feed/"))]
    # Newest publication first: the hidden plan's report was published before the one just published.
    assert titles[1] == "令和9年9月1日現在の進捗状況（テスト市次期計画 令和9年度〜令和12年度）"
    assert len(titles) == 4


def test_an_entry_keeps_the_title_the_report_was_published_with(client, reports):
    cache.clear()
    Plan.objects.filter(slug="2023-2026").update(title="改称した計画")
    titles = [e["title"] for e in entries(feed_of(client, "/reports/feed/"))]
    assert all("千葉県木更津市経営改革推進計画" in title for title in titles)


def test_a_feed_read_again_queries_no_more_than_its_list(client, reports, django_assert_max_num_queries):
    client.get("/reports/feed/")
    with django_assert_max_num_queries(2):  # the reports, the municipality
        client.get("/reports/feed/")


def test_pages_link_their_feeds_in_the_head_and_footer(client, reports):
    html = client.get("/").content.decode()
    head = html[:html.index("</head>")]
    assert '<link rel="alternate" type="application/atom+xml" title="進捗状況報告の公表（全計画）" href="/reports/feed/">' in head
    assert f'<link rel="alternate" type="application/atom+xml" title="進捗状況報告の公表（経営改革推進計画）" href="{SEED}/reports/feed/">' in head
    footer = html[html.index('<footer class="site-footer">'):]
    assert f'<a href="{SEED}/reports/feed/">公表のお知らせ（Atomフィード）</a>' in footer
    html = client.get("/departments/").content.decode()
    assert "/reports/feed/" in html[:html.index("</head>")] and f"{SEED}/reports/feed/" not in html
    assert '<a href="/reports/feed/">公表のお知らせ（Atomフィード）</a>' in html
