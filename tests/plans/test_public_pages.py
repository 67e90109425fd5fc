"""The public pages: what each shows, in which words and order, with grades from the achievement module."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from django.urls import reverse

from indicators import achievement
from indicators.models import IndicatorYear
from core import fiscal_years
from public.pages import parts as selectors
from reports import publication
from plans.models import Department, Plan
from reports.models import ProgressNote, ProgressReport
from tests.test_seed_plan import squeeze

DURING_FY2024 = datetime.date(2024, 10, 1)  # 令和6年度


@pytest.fixture
def today(monkeypatch):
    """Pages grade "as of today": fix the day so that the tests do not depend on the calendar."""
    day = {"value": DURING_FY2024}
    monkeypatch.setattr(selectors, "today", lambda: day["value"])

    def set_day(value):
        day["value"] = value

    set_day.value = lambda: day["value"]
    return set_day


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def text_of(html: str) -> str:
    """The text a screen reader reads: tags and aria-hidden decoration left out, white space squeezed."""
    html = re.sub(r'<span aria-hidden="true">[^<]*</span>', "", html)
    return squeeze(re.sub(r"<[^>]+>", " ", html))


def year(number, slot, fiscal_year):
    return IndicatorYear.objects.get(indicator__measure__number=number, indicator__slot=slot, fiscal_year=fiscal_year)


def set_result(number, slot, fiscal_year, value):
    figures = year(number, slot, fiscal_year)
    figures.result_value = Decimal(value)
    figures.full_clean()
    figures.save()
    return figures


def card_of(html: str, number: int) -> str:
    """The home page's card of one measure."""
    start = html.index(f"事業No.{number}</span>")
    end = html.find("</article>", start)
    return html[start:end]


def rows_of(html: str) -> list[str]:
    return [text_of(row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S)]


# --- home page ---------------------------------------------------------------


def test_home_shows_the_current_plan_with_its_latest_report(client, seed_plan, today):
    html = get(client, "/")
    assert "<h1>経営改革推進計画</h1>" in html
    assert "千葉県木更津市　計画期間：令和5年度〜令和8年度" in html
    assert "木更津市経営改革方針" in html
    report_url = reverse("public:report", args=[seed_plan.slug, "2023-09-01"])
    assert f'<a href="{report_url}">進捗状況（令和5年9月1日現在）</a>' in html
    for pillar in seed_plan.pillars.all():
        assert f"5つの柱{pillar.label}</a></h2>" in html
        assert pillar.aim in html
    for measure in seed_plan.measures.all():
        assert f'<a href="{measure.get_absolute_url()}"><span class="measure-number">事業No.{measure.number}</span>' in html
    assert html.count('class="measure-card"') == 15
    assert f'<link rel="canonical" href="{seed_plan.get_absolute_url()}">' in html


def test_home_gives_each_indicator_the_target_result_and_grade_of_the_current_fiscal_year(client, seed_plan, today):
    html = get(client, "/")
    assert "令和6年度の達成状況（指標の数）" in html
    cards = {number: text_of(card_of(html, number)) for number in (2, 7, 10, 14)}
    assert squeeze("目標値（令和6年度）90,300時間") in cards[2]
    assert squeeze("目標値（令和6年度）3億7,500万円") in cards[7]
    assert squeeze("目標値（令和6年度）15件") in cards[7]
    assert squeeze("目標値（令和6年度）0.30%") in cards[10]
    assert squeeze("目標値（令和6年度）30ha") in cards[14]
    assert "集計中" in cards[2] and "未報告" not in cards[2]
    # Departments link to their pages, the lead first.
    assert re.search(r"担当課：</span><a href=\"/departments/\d+/\">総務部職員課</a>、<a href=\"/departments/\d+/\">市長公室経営改革課</a>", card_of(html, 2))


def test_latest_year_is_clamped_into_the_plans_period(client, seed_plan, today):
    today(datetime.date(2031, 1, 1))  # the plan has ended; it is still the latest plan
    html = get(client, "/")
    assert "令和8年度の達成状況（指標の数）" in html
    assert "終了" in html
    card7 = text_of(card_of(html, 7))
    assert squeeze("目標値（令和8年度）対象外") in card7  # the source's "-"
    card2 = text_of(card_of(html, 2))
    assert squeeze("目標値（令和8年度）未設定") in card2 and "目標未設定" in card2  # a lost target
    today(datetime.date(2020, 5, 1))  # before the plan
    html = get(client, "/")
    assert "令和5年度の達成状況（指標の数）" in html
    assert "開始前" in html
    assert squeeze("目標値（令和5年度）3億5,000万円") in text_of(card_of(html, 7))


