"""Every sentence and every target of the source document can be found on the public site.

The site is crawled from the home page, following its links only, as a citizen would;
then every paragraph, narrative, note, indicator name and target the source states
(read straight from tests/data/seed_source.txt) must be on a page reached that way.
Every crawled page is also checked for the structure the accessibility rules need.
"""

from __future__ import annotations

import re
from collections import deque
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.db import transaction
from django.test import Client

from core import fiscal_years
from core.formatting import format_quantity
from plans.models import Department, Plan
from tests.test_seed_plan import (
    MEASURE_BLOCKS,
    SOURCE,
    block_of,
    cell,
    names_stated_in,
    narrative_of,
    paragraphs_in,
    squeeze,
    stated_targets,
)


class Page(HTMLParser):
    """What the checks need from a page: its links, its visible text, its headings, tables and ids."""

    def __init__(self, html: str, *, is_html: bool = True):
        super().__init__(convert_charrefs=True)
        self.is_html = is_html
        self.links: list[str] = []
        self.text_parts: list[str] = []
        self.headings: list[int] = []
        self.ids: list[str] = []
        self.tables = 0
        self.captions = 0
        self.header_cells: list[dict] = []
        self.svgs: list[dict] = []
        self.svg_titles: list[str] = []
        self.rows: list[str] = []
        self._row: list[str] | None = None
        self.title_parts: list[str] | None = None  # the <title>, once seen
        self._skip = 0
        self.lang = None
        self.main_ids: list[str] = []
        self.skip_link = None
        self._in_title = False
        if is_html:
            self.feed(html)
        else:
            self.text_parts.append(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.append(attrs["id"])
        if tag == "html":
            self.lang = attrs.get("lang")
        elif tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
            if attrs.get("class") == "skip-link":
                self.skip_link = attrs["href"]
        elif tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self.headings.append(int(tag[1]))
        elif tag == "main":
            self.main_ids.append(attrs.get("id"))
        elif tag == "table":
            self.tables += 1
        elif tag == "caption":
            self.captions += 1
        elif tag == "th":
            self.header_cells.append(attrs)
        elif tag == "svg":
            self.svgs.append(attrs)
        elif tag == "tr":
            self._row = []
        elif tag in {"script", "style"}:
            self._skip += 1
        elif tag == "title":
            self.title_parts = []
            self._in_title = True

    def handle_endtag(self, tag):
        if tag in {"script", "style"}:
            self._skip -= 1
        elif tag == "title":
            self._in_title = False
        elif tag == "tr" and self._row is not None:
            self.rows.append("".join(self._row))
            self._row = None

    def handle_data(self, data):
        if self._skip:
            return
        if self._in_title:
            self.title_parts.append(data)
        self.text_parts.append(data)
        if self._row is not None:
            self._row.append(data)

    @property
    def text(self) -> str:
        return "".join(self.text_parts)

    @property
    def title(self) -> str | None:
        return None if self.title_parts is None else "".join(self.title_parts).strip()


SKIPPED_PREFIXES = ("/static/", "/admin/", "/staff/", "/accounts/")


def crawl(client, start: str = "/") -> dict[str, Page]:
    """Every page reachable from `start` by following same-site links (query strings left out).

    Downloads are fetched too: text ones (CSV, JSON) count as pages with text and no links.
    """
    pages: dict[str, Page] = {}
    queue = deque([start])
    seen = {start}
    while queue:
        url = queue.popleft()
        response = client.get(url)
        assert response.status_code == 200, f"{url} answered {response.status_code}"
        content_type = response.get("Content-Type", "")
        if content_type.startswith("text/html"):
            page = Page(response.content.decode())
        elif content_type.startswith(("text/", "application/json")):
            page = Page(response.content.decode("utf-8-sig"), is_html=False)
        else:
            page = Page("", is_html=False)  # a binary download (a workbook)
        pages[url] = page
        for href in page.links:
            href, _ = urldefrag(href)
            parts = urlsplit(href)
            if not href or parts.scheme or parts.netloc or parts.query or not href.startswith("/"):
                continue
            if href.startswith(SKIPPED_PREFIXES) or href in seen:
                continue
            seen.add(href)
            queue.append(href)
    return pages


def site_text(pages: dict[str, Page]) -> str:
    return "\n".join(squeeze(page.text) for page in pages.values())


@pytest.fixture(scope="session")
def site(django_db_setup, django_db_blocker):
    """The public site crawled once, from the seed plan the session loaded: the tests only read its pages.

    Session-scoped, not module-scoped: pytest-django runs the tests that use the database before
    the others, which splits this module in two. The crawl runs in a transaction that is rolled
    back, should a page write."""
    with django_db_blocker.unblock(), transaction.atomic():
        assert Plan.objects.exists(), "the session's seed plan is missing"
        pages = crawl(Client())
        transaction.set_rollback(True)
    return pages


def test_the_crawl_reaches_every_kind_of_public_page(site, seed_plan):
    slug = seed_plan.slug
    expected = {
        "/", "/plans/", f"/plans/{slug}/", f"/plans/{slug}/introduction/", f"/plans/{slug}/measures/",
        f"/plans/{slug}/reports/", f"/plans/{slug}/reports/2023-09-01/", f"/plans/{slug}/achievement/",
        "/departments/",
    }
    expected |= {f"/plans/{slug}/pillars/{n}/" for n in range(1, 6)}
    expected |= {f"/plans/{slug}/measures/{n}/" for n in range(1, 16)}
    # Every section's page; 関係各課 (Department.is_collective) has none.
    expected |= {f"/departments/{pk}/" for pk in Department.objects.sections().filter(assignments__measure__plan=seed_plan).values_list("pk", flat=True)}
    assert expected <= set(site)


def test_cover_contents_introduction_and_pillar_aims(site):
    text = site_text(site)
    cover = [line.strip().lstrip("# ") for line in SOURCE.split("# 目 次")[0].splitlines() if line.strip()]
    assert cover == ["経営改革推進計画", "令和5年度", "進捗状況", "令和5年9月1日現在", "千葉県木更津市"]
    for line in cover:
        assert squeeze(line) in text, line
    assert squeeze("令和5年度進捗状況(令和5年9月1日現在)") in text  # the report's own title
    intro = SOURCE.split("## はじめに")[1].split("## ●")[0]
    paragraphs = [line.strip() for line in intro.splitlines() if line.strip()]
    assert len(paragraphs) == 4
    for paragraph in paragraphs:
        assert squeeze(paragraph) in text, paragraph
    assert squeeze("木更津市経営改革方針に基づく取組視点") in text
    aims = re.findall(r"### (5つの柱. \S+)\n\n(.+)\n", SOURCE)
    assert len(aims) == 5
    for heading, aim in aims:
        assert squeeze(heading) in text and squeeze(aim) in text, heading


def test_table_of_contents_entries(site):
    """Each entry of the source's contents, except measure 1's subtitle, which its sheet words otherwise."""
    text = site_text(site)
    contents = SOURCE.split("# 目 次")[1].split("## はじめに")[0]
    entries = re.findall(r"^(事業No\.(\d+) .+?)\t", contents, re.MULTILINE)
    assert len(entries) == 15
    for entry, number in entries:
        if number == "1":
            entry = "事業No.1 人事評価制度の充実（複線型人事制度の確立）"  # the sheet's wording (see README)
        assert squeeze(entry) in text, entry
    for pillar in re.findall(r"^(. 5つの柱 \S+)\t", contents, re.MULTILINE):
        circled, _, name = pillar.split(" ")
        assert squeeze(f"5つの柱{circled} {name}") in text


def test_every_sentence_of_every_measure_sheet_is_on_its_page_and_in_the_report(site, seed_plan):
    for number in range(1, 16):
        check_measure_sheet(site, seed_plan, number)


def as_pages_write(word: str) -> str:
    amount = re.fullmatch(r"([\d,]+)円", word)
    return f"{format_quantity(Decimal(amount[1].replace(',', '')), 0, '円')}円" if amount else word


def check_measure_sheet(site, seed_plan, number):
    block = block_of(number)
    measure_page = squeeze(site[f"/plans/{seed_plan.slug}/measures/{number}/"].text)
    report_page = squeeze(site[f"/plans/{seed_plan.slug}/reports/2023-09-01/"].text)
    expected = paragraphs_in(cell(block, "現状と課題"))
    expected += paragraphs_in(cell(block, "課題解決に向けた方向性・活動内容"))
    expected += ["現状と課題", "課題解決に向けた方向性・活動内容", "目標値", "(各年度末時点)", "取組視点"]
    # Every other cell of the sheet's tables (pillar, number, title, departments, indicator names,
    # targets), word by word: the page may put its own words between them, e.g. （主担当）.
    cells = names_stated_in(block) - {"推進項目名称", "-"}
    # Amounts as pages write them (3億5,000万円 for the source's 350,000,000円): the same figure exactly.
    expected += [as_pages_write(word) for c in sorted(cells) for word in c.split()]
    expected += [c.split("<small>")[1].split("</small>")[0] for c in block.split("\t") if "<small>" in c]
    expected += [c.strip() for c in re.split(r"[\t\n]", block) if c.strip().startswith("※")]
    for sentence in expected:
        assert squeeze(sentence) in measure_page, (number, sentence)
    narrative = ["令和5年度の活動経過・今後の予定", *narrative_of(block)]
    for sentence in narrative:
        assert squeeze(sentence) in measure_page, (number, sentence)
        assert squeeze(sentence) in report_page, (number, sentence)


def test_the_sheet_headings_of_the_measure_table_are_on_the_site(site):
    text = site_text(site)
    for label in ("事業No.", "推進項目名称", "担当課", "指標①", "指標②", "名称", "年度", "結果"):
        assert squeeze(label) in text, label


def test_every_stated_target_is_in_its_year_row(site, seed_plan):
    """A target is found in the row of its own fiscal year, on the measure page and in the report."""
    report_rows = [squeeze(row) for row in site[f"/plans/{seed_plan.slug}/reports/2023-09-01/"].rows]
    checked = 0
    for number in range(1, 16):
        measure_rows = [squeeze(row) for row in site[f"/plans/{seed_plan.slug}/measures/{number}/"].rows]
        for fiscal_year, value in stated_targets(block_of(number)):
            shown = squeeze("対象外" if value == "-" else as_pages_write(value))
            year = squeeze(fiscal_years.era_name(fiscal_year))
            assert any(row.startswith(year) and shown in row for row in measure_rows), (number, year, value)
            assert any(row.startswith(year) and shown in row for row in report_rows), (number, year, value)
            checked += 1
    assert checked == 92 - 13  # every year of every indicator, less the 13 targets the source lost


def test_every_measure_block_of_the_source_was_checked():
    assert len(MEASURE_BLOCKS) == 15


# --- structure every public page must have (what axe cannot fully check) ---


def html_pages(site: dict[str, Page]) -> dict[str, Page]:
    return {url: page for url, page in site.items() if page.is_html}


def test_every_public_page_has_the_accessible_structure(site):
    for url, page in html_pages(site).items():
        assert page.lang == "ja", url
        assert page.skip_link == "#main" and page.main_ids == ["main"], url
        assert page.headings and page.headings[0] == 1 and page.headings.count(1) == 1, (url, page.headings)
        for before, after in zip(page.headings, page.headings[1:]):
            assert after <= before + 1, f"{url}: heading h{before} followed by h{after}"
        assert page.tables == page.captions, f"{url}: a table without a caption"
        for attrs in page.header_cells:
            assert attrs.get("scope") in {"col", "row"}, f"{url}: <th> without scope"
        for svg in page.svgs:
            if svg.get("role") == "img":
                labelled_by = svg.get("aria-labelledby", "").split()
                assert len(labelled_by) == 2 and all(i in page.ids for i in labelled_by), url
            else:
                assert svg.get("aria-hidden") == "true" or svg.get("focusable") == "false", url
        duplicates = {i for i in page.ids if page.ids.count(i) > 1}
        assert not duplicates, f"{url}: duplicate ids {duplicates}"


def test_pages_have_distinct_titles(site):
    titles = {url: page.title for url, page in html_pages(site).items()}
    assert all(titles.values()), [url for url, title in titles.items() if not title]
    assert len(set(titles.values())) == len(titles) - 1  # the home page repeats its plan's page, which it is
    assert titles["/"] == titles[next(u for u in titles if re.fullmatch(r"/plans/[^/]+/", u))]
