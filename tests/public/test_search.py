"""Search: every word must be found, in any of its written forms; only public content; bounded; safe."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from plans.models import Department, Measure, MeasureDepartment, Pillar, Plan
from public.pages import parts as selectors
from public.pages import search
from reports import content_version, publication
from reports.models import ProgressNote, ProgressReport
from tests.plans.test_public_queries import generate_plan

SEED = "/plans/2023-2026"


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(selectors, "today", lambda: datetime.date(2024, 10, 1))


def main_of(client, query: str) -> str:
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index("<main"):html.index("</main>")]


def hit_urls(html: str) -> list[str]:
    return re.findall(r'<h2 class="search-result__title"><a href="([^"]+)"', html)


def test_full_width_half_width_and_katakana_forms_find_the_same_measure(client, seed_plan):
    # Measure 9's situation reads 「自治体ＤＸ（デジタル・トランスフォーメーション）推進計画」.
    forms = ["ﾃﾞｼﾞﾀﾙ　ＤＸ", "でじたる dx", "デジタル DX", "ＤＸ ﾃﾞｼﾞﾀﾙ"]
    for query in forms:
        html = main_of(client, query)
        assert f"{SEED}/measures/9/" in hit_urls(html), query
        assert "<mark>DX</mark>" in html and "<mark>デジタル</mark>" in html, query


def test_every_word_must_be_found_in_one_entry(client, seed_plan):
    staff = set(hit_urls(main_of(client, "職員")))
    digital = set(hit_urls(main_of(client, "ICT")))
    both = set(hit_urls(main_of(client, "職員　ICT")))  # the full-width space separates words too
    assert both and both < staff and both <= digital
    assert f"{SEED}/measures/8/" in both
    assert hit_urls(main_of(client, "職員 存在しない言葉")) == []


def test_measures_indicators_departments_and_narratives_are_found_and_their_links_resolve(client, seed_plan):
    html = main_of(client, "職員")
    urls = hit_urls(html)
    assert "/departments/" in " ".join(urls)  # 総務部職員課
    assert f"{SEED}/measures/1/" in urls
    assert any(url.startswith(f"{SEED}/measures/6/#indicator-") for url in urls)  # an indicator's note
    assert any(url.startswith(f"{SEED}/reports/2023-09-01/#measure-") for url in urls)  # a published narrative
    for kind in ("推進項目", "指標", "担当課", "活動経過"):
        assert f'<span class="tag tag--kind">{kind}</span>' in html
    for url in urls:
        assert client.get(url.split("#")[0]).status_code == 200, url
    assert "総務部<mark>職員</mark>課" in html


def test_html_in_the_query_and_in_the_text_is_escaped(client, seed_plan):
    html = main_of(client, '<script>alert("x")</script>')
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    measure = seed_plan.measures.get(number=3)
    measure.approach = '<img src=x onerror=alert(1)>照合用の語<b>太字</b>'
    measure.save()
    html = main_of(client, "照合用")
    assert "<img" not in html and "<b>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;<mark>照合用</mark>の語&lt;b&gt;太字&lt;/b&gt;" in html
    html = main_of(client, "<b>")
    assert "<mark>&lt;b&gt;</mark>太字" in html


def test_only_public_content_is_searched(client, seed_plan):
    measures = {m.number: m for m in seed_plan.measures.all()}
    published = ProgressReport.objects.create(plan=seed_plan, as_of=datetime.date(2024, 4, 1))
    for number, status in [(2, "approved"), (3, "submitted"), (4, "returned"), (5, "draft")]:
        ProgressNote.objects.create(report=published, measure=measures[number], text=f"検索確認{status}", status=status)
    publication.publish_report(published)
    draft = ProgressReport.objects.create(plan=seed_plan, as_of=datetime.date(2024, 9, 1))
    ProgressNote.objects.create(report=draft, measure=measures[7], text="検索確認未公表", status="approved")
    # A plan being prepared, with its own department, measure and a report published in it.
    hidden = Plan.objects.create(slug="next", title="次期計画", municipality="テスト市",
                                 first_fiscal_year=2027, last_fiscal_year=2030)
    pillar = Pillar.objects.create(plan=hidden, number=1, name="柱")
    measure = Measure.objects.create(plan=hidden, pillar=pillar, number=1, title="検索確認の推進項目")
    MeasureDepartment.objects.create(measure=measure, department=Department.objects.create(section="検索確認課"))
    measure.indicators.create(slot=1, name="検索確認の指標")
    hidden_report = ProgressReport.objects.create(plan=hidden, as_of=datetime.date(2027, 9, 1))
    ProgressNote.objects.create(report=hidden_report, measure=measure, text="検索確認非公開計画", status="approved")
    publication.publish_report(hidden_report)

    html = main_of(client, "検索確認")
    assert hit_urls(html) == [f"{SEED}/reports/2024-04-01/#measure-2"]
    assert "1件見つかりました（活動経過 1件）" in html
    for secret in ("submitted", "returned", "draft", "未公表", "非公開計画", "次期計画", "検索確認課", "推進項目</a>", "の指標"):
        assert secret not in html, secret
    hidden.published_at = timezone.now()
    hidden.save()
    assert len(hit_urls(main_of(client, "検索確認"))) == 5  # the note, and the plan's measure, indicator, department, note


def test_query_count_does_not_grow_with_the_data_and_results_are_capped(client, db):
    departments = Department.objects.bulk_create(Department(division=f"部{n}", section=f"課{n}") for n in range(1, 8))
    generate_plan("small", 3, departments, first_year=2019)

    def queries(query):
        with CaptureQueriesContext(connection) as captured:
            html = main_of(client, query)
        return len(captured), html

    small, html = queries("推進項目")
    assert "上位" not in html
    generate_plan("large", 200, departments)
    large, html = queries("推進項目")
    assert large == small <= 6
    assert len(hit_urls(html)) == search.MAX_RESULTS == 50
    assert "203件見つかりました（推進項目 203件）。関連の高い上位50件を表示しています。" in html
    assert queries("活動経過")[0] == small  # narratives: every approved one of both plans
    assert queries("見つからない語")[0] == small + 1  # and the current plan, for the ways on


def test_an_empty_result_offers_ways_on(client, seed_plan):
    html = main_of(client, "存在しない言葉")
    assert "「存在しない言葉」を含むものは見つかりませんでした。" in html
    assert hit_urls(html) == []
    for url in (f"{SEED}/measures/", f"{SEED}/", "/departments/", "/plans/"):
        assert f'href="{url}"' in html, url
    assert "ひらがな・カタカナ、全角・半角" in html
    assert "言葉を短くする" in html


def test_an_empty_query_shows_the_form(client, seed_plan):
    html = main_of(client, "  　 ")
    assert "<h1>サイト内検索</h1>" in html
    assert hit_urls(html) == [] and "見つかりませんでした" not in html
    assert 'role="search" action="/search/" method="get"' in html


def test_too_many_words_are_cut_and_said(client, seed_plan):
    html = main_of(client, " ".join(["職員"] + [f"語{n}" for n in range(12)]))
    assert "言葉は10語までで探しました。" in html


def test_every_public_page_has_the_search_box_in_its_header(client, seed_plan):
    for url in ("/", "/plans/", f"{SEED}/measures/", "/departments/", "/search/?q=職員"):
        html = client.get(url).content.decode()
        header = html[html.index('<header class="site-header">'):html.index("</header>")]
        assert '<form class="site-search" role="search" action="/search/" method="get" aria-label="サイト内検索">' in header
        assert '<label for="site-search-q">サイト内検索</label>' in header
        assert 'id="site-search-q" name="q"' in header
    assert 'id="site-search-q" name="q" value="職員"' in client.get("/search/?q=職員").content.decode()


@pytest.mark.parametrize(
    "text, words, marked",
    [
        ("ﾃﾞｼﾞﾀﾙ化", ["でじたる"], "<mark>ﾃﾞｼﾞﾀﾙ</mark>化"),  # half-width katakana: the whole composed characters
        ("ＤＸとＩＣＴ", ["dx", "ict"], "<mark>ＤＸ</mark>と<mark>ＩＣＴ</mark>"),
        ("職員の職員", ["職員"], "<mark>職員</mark>の<mark>職員</mark>"),
        ("時間外勤務", ["時間", "間外"], "<mark>時間外</mark>勤務"),  # overlapping words merge
        ("a<b>&c", ["<b>"], "a<mark>&lt;b&gt;</mark>&amp;c"),
        ("㈱と(株)", ["(株)"], "<mark>㈱</mark>と<mark>(株)</mark>"),  # one character folding to three
    ],
)
def test_highlight(text, words, marked):
    assert search.highlight(text, words) == marked


def test_an_excerpt_is_the_sentence_found_cut_around_the_word():
    text = "最初の文です。" + "あ" * 200 + "目印の語があります。" + "最後の文です。"
    found = search.excerpt(text, ["目印"])
    assert found.startswith("…") and found.endswith("…")
    assert "<mark>目印</mark>の語があります。" in found
    assert len(re.sub(r"</?mark>", "", found)) <= search.EXCERPT_CHARS + 2
    assert search.excerpt("最初の文です。次の文。", ["最初"]) == "<mark>最初</mark>の文です。…"
    assert search.excerpt("ない。", ["目印"]) is None


def test_query_words():
    assert search.query_words("ＤＸ　デジタル dx") == (["dx", "でじたる"], False)
    assert search.query_words(" ".join(str(n) for n in range(12))) == ([str(n) for n in range(10)], True)


def test_the_folded_text_is_kept_until_public_content_changes(client, transactional_db):
    """Outside a transaction (as requests run), the entries are gathered once per content version."""
    departments = Department.objects.bulk_create(Department(division=f"部{n}", section=f"課{n}") for n in range(1, 8))
    plan = generate_plan("small", 3, departments, first_year=2019)

    def search_counting(query):
        with CaptureQueriesContext(connection) as captured:
            html = main_of(client, query)
        return len(captured), hit_urls(html)

    first, urls = search_counting("推進項目")
    assert len(urls) == 3
    again, urls = search_counting("推進項目")
    assert again == 1 < first and len(urls) == 3  # the version only
    measure = plan.measures.get(number=2)
    measure.title = "改めた名称"
    measure.save()  # commits: the version moves
    assert search_counting("改めた名称") == (first, ["/plans/small/measures/2/"])
    assert search_counting("推進項目")[1] == ["/plans/small/measures/1/", "/plans/small/measures/3/"]
    Plan.objects.filter(pk=plan.pk).update(published_at=None)  # in bulk: the code that does so says so
    content_version.changed()
    assert search_counting("推進項目")[1] == []