def test_grades_and_counts_come_from_the_achievement_module(client, seed_plan, today):
    today(datetime.date(2024, 5, 1))  # FY2024 has begun: FY2023's missing results are late
    set_result(2, 1, 2024, 104500)  # lower is better: (2 − 104,500 ÷ 90,300) × 100 = 84.3% → 概ね達成
    set_result(7, 1, 2024, 400000000)  # 106.7% → 達成
    set_result(3, 2, 2024, 1)  # 33.3% → 未達成
    # During FY2024 its results are interim: their rates, no grade.
    html = get(client, "/")
    card2 = text_of(card_of(html, 2))
    assert squeeze("結果104,500時間") in card2 and squeeze("年度途中達成率84.3%") in card2
    assert squeeze("年度途中達成率106.7%") in text_of(card_of(html, 7))
    assert squeeze("年度途中達成率33.3%") in text_of(card_of(html, 3))
    roll = achievement.rollup(seed_plan, 2024, today=datetime.date(2024, 5, 1))
    start = html.index('<table class="data-table summary-table">')
    summary = html[start:html.index("</table>", start)]
    rows = rows_of(summary)
    assert rows[-1] == squeeze("計画全体" + "".join(str(c) for _, c in roll.plan.rows()) + str(roll.plan.total))
    assert roll.plan.counts["年度途中"] == 3
    assert roll.plan.counts["達成"] == roll.plan.counts["概ね達成"] == roll.plan.counts["未達成"] == 0
    for pillar in seed_plan.pillars.all():
        summary_row = next(r for r in rows if r.startswith(squeeze(pillar.label)))
        counts = roll.pillars[pillar.pk]
        assert summary_row == squeeze(pillar.label + "".join(str(c) for _, c in counts.rows()) + str(counts.total))
    page = text_of(get(client, "/plans/2023-2026/measures/2/"))
    assert squeeze("令和5年度95,000時間結果なし未報告") in page
    assert squeeze("令和6年度90,300時間104,500時間年度途中達成率84.3%") in page
    # Once FY2024 has ended they are graded; the measure page shows every year's grade.
    today(datetime.date(2025, 5, 1))
    final = achievement.rollup(seed_plan, 2024, today=datetime.date(2025, 5, 1))
    assert final.plan.counts["達成"] == final.plan.counts["概ね達成"] == final.plan.counts["未達成"] == 1
    page = text_of(get(client, "/plans/2023-2026/measures/2/"))
    assert squeeze("令和6年度90,300時間104,500時間概ね達成達成率84.3%") in page
    assert squeeze("達成達成率106.7%") in text_of(get(client, "/plans/2023-2026/measures/7/"))
    assert squeeze("未達成達成率33.3%") in text_of(get(client, "/plans/2023-2026/measures/3/"))


def test_the_plans_own_bands_grade_the_pages(client, seed_plan, today):
    from indicators.models import GradeBand

    GradeBand.objects.filter(plan=seed_plan).delete()
    for label, rate in [("S", 100), ("A", 80), ("C", 0)]:
        GradeBand.objects.create(plan=seed_plan, label=label, min_rate=rate)
    set_result(7, 1, 2023, 280000000)  # 80.0% in FY2023, which has ended
    html = get(client, "/")
    assert squeeze("目標値（令和5年度）3億5,000万円結果2億8,000万円評価A達成率80.0%") in text_of(card_of(html, 7))
    assert "概ね達成" not in html
    assert '<th scope="col" class="num">S</th>' in html


def table_of(html: str, opening: str) -> str:
    start = html.index(opening)
    return html[start:html.index("</table>", start)]


YEAR_TABLE = '<table class="data-table summary-table year-summary-table">'


