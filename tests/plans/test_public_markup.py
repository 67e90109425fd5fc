"""The HTML the public pages write in Python (public/markup.py) and their links (public/links.py):
escaped as a template escapes, and the same links reverse() gives."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

from django.urls import reverse, set_script_prefix
from django.utils.safestring import mark_safe

from indicators.achievement import Assessment
from public import links, markup
from public.pages.parts import IndicatorView, MeasureView, Trend, YearRow

HOSTILE = '<script>alert("x")</script> & \'quoted\''
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quoted&#x27;"


@dataclass
class Named:
    """Stands in for a department, a measure, an indicator: what the markup reads of them."""

    pk: int = 1
    name: str = HOSTILE
    slot_label: str = "①"
    name_is_provisional: bool = False
    is_collective: bool = False
    plan_id: int = 1
    number: int = 7
    full_title: str = HOSTILE
    plan: object = None


def year(**changes) -> YearRow:
    values = dict(
        figures=None, fiscal_year=2023, label="令和5年度", target=HOSTILE, target_is_set=True, result=HOSTILE,
        running_total="", assessment=Assessment("達成", rate=Decimal(100), rank=0, band_count=3), rate="100.0%",
        is_focus=True,
    )
    values.update(changes)
    return YearRow(**values)


def test_values_are_escaped_as_a_template_escapes_them():
    assert markup.escape(HOSTILE) == ESCAPED
    assert markup.escape(mark_safe("<b>safe</b>")) == "<b>safe</b>"  # already safe: as it is, like autoescape
    assert markup.escape(12) == "12"


def test_a_year_table_escapes_every_value_and_keeps_its_table_semantics():
    table = markup.year_table(IndicatorView(Named(), [year()], None), table_id="1-①", caption=HOSTILE)
    assert "<script>" not in table
    assert table.count(ESCAPED) == 3  # caption, target, result
    assert f"<caption>{ESCAPED}</caption>" in table
    assert '<th scope="row">令和5年度</th>' in table
    assert '<tr class="is-focus">' in table
    assert " role=" not in table  # native semantics only: HTML forbids ARIA roles on a table's rows and cells
    assert '<span class="tag tag--best">達成</span> <span class="grade__rate">達成率 100.0%</span>' in table


def test_a_year_table_without_years_says_so():
    table = markup.year_table(IndicatorView(Named(), [], None), table_id="1", caption="指標①")
    assert "年度別の目標値はまだ設定されていません。" in table


def test_a_measure_card_escapes_titles_names_and_figures():
    measure = Named(plan=SimpleNamespace(slug="2023-2026"))
    view = MeasureView(measure, [Named(pk=5)], [IndicatorView(Named(name_is_provisional=True), [year()], year())])
    card = markup.measure_card(view, fiscal_year_label="令和5年度", role="<主担当>")
    assert "<script>" not in card
    assert card.count(ESCAPED) == 5  # title, department, indicator, target, result
    assert '<span class="tag tag--role">&lt;主担当&gt;</span>' in card
    assert f'<a href="{reverse("public:department", args=[5])}">{ESCAPED}</a>' in card
    assert f'<a href="{reverse("public:measure", args=["2023-2026", 7])}">' in card
    assert markup.PROVISIONAL_TAG in card


def test_a_list_of_measure_cards_has_an_item_per_measure_or_says_it_is_empty():
    views = [MeasureView(Named(number=n, plan=SimpleNamespace(slug="2023-2026")), [], []) for n in (3, 4)]
    cards = markup.measure_cards(views, fiscal_year_label="令和5年度", empty="なし")
    assert cards.count("<li><article class=\"measure-card\"") == 2
    assert cards.index("事業No.3") < cards.index("事業No.4")
    assert markup.measure_cards([], fiscal_year_label="令和5年度", empty=HOSTILE) == f"<li>{ESCAPED}</li>\n"
    assert markup.measure_cards([], fiscal_year_label="令和5年度") == ""


def test_a_reports_contents_link_every_measure_to_its_section_and_mark_those_not_submitted():
    def entry(number, not_submitted=False):
        return SimpleNamespace(view=SimpleNamespace(measure=Named(number=number)), not_submitted=not_submitted)

    pillars = [SimpleNamespace(pillar=SimpleNamespace(label=HOSTILE), measures=[entry(1), entry(2, not_submitted=True)])]
    contents = markup.report_contents(pillars)
    assert "<script>" not in contents and f"<li>5つの柱{ESCAPED}" in contents
    assert f'<li><a href="#measure-1">事業No.1 {ESCAPED}</a></li>' in contents
    assert f'<li><a href="#measure-2">事業No.2 {ESCAPED}</a>（未提出）</li>' in contents


def test_a_measure_card_shows_the_latest_grade_its_trend_and_the_interim_result():
    measure = Named(plan=SimpleNamespace(slug="2023-2026"))
    latest = year(fiscal_year=2024, label="令和6年度", target="90件", result="95件")
    interim = year(fiscal_year=2025, label="令和7年度", target="100件", result="40件",
                   assessment=Assessment("年度途中", rate=Decimal(40)), rate="40.0%", is_focus=False)
    earlier = Assessment("概ね達成", rate=Decimal("85.0"), rank=1, band_count=3)
    view = IndicatorView(Named(), [latest, interim], latest, latest=latest, interim=interim,
                         trend=Trend("改善", "令和5年度", earlier, "85.0%"))
    card = markup.measure_card(MeasureView(measure, [], [view]), fiscal_year_label="令和7年度")
    latest_at, interim_at = card.index("（令和6年度）"), card.index("（令和7年度）")
    assert latest_at < card.index("<dt>推移</dt>") < interim_at  # the trend belongs to the graded year
    assert ('<dd><span class="trend trend--up"><span aria-hidden="true">↑</span> 改善</span>'
            '<span class="trend__from">（令和5年度：達成率 85.0%）</span></dd>') in card
    assert '<dl class="figures figures--interim">' in card
    assert '<span class="tag tag--none tag--state">年度途中</span> <span class="grade__rate">達成率 40.0%</span>' in card
    # A milestone's trend names the earlier grade (no rate); a worse one points down, in words too.
    milestone = Trend("悪化", "令和5年度", Assessment("達成", reached=True, rank=0, band_count=3), "")
    assert markup.trend_text(milestone) == (
        '<span class="trend trend--down"><span aria-hidden="true">↓</span> 悪化</span>'
        '<span class="trend__from">（令和5年度：達成）</span>'
    )
    # Before any graded year, the page's year alone, no trend; the interim year is not repeated.
    alone = IndicatorView(Named(), [interim], interim, interim=interim)
    card = markup.measure_card(MeasureView(measure, [], [alone]), fiscal_year_label="令和7年度")
    assert card.count('<dl class="figures') == 1 and "推移" not in card and "figures--interim" not in card
    # No figures at all: the page's year is named.
    card = markup.measure_card(MeasureView(measure, [], [IndicatorView(Named(), [], None)]), fiscal_year_label="令和7年度")
    assert "令和7年度の目標値・結果はありません。" in card


def test_links_are_those_reverse_gives_with_the_script_prefix_too():
    for number in (1, 15, 200):
        assert links.measure("2023-2026", number) == reverse("public:measure", args=["2023-2026", number])
        assert links.pillar("r9-r12", number) == reverse("public:pillar", args=["r9-r12", number])
        assert links.department(number) == reverse("public:department", args=[number])
    set_script_prefix("/reform/")
    try:
        assert links.measure("2023-2026", 3) == "/reform/plans/2023-2026/measures/3/"
    finally:
        set_script_prefix("/")


def test_a_page_served_under_a_script_prefix_links_under_it(seed_plan):
    """The WSGI handler sets the prefix from SCRIPT_NAME for each request; links read it once a request."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections
    from django.test.client import RequestFactory

    handler = WSGIHandler()
    # As Django's test client does: the test's own database connection (in its transaction) stays open.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        for prefix in ("/reform", ""):
            environ = RequestFactory().get("/plans/2023-2026/measures/").environ
            environ.update(SCRIPT_NAME=prefix, PATH_INFO="/plans/2023-2026/measures/")
            chunks = []
            response = handler(environ, lambda status, headers: chunks.append(status))
            html = b"".join(response).decode()
            response.close()
            assert chunks == ["200 OK"]
            assert f'<a href="{prefix}/plans/2023-2026/measures/1/">1</a>' in html
            assert f'href="{prefix}/departments/' in html and f'href="{prefix}/plans/2023-2026/pillars/1/"' in html
    finally:
        set_script_prefix("/")
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