def test_home_counts_every_year_and_headlines_the_latest_with_final_results(client, seed_plan, today):
    today(datetime.date(2025, 10, 1))  # 令和7年度 under way; 令和5・6年度 have ended
    set_result(7, 1, 2023, 300000000)  # 85.7% → 概ね達成
    set_result(7, 1, 2024, 400000000)  # 106.7% → 達成
    set_result(7, 1, 2025, 200000000)  # 50.0%, interim
    set_result(2, 1, 2023, 96000)  # lower is better: 98.9% → 概ね達成
    set_result(2, 1, 2024, 104500)  # 84.3% → 概ね達成, lower than before
    set_result(14, 2, 2023, 25)  # 100.0%
    set_result(14, 2, 2024, 30)  # 100.0%
    set_result(3, 2, 2024, 1)  # 33.3% → 未達成, its only graded year
    html = get(client, "/")
    # Every fiscal year of the plan, with the rollup's counts, grades then states then the total.
    years = table_of(html, YEAR_TABLE)
    assert "<caption id=\"years-caption\">年度別の達成状況（指標の数）</caption>" in years
    assert '<th scope="col">年度</th>' in years and '<th scope="col" class="num">年度途中</th>' in years
    rows = rows_of(years)
    assert rows[0] == squeeze("年度達成概ね達成未達成年度途中集計中未報告目標未設定対象外計")
    for fiscal_year, row in zip(seed_plan.fiscal_years, rows[1:], strict=True):
        counts = achievement.rollup(seed_plan, fiscal_year, today=datetime.date(2025, 10, 1)).plan
        headline = "確定した最新の年度" if fiscal_year == 2024 else ""
        expected = fiscal_years.era_name(fiscal_year) + headline + "".join(str(c) for _, c in counts.rows()) + str(counts.total)
        assert row == squeeze(expected)
    assert rows[2].startswith(squeeze("令和6年度確定した最新の年度211"))  # 達成: measures 7 and 14
    assert '<tr class="is-focus">' in years
    # The pillar table and the note follow the headline year, graded as of today.
    assert "令和6年度の達成状況（指標の数）" in html
    assert "各年度の目標値に対する結果を、令和7年10月1日時点で" in html
    assert "令和6年度は結果が確定した最新の年度です。" in html
    # Each card: the latest graded year with its trend, then this year's interim result.
    card7 = text_of(card_of(html, 7))
    assert squeeze(
        "目標値（令和6年度）3億7,500万円結果4億円評価達成達成率106.7%推移改善（令和5年度：達成率85.7%）"
        "目標値（令和7年度）4億円結果2億円評価年度途中達成率50.0%"
    ) in card7
    assert '<span class="trend trend--up"><span aria-hidden="true">↑</span> 改善</span>' in card_of(html, 7)
    assert squeeze("評価概ね達成達成率84.3%推移悪化（令和5年度：達成率98.9%）") in text_of(card_of(html, 2))
    assert '<span aria-hidden="true">↓</span> 悪化' in card_of(html, 2)
    assert squeeze("評価達成達成率100.0%推移横ばい（令和5年度：達成率100.0%）") in text_of(card_of(html, 14))
    # An indicator graded once has no trend; one never graded shows the headline year as it stands.
    card3 = text_of(card_of(html, 3))
    assert squeeze("目標値（令和6年度）3") in card3 and "未達成" in card3 and "推移" not in card3
    card10 = text_of(card_of(html, 10))
    assert squeeze("目標値（令和6年度）") in card10 and "未報告" in card10 and "推移" not in card10
    # The measure list grades and sorts by the same year, and says so.
    listing = get(client, "/plans/2023-2026/measures/")
    assert '<caption id="table-caption">推進項目の一覧（評価は令和6年度）</caption>' in listing
    assert "評価は令和6年度（結果が確定した最新の年度）の目標値に対する結果を、令和7年10月1日時点で評価したものです。" in listing
    assert numbers_listed(get(client, "/plans/2023-2026/measures/?sort=grade"))[:3] == [7, 14, 2]  # by the headline year's grades


def test_overview_pages_do_not_depend_on_the_order_the_database_returns_years_in(client, seed_plan, today, monkeypatch):
    """The overview reads a plan's years unsorted (public.pages.plan._plan_years): the same pages whatever their order."""
    from public.pages import plan as plan_page

    today(datetime.date(2025, 10, 1))
    set_result(7, 1, 2023, 300000000)
    set_result(7, 1, 2024, 400000000)
    set_result(7, 1, 2025, 200000000)
    set_result(2, 1, 2023, 96000)
    set_result(2, 1, 2024, 104500)
    set_result(6, 1, 2023, 2000000)  # cumulative: a running total over the years in order
    set_result(6, 1, 2024, 3000000)
    urls = ["/", "/plans/2023-2026/", "/plans/2023-2026/pillars/1/", "/plans/2023-2026/measures/?sort=grade"]
    pages = [get(client, url) for url in urls]
    for name in ("_plan_years", "_pillar_years"):
        query = getattr(plan_page, name)
        monkeypatch.setattr(plan_page, name, lambda query=query, **values: list(reversed(query(**values))))
    assert [get(client, url) for url in urls] == pages


def test_interim_results_are_never_shown_as_grades(client, seed_plan, today):
    today(datetime.date(2024, 10, 1))  # 令和6年度 under way, no year graded yet
    set_result(7, 1, 2024, 400000000)  # 106.7% if the year ended now
    html = get(client, "/")
    card7 = card_of(html, 7)
    assert squeeze("目標値（令和6年度）3億7,500万円結果4億円評価年度途中達成率106.7%") in text_of(card7)
    assert '<span class="tag tag--none tag--state">年度途中</span>' in card7
    assert "tag--best" not in card7 and "推移" not in text_of(card7)
    # No year has final results: the headline is the current year, and nothing is called final.
    assert "令和6年度の達成状況（指標の数）" in html and "確定した最新の年度</span>" not in html
    assert "結果が確定した年度はまだないため、令和6年度を示しています。" in html
    rows = rows_of(table_of(html, YEAR_TABLE))
    assert rows[2].startswith(squeeze("令和6年度0001"))  # no grade, one interim
    # The measure page's year table says the same.
    rows = rows_of(get(client, "/plans/2023-2026/measures/7/"))
    assert squeeze("令和6年度3億7,500万円4億円年度途中達成率106.7%") in rows
    # So do the pillar page and the department page.
    pillar = text_of(get(client, "/plans/2023-2026/pillars/3/"))
    assert squeeze("結果4億円評価年度途中達成率106.7%") in pillar
    finance = Department.objects.get(division="財務部", section="財政課")
    assert squeeze("結果4億円評価年度途中達成率106.7%") in text_of(get(client, f"/departments/{finance.pk}/"))


def test_a_report_dated_mid_year_shows_that_years_results_as_interim(client, seed_plan, today):
    set_result(2, 1, 2023, 96000)  # 98.9% once FY2023 ends
    report = ProgressReport.objects.create(plan=seed_plan, as_of=datetime.date(2024, 1, 15))
    publication.publish_report(report)
    today(datetime.date(2025, 5, 1))  # long after FY2023 ended: live pages grade it, the report does not
    html = get(client, "/plans/2023-2026/reports/2024-01-15/")
    assert squeeze("令和5年度95,000時間96,000時間年度途中達成率98.9%") in rows_of(html)
    start = html.index('<table class="data-table summary-table">')
    summary = rows_of(html[start:html.index("</table>", start)])
    counts = publication.grade_report(report).rollup(2023).plan
    assert counts.counts["年度途中"] == 1 and counts.counts["概ね達成"] == 0
    assert summary[-1] == squeeze("計画全体" + "".join(str(c) for _, c in counts.rows()) + str(counts.total))
    assert squeeze("令和5年度95,000時間96,000時間概ね達成達成率98.9%") in rows_of(get(client, "/plans/2023-2026/measures/2/"))


# --- measure page ------------------------------------------------------------


def test_measure_page_holds_its_sheet_in_reading_order(client, seed_plan, today):
    html = get(client, "/plans/2023-2026/measures/2/")
    measure = seed_plan.measures.get(number=2)
    order = [
        "<h1>", "事業No.2", "働き方改革の促進（時間外勤務の縮減）", "5つの柱① ヒト", "総務部職員課", "市長公室経営改革課",
        ">現状と課題<", measure.current_situation.split("\n\n")[0], ">課題解決に向けた方向性・活動内容<",
        measure.approach.split("\n\n")[0], "指標① 時間外勤務時間", "指標①の年度別の目標値と結果", "<svg",
        "指標② テレワーク・時差出勤制度の利用率", ">活動経過・今後の予定<", "令和5年度の活動経過・今後の予定",
        "令和5年7月末時点での庁内の時間外勤務時間は",
    ]
    position = 0
    for piece in order:
        position = html.index(piece, position)  # each after the one before
    assert "<title>事業No.2 働き方改革の促進（時間外勤務の縮減）｜経営改革推進計画（令和5年度〜令和8年度）</title>" in html
    assert '総務部職員課</a><span class="role">（主担当）</span>' in html
    assert "値が小さいほど良い指標" in html and "値が大きいほど良い指標" in html


def test_measure_page_year_table_and_values_as_the_source_writes_them(client, seed_plan, today):
    html = get(client, "/plans/2023-2026/measures/7/")
    rows = rows_of(html)
    assert squeeze("年度目標値（各年度末時点）結果評価") in rows
    assert squeeze("令和5年度3億5,000万円結果なし未報告") in rows
    assert squeeze("令和6年度3億7,500万円結果なし集計中") in rows
    assert squeeze("令和7年度対象外結果なし対象外") in rows  # indicator ②, the source's "-"
    assert squeeze("令和8年度未設定結果なし目標未設定") in rows  # indicator ①'s lost R8 target
    assert html.count('<th scope="row">令和5年度</th>') == 2
    assert '<caption>指標①の年度別の目標値と結果</caption>' in html
    html10 = get(client, "/plans/2023-2026/measures/10/")
    assert squeeze("令和5年度0.28%") in rows_of(html10)[1]
    assert "※広告が表示された回数に対して" in html10
    assert "<dt>単位</dt><dd>%</dd>" in html10
    html14 = get(client, "/plans/2023-2026/measures/14/")
    assert squeeze("令和5年度25ha結果なし未報告") in rows_of(html14)
    assert "※学校給食でご飯が提供される日数のうち" in html14


def test_provisional_names_are_marked_and_explained(client, seed_plan, today):
    html = get(client, "/plans/2023-2026/measures/2/")
    assert re.search(r"指標① 時間外勤務時間 <span class=\"tag tag--provisional\"[^>]*>仮称</span></h3>", html)
    assert "この指標の名称は原資料で読み取れなかったため" in html
    official = get(client, "/plans/2023-2026/measures/4/")  # its name is stated in the source
    assert "指標① し尿受入施設設置までの進捗率</h3>" in official
    assert "仮称" not in official
    home = get(client, "/")
    assert "時間外勤務時間 <span class=\"tag tag--provisional\"" in home
    assert 'id="provisional-note"' in home


def test_milestone_and_cumulative_indicators(client, seed_plan, today):
    html = get(client, "/plans/2023-2026/measures/1/")
    assert "段階（未着手 → 検討80% → 条例への反映 → 実施）" in html  # 未着手: every milestone starts there
    assert squeeze("令和5年度検討80%") in rows_of(html)[1]
    figures = year(1, 1, 2023)
    figures.result_stage = figures.indicator.stages.get(label="条例への反映")
    figures.save()
    assert squeeze("令和5年度検討80%条例への反映達成") in rows_of(get(client, "/plans/2023-2026/measures/1/"))
    set_result(6, 1, 2023, 2000000)
    set_result(6, 1, 2024, 3000000)
    html6 = get(client, "/plans/2023-2026/measures/6/")
    assert "累計（計画の初年度からの合計で評価）" in html6
    rows = rows_of(html6)
    assert squeeze("令和5年度250万円200万円累計200万円概ね達成達成率80.0%") in rows
    assert squeeze("令和6年度500万円300万円累計500万円年度途中達成率100.0%") in rows  # FY2024 is under way
    today(datetime.date(2025, 4, 1))
    assert squeeze("令和6年度500万円300万円累計500万円達成達成率100.0%") in rows_of(get(client, "/plans/2023-2026/measures/6/"))


def test_measure_chart_is_inline_svg_with_title_description_and_the_table_as_alternative(client, seed_plan, today):
    set_result(2, 1, 2023, 96000)
    html = get(client, "/plans/2023-2026/measures/2/")
    assert '<script' not in html
    svg = re.search(r'<svg class="chart-svg"[^>]*aria-labelledby="chart-1-title chart-1-desc"[^>]*>.*?</svg>', html, re.S)[0]
    assert 'role="img"' in svg
    assert '<title id="chart-1-title">時間外勤務時間の目標値と結果</title>' in svg
    desc = re.search(r'<desc id="chart-1-desc">(.*?)</desc>', svg)[1]
    assert "目標値：令和5年度 95,000時間、令和6年度 90,300時間、令和7年度 85,800時間、令和8年度 未設定。" in desc
    assert "結果：令和5年度 96,000時間（概ね達成、達成率98.9%）。" in desc
    assert "値が小さいほど良い指標です。" in desc
    assert svg.count('class="chart-result"') == 1  # one bar: the one published result
    assert "（未設定）" in svg
    assert "「指標①の年度別の目標値と結果」の表のとおりです" in html


def test_narratives_of_every_published_report_latest_first(client, seed_plan, today):
    later = ProgressReport.objects.create(plan=seed_plan, as_of=datetime.date(2024, 9, 1))
    measure = seed_plan.measures.get(number=2)
    ProgressNote.objects.create(report=later, measure=measure, text="令和6年度の取組です。\n\n二段落目です。", status="approved")
    publication.publish_report(later)
    html = get(client, "/plans/2023-2026/measures/2/")
    newer = html.index("令和6年度の活動経過・今後の予定")
    older = html.index("令和5年度の活動経過・今後の予定")
    assert newer < older
    assert "<p>令和6年度の取組です。</p>\n\n<p>二段落目です。</p>" in html
    assert "（令和6年9月1日現在）" in html and "（令和5年9月1日現在）" in html
    assert '<a href="/plans/2023-2026/reports/2024-09-01/#measure-2">' in html


def test_measure_neighbours_and_unknown_measures(client, seed_plan, today):
    html = get(client, "/plans/2023-2026/measures/1/")
    assert "前の推進項目" not in html
    assert '<a href="/plans/2023-2026/measures/2/" rel="next">次の推進項目（事業No.2）</a>' in html
    html = get(client, "/plans/2023-2026/measures/15/")
    assert '<a href="/plans/2023-2026/measures/14/" rel="prev">前の推進項目（事業No.14）</a>' in html
    assert "次の推進項目" not in html
    assert client.get("/plans/2023-2026/measures/16/").status_code == 404
    assert client.get("/plans/2030-2033/measures/1/").status_code == 404


# --- measure list (django-tables2) ---------------------------------------------


def numbers_listed(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<td data-label="事業No\."[^>]*>\s*<a href="[^"]+">(\d+)</a>', html)]


def test_measure_list_has_caption_scopes_and_row_headers(client, seed_plan, today):
    html = get(client, "/plans/2023-2026/measures/")
    assert '<caption id="table-caption">推進項目の一覧（評価は令和6年度）</caption>' in html
    assert html.count('<th scope="col"') == 5
    assert html.count('<th scope="row"') == 15
    assert numbers_listed(html) == list(range(1, 16))
    assert "15件中 15件を表示しています。" in html


def test_measure_list_sorts_by_number_pillar_lead_department_and_grade(client, seed_plan, today):
    today(datetime.date(2025, 5, 1))  # FY2024 has ended: its results are graded, the latest that are
    set_result(7, 1, 2024, 400000000)  # 達成
    set_result(2, 1, 2024, 104500)  # 概ね達成
    set_result(3, 2, 2024, 1)  # 未達成
    assert numbers_listed(get(client, "/plans/2023-2026/measures/?sort=-number")) == list(range(15, 0, -1))
    by_grade = numbers_listed(get(client, "/plans/2023-2026/measures/?sort=grade"))
    assert by_grade[:3] == [7, 2, 3]
    html = get(client, "/plans/2023-2026/measures/?sort=grade")
    assert 'aria-sort="ascending"' in html
    by_pillar = numbers_listed(get(client, "/plans/2023-2026/measures/?sort=-pillar"))
    assert by_pillar[:4] == [15, 14, 13, 12]  # the whole order reversed
    by_lead = numbers_listed(get(client, "/plans/2023-2026/measures/?sort=lead"))
    leads = {m.number: m.assignments.order_by("position").first().department.name for m in seed_plan.measures.all()}
    assert [leads[n] for n in by_lead] == sorted(leads[n] for n in by_lead)


def test_measure_list_filters_by_pillar_and_department(client, seed_plan, today):
    office = Department.objects.get(section="経営改革課")
    assert numbers_listed(get(client, "/plans/2023-2026/measures/?pillar=2")) == [3, 4, 5]
    html = get(client, f"/plans/2023-2026/measures/?department={office.pk}")
    assert numbers_listed(html) == [2, 3, 6, 8, 9]
    assert "15件中 5件を表示しています。" in html
    assert numbers_listed(get(client, f"/plans/2023-2026/measures/?department={office.pk}&pillar=4")) == [8, 9]
    # The filters keep the sort, and sorting keeps the filters.
    html = get(client, f"/plans/2023-2026/measures/?department={office.pk}&sort=-number")
    assert numbers_listed(html) == [9, 8, 6, 3, 2]
    assert '<input type="hidden" name="sort" value="-number">' in html
    assert f"department={office.pk}" in re.search(r'<a class="sort-link" href="([^"]+)">柱', html)[1]
    # An unknown choice is ignored, and the page says so.
    html = get(client, "/plans/2023-2026/measures/?pillar=9")
    assert numbers_listed(html) == list(range(1, 16))
    assert "選んだ条件の一部はこの計画にありません" in html


# --- other pages -----------------------------------------------------------------


def test_introduction_page(client, seed_plan, today):
    html = get(client, "/plans/2023-2026/introduction/")
    for paragraph in seed_plan.introduction.split("\n\n"):
        assert f"<p>{paragraph}</p>" in html
    assert "<h2 id=\"pillars\">木更津市経営改革方針に基づく取組視点</h2>" in html
    for pillar in seed_plan.pillars.all():
        assert pillar.aim in html


def test_pillar_page_lists_its_measures_only(client, seed_plan, today):
    html = get(client, "/plans/2023-2026/pillars/2/")
    assert "<h1>5つの柱② モノ</h1>" in html
    assert "限られた資産の効率的な利活用、施設の長寿命化に取り組めます。" in html
    assert re.findall(r'<span class="measure-number">事業No\.(\d+)</span>', html) == ["3", "4", "5"]
    assert "推進項目（3件）" in html
    assert "前の柱（① ヒト）" in html and "次の柱（③ カネ）" in html
    # Its counts for every fiscal year of the plan, the same as the rollup's.
    rows = rows_of(html)
    pillar = seed_plan.pillars.get(number=2)
    assert "5つの柱② モノの年度別の達成状況（指標の数）" in html
    assert rows[0] == squeeze("年度達成概ね達成未達成年度途中集計中未報告目標未設定対象外計")
    for fiscal_year in seed_plan.fiscal_years:
        counts = achievement.rollup(seed_plan, fiscal_year, today=DURING_FY2024).pillars[pillar.pk]
        row = fiscal_years.era_name(fiscal_year) + "".join(str(c) for _, c in counts.rows()) + str(counts.total)
        assert squeeze(row) in rows
    assert client.get("/plans/2023-2026/pillars/6/").status_code == 404


def test_department_pages(client, seed_plan, today):
    office = Department.objects.get(section="経営改革課")
    html = get(client, "/departments/")
    assert f'<a href="/departments/{office.pk}/">市長公室経営改革課</a>' in html
    assert "<h2 id=\"division-1\">" in html
    html = get(client, f"/departments/{office.pk}/")
    assert re.findall(r'<span class="measure-number">事業No\.(\d+)</span>', html) == ["2", "3", "6", "8", "9"]
    assert "関係課" in html
    staff = Department.objects.get(division="総務部", section="職員課")
    html = get(client, f"/departments/{staff.pk}/")
    assert re.findall(r'<span class="measure-number">事業No\.(\d+)</span>', html) == ["1", "2"]
    assert html.count('<span class="tag tag--role">主担当</span>') == 2
    assert client.get("/departments/999999/").status_code == 404


def test_plan_archive_keeps_past_plans_and_their_reports_reachable(client, seed_plan, today):
    past = Plan.objects.create(slug="2019-2022", title="経営改革推進計画", municipality="千葉県木更津市",
                               first_fiscal_year=2019, last_fiscal_year=2022, published_at=timezone.now())
    old_report = ProgressReport.objects.create(plan=past, as_of=datetime.date(2021, 9, 1))
    publication.publish_report(old_report)
    html = get(client, "/plans/")
    current_at = html.index("経営改革推進計画（令和5年度〜令和8年度）")
    past_at = html.index("経営改革推進計画（令和元年度〜令和4年度）")
    assert current_at < past_at
    assert '<a href="/plans/2019-2022/reports/2021-09-01/">進捗状況（令和3年9月1日現在）</a>' in html
    assert "実施中" in html and "終了" in html
    assert "現在の計画（ホームに表示）" in html and "ホームに表示中" not in html
    assert get(client, "/plans/2019-2022/")
    assert "令和3年9月1日現在" in get(client, "/plans/2019-2022/reports/2021-09-01/")
    assert client.get("/plans/").status_code == 200


def test_report_list_and_report_page(client, seed_plan, today):
    html = get(client, "/plans/2023-2026/reports/")
    # Each report row offers its PDF under its own link (exchange.report_pdf).
    assert squeeze("進捗状況（令和5年9月1日現在）PDF版（進捗状況 令和5年9月1日現在）令和5年度15件") in rows_of(html)
    html = get(client, "/plans/2023-2026/reports/2023-09-01/")
    assert "令和5年度 進捗状況" in html
    assert "<dt>基準日</dt><dd>令和5年9月1日</dd>" in html
    assert "<dt>公表日</dt><dd>令和5年9月1日</dd>" in html
    assert html.count('class="report-measure"') == 15
    assert '<a href="#measure-7">事業No.7 ふるさと応援寄附金・企業版ふるさと納税の活用</a>' in html
    assert client.get("/plans/2023-2026/reports/2023-09-02/").status_code == 404
    assert client.get("/plans/2023-2026/reports/2023-13-45/").status_code == 404


def test_achievement_page_is_linked_from_the_plan_pages(client, seed_plan, today):
    html = get(client, "/")
    assert '<a href="/plans/2023-2026/achievement/">達成状況の評価方法</a>' in html
    assert "達成率 ＝ 結果 ÷ 目標値 × 100" in get(client, "/plans/2023-2026/achievement/")


def test_pages_without_any_plan(client, db, today):
    assert client.get("/").status_code == 404
    assert "公開されている計画はまだありません。" in get(client, "/plans/")
    assert "推進項目を担当している課はまだありません。" in get(client, "/departments/")


def test_the_home_plan_is_the_running_public_plan_else_the_latest(db, django_assert_num_queries):
    for slug, first in [("a", 2015), ("b", 2019), ("c", 2023), ("d", 2031)]:
        Plan.objects.create(slug=slug, title="計画", municipality="市", first_fiscal_year=first,
                            last_fiscal_year=first + 3, published_at=timezone.now())
    Plan.objects.create(slug="e", title="準備中の計画", municipality="市", first_fiscal_year=2027, last_fiscal_year=2030)
    expected = {datetime.date(2014, 1, 1): "d", datetime.date(2016, 4, 1): "a", datetime.date(2019, 3, 31): "a",
                datetime.date(2019, 4, 1): "b", datetime.date(2027, 6, 1): "d", datetime.date(2040, 1, 1): "d"}
    for day, slug in expected.items():
        with django_assert_num_queries(1):
            assert selectors.current_plan(day).slug == slug, day
    assert Plan.objects.current(datetime.date(2027, 6, 1)).slug == "e"  # the rule itself ignores publication


def test_a_plan_being_prepared_is_not_public(client, seed_plan):
    from exchange.plan_workbook import export_plan, import_plan
    from tests.exchange.helpers import edited

    def rename(workbook):
        workbook["計画"]["B2"] = "2027-2030"
    result = import_plan(edited(export_plan(seed_plan), rename))
    draft = result.created
    assert draft.published_at is None
    report = ProgressReport.objects.create(plan=draft, as_of=datetime.date(2023, 9, 1))
    publication.publish_report(report)  # even a published report of it stays out of sight
    for url in ["/plans/2027-2030/", "/plans/2027-2030/measures/1/", "/plans/2027-2030/introduction/",
                "/plans/2027-2030/reports/2023-09-01/", "/plans/2027-2030/achievement/",
                "/plans/2027-2030/reports/2023-09-01/progress-report.xlsx"]:
        assert client.get(url).status_code == 404, url
    assert "2027-2030" not in get(client, "/plans/")
    staff = Department.objects.get(division="総務部", section="職員課")
    assert "/plans/2027-2030/" not in get(client, f"/departments/{staff.pk}/")
    assert '"plan": "2027-2030"' not in client.get("/opendata/indicators.json").content.decode()
    draft.published_at = timezone.now()
    draft.save()
    assert client.get("/plans/2027-2030/measures/1/").status_code == 200
    assert "2027-2030" in get(client, "/plans/")


def test_not_found_pages_speak_japanese_and_lead_back(client, seed_plan, today):
    for url in ["/plans/1999-2002/", "/plans/2023-2026/measures/99/", "/plans/2023-2026/reports/2030-01-01/",
                "/departments/0/", "/no-such-page/"]:
        response = client.get(url)
        assert response.status_code == 404, url
        html = response.content.decode()
        assert '<html lang="ja">' in html and "<h1>ページが見つかりません</h1>" in html, url
        assert '<a href="/plans/">計画・報告の一覧</a>' in html


def test_a_measure_page_says_when_it_was_last_updated(client, seed_plan, today):
    html = get(client, "/plans/2023-2026/measures/2/")
    assert '<dt>最終更新</dt><dd><time datetime="2023-09-01T09:00:00+09:00">令和5年9月1日</time></dd>' in html
    measure = seed_plan.measures.get(number=2)
    measure.approach += "\n\n追記した段落。"
    measure.save()
    html = get(client, "/plans/2023-2026/measures/2/")
    updated = timezone.localtime(measure.history.first().history_date)
    assert re.search(rf'<dt>最終更新</dt><dd><time datetime="{updated:%Y-%m-%dT%H:%M:%S}[^"]*">'
                     rf'{fiscal_years.era_date(updated.date())}</time></dd>', html)
