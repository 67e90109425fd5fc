"""Every public page in real Chromium: axe-core (WCAG 2.1 A/AA) at desktop and phone widths, reflow at
320px and at 200% zoom, text spacing, visible focus, keyboard use, charts and print.

Screenshots go to test-artifacts/ (desktop and phone home page, a measure page with its charts,
the measure list on a phone, the print layout).
"""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from indicators.models import IndicatorYear
from public.pages import parts as selectors
from plans.models import Department

from .axe import assert_accessible
from .conftest import _watch, running_under_ci

TODAY = datetime.date(2025, 5, 1)  # 令和7年度: FY2023 and FY2024 results are final, FY2025 ones are interim
SLUG = "2023-2026"


@pytest.fixture(params=["page", "phone_page"], ids=["desktop", "phone"])
def any_page(request):
    return request.getfixturevalue(request.param)


@pytest.fixture
def public_site(seed_plan, monkeypatch):
    """The seed plan with published results in every grade, a trend and an interim result, so that every
    tag colour is on the pages."""
    monkeypatch.setattr(selectors, "today", lambda: TODAY)  # the live server runs in this process
    for number, slot, fiscal_year, value in [
        (7, 1, 2023, 300000000),  # 概ね達成, then improved
        (7, 1, 2024, 400000000),  # 達成
        (7, 1, 2025, 200000000),  # 年度途中
        (2, 1, 2024, 104500),  # 概ね達成 (lower is better)
        (3, 2, 2024, 1),  # 未達成
        (6, 1, 2023, 2000000),  # cumulative
        (10, 1, 2023, Decimal("0.25")),
        (14, 2, 2023, 26),
    ]:
        figures = IndicatorYear.objects.get(
            indicator__measure__number=number, indicator__slot=slot, fiscal_year=fiscal_year
        )
        figures.result_value = Decimal(value)
        figures.save()
    milestone = IndicatorYear.objects.get(indicator__measure__number=1, fiscal_year=2023)
    milestone.result_stage = milestone.indicator.stages.get(label="検討80%")
    milestone.save()
    return seed_plan


def page_groups() -> dict[str, list[str]]:
    return {
        "home and archives": ["/", "/plans/", f"/plans/{SLUG}/", f"/plans/{SLUG}/introduction/",
                              f"/plans/{SLUG}/achievement/", f"/plans/{SLUG}/reports/",
                              f"/plans/{SLUG}/reports/2023-09-01/", "/opendata/"],
        "pillars": [f"/plans/{SLUG}/pillars/{n}/" for n in range(1, 6)],
        "measure list": [f"/plans/{SLUG}/measures/", f"/plans/{SLUG}/measures/?sort=-grade&pillar=2"],
        "measures": [f"/plans/{SLUG}/measures/{n}/" for n in range(1, 16)],
        "departments": ["/departments/"] + [f"/departments/{pk}/" for pk in
                                            Department.objects.sections().order_by("pk").values_list("pk", flat=True)],
    }


def assert_no_horizontal_scroll(page):
    __tracebackhide__ = True
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, f"{page.url}: {width}px of content in a {viewport}px viewport"


@pytest.mark.parametrize("group", ["home and archives", "pillars", "measure list", "measures", "departments"])
def test_every_public_page_passes_axe_and_reflows(any_page, public_site, group):
    page = any_page
    urls = page_groups()[group]
    assert urls
    for url in urls:
        response = page.goto(url)
        assert response.status == 200, url
        expect(page.locator("h1")).to_have_count(1)
        assert_accessible(page)
        assert_no_horizontal_scroll(page)


TABLE_ROLES = {"table", "row", "cell", "rowheader", "columnheader", "gridcell"}


def table_roles(page) -> dict[str, int]:
    """How many nodes of each table role Chromium's own accessibility tree holds (what screen readers get)."""
    session = page.context.new_cdp_session(page)
    nodes = session.send("Accessibility.getFullAXTree")["nodes"]
    counts: dict[str, int] = {}
    for node in nodes:
        role = str(node.get("role", {}).get("value", "")).lower()
        if role in TABLE_ROLES and not node.get("ignored"):
            counts[role] = counts.get(role, 0) + 1
    return counts


def test_stacked_tables_keep_their_table_semantics_on_phones(page, phone_page, public_site):
    """Under 48rem the year tables and the measure list show each row as a block (display: block). With no
    ARIA table roles in the HTML (which HTML forbids on a table's own rows and cells), the browser must
    still expose a table, rows, row and column headers and cells, as it does on a desktop."""
    for url in [f"/plans/{SLUG}/measures/2/", f"/plans/{SLUG}/measures/?pillar=2"]:
        page.goto(url)
        phone_page.goto(url)
        assert phone_page.evaluate("getComputedStyle(document.querySelector('table.data-table--stack')).display") == "block"
        desktop, phone = table_roles(page), table_roles(phone_page)
        assert desktop.get("table", 0) >= 1 and desktop.get("rowheader", 0) >= 3 and desktop.get("cell", 0) >= 6, desktop
        assert phone == desktop, (url, phone, desktop)


def test_state_tags_read_as_labels_not_buttons(page, public_site):
    """集計中, 未報告 and the other states are unboxed text (a bar before them), unlike a button; grades keep their
    filled tag. axe (above) checks their contrast."""
    page.goto(f"/plans/{SLUG}/measures/2/")
    state = page.locator(".tag--state", has_text="集計中").first
    look = state.evaluate("""e => { const s = getComputedStyle(e);
        return {top: s.borderTopWidth, bottom: s.borderBottomWidth, left: s.borderLeftWidth, bg: s.backgroundColor,
                radius: s.borderTopLeftRadius}; }""")
    assert look == {"top": "0px", "bottom": "0px", "left": "3px", "bg": "rgba(0, 0, 0, 0)", "radius": "0px"}, look
    button = page.locator(".site-search__button").evaluate("e => getComputedStyle(e).borderTopWidth")
    assert button == "2px"
    grade = page.locator(".tag--best, .tag--middle, .tag--worst").first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert grade != "rgba(0, 0, 0, 0)"


def test_screenshots_of_the_main_pages(page, phone_page, public_site, screenshot):
    """Screenshots to look at; the pages are also checked here for their charts and tags."""
    page.goto("/")
    expect(page.locator(".tag--best").first).to_have_text("達成")
    expect(page.locator(".tag--middle").first).to_have_text("概ね達成")
    expect(page.locator(".tag--worst").first).to_have_text("未達成")
    expect(page.locator(".trend").first).to_have_text("↑ 改善")
    expect(page.locator(".figures--interim .tag--state").first).to_have_text("年度途中")
    screenshot(page, "home-desktop")
    phone_page.goto("/")
    screenshot(phone_page, "home-phone")
    page.goto(f"/plans/{SLUG}/measures/2/")
    charts = page.locator("svg.chart-svg")
    expect(charts).to_have_count(2)
    box = charts.first.bounding_box()
    assert box["width"] > 300 and box["height"] > 150
    expect(page.locator("svg.chart-svg .chart-result")).to_have_count(1)
    screenshot(page, "measure-desktop")
    phone_page.goto(f"/plans/{SLUG}/measures/6/")
    screenshot(phone_page, "measure-phone")
    phone_page.goto(f"/plans/{SLUG}/measures/")
    screenshot(phone_page, "measure-list-phone")
    page.goto(f"/plans/{SLUG}/reports/2023-09-01/")
    screenshot(page, "report-desktop")


@pytest.fixture
def zoomed_page(browser, live_server, request):
    """A 1280x900 window at 200% zoom: 640x450 CSS pixels at twice the density."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 640, "height": 450}, device_scale_factor=2, locale="ja-JP"
    )
    request.addfinalizer(context.close)
    _watch(request, context)
    return context.new_page()


def test_on_a_phone_the_summaries_show_every_column_without_scrolling_sideways(page, phone_page, public_site, screenshot):
    """Below 48rem the counts are turned (a column per year or pillar): every grade and state fits."""
    for url in ("/", f"/plans/{SLUG}/pillars/1/"):
        phone_page.goto(url)
        turned = phone_page.locator("table.summary-table--turned")
        assert turned.count() >= 1
        for index in range(turned.count()):
            table = turned.nth(index)
            expect(table).to_be_visible()
            assert table.evaluate("t => t.scrollWidth <= t.parentElement.clientWidth"), f"{url}: table {index} is wider than the screen"
            headings = table.locator("tbody th").all_inner_texts()
            assert headings[:3] == ["達成", "概ね達成", "未達成"] and headings[-1] == "計"
        expect(phone_page.locator("table.year-summary-table")).to_be_hidden()
        assert_no_horizontal_scroll(phone_page)
        assert_accessible(phone_page)
        page.goto(url)  # the desktop keeps the wide tables, and only them
        expect(page.locator("table.year-summary-table")).to_be_visible()
        expect(page.locator("table.summary-table--turned").first).to_be_hidden()
    phone_page.goto("/")
    screenshot(phone_page, "home-summary-phone")


def test_pages_reflow_at_200_percent_zoom(zoomed_page, public_site, screenshot):
    for url in ["/", f"/plans/{SLUG}/measures/", f"/plans/{SLUG}/measures/2/", f"/plans/{SLUG}/reports/2023-09-01/",
                "/departments/", f"/plans/{SLUG}/achievement/"]:
        zoomed_page.goto(url)
        assert_no_horizontal_scroll(zoomed_page)
        expect(zoomed_page.locator(".site-nav")).to_be_visible()
    zoomed_page.goto(f"/plans/{SLUG}/measures/2/")
    screenshot(zoomed_page, "measure-zoom-200")


TEXT_SPACING = """
* { line-height: 1.5 !important; letter-spacing: 0.12em !important; word-spacing: 0.16em !important; }
p { margin-bottom: 2em !important; }
"""


def test_text_spacing_loses_no_content(phone_page, public_site):
    """WCAG 1.4.12: with wider line, letter, word and paragraph spacing nothing overflows or is clipped."""
    for url in ["/", f"/plans/{SLUG}/measures/", f"/plans/{SLUG}/measures/7/"]:
        phone_page.goto(url)
        # A constructed style sheet, as a user style would apply: the site's CSP (rightly) refuses <style> tags.
        phone_page.evaluate("""(css) => { const sheet = new CSSStyleSheet(); sheet.replaceSync(css);
                                          document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet]; }""",
                            TEXT_SPACING)
        spacing = phone_page.evaluate("() => getComputedStyle(document.querySelector('main p')).letterSpacing")
        assert spacing not in ("normal", "0px"), "the text-spacing style applies"
        assert_no_horizontal_scroll(phone_page)
        clipped = phone_page.evaluate(
            """() => [...document.querySelectorAll('body *')].filter(e => {
                const s = getComputedStyle(e);
                return (s.overflow === 'hidden' || s.overflowY === 'hidden') && e.scrollHeight > e.clientHeight + 1
                    && e.clientWidth > 1 && e.offsetParent !== null;  // not the visually hidden
            }).map(e => e.outerHTML.slice(0, 80))"""
        )
        assert clipped == [], (url, clipped)


def focus_style(page):
    return page.evaluate(
        """() => { const e = document.activeElement; const s = getComputedStyle(e);
                   const r = e.getBoundingClientRect();
                   return {tag: e.tagName, text: e.textContent.trim().slice(0, 40), outline: s.outlineStyle,
                           width: parseFloat(s.outlineWidth), top: r.top, bottom: r.bottom, left: r.left,
                           right: r.right, vw: innerWidth, vh: innerHeight}; }"""
    )


def test_keyboard_focus_is_always_visible_and_the_skip_link_works(any_page, public_site, screenshot):
    page = any_page
    page.goto(f"/plans/{SLUG}/measures/2/")
    page.keyboard.press("Tab")
    style = focus_style(page)
    assert style["text"] == "本文へ移動"
    assert style["outline"] == "solid" and style["width"] >= 3
    assert 0 <= style["top"] and style["bottom"] <= style["vh"]  # the skip link shows when focused
    screenshot(page, "skip-link-focused")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # Every following stop: a visible outline, on screen once scrolled to.
    for _ in range(25):
        page.keyboard.press("Tab")
        style = focus_style(page)
        if style["tag"] == "BODY":
            break
        assert style["outline"] == "solid" and style["width"] >= 3, style
        assert style["right"] > 0 and style["left"] < style["vw"], style


def test_the_measure_list_is_sorted_and_filtered_with_the_keyboard(page, public_site):
    page.goto(f"/plans/{SLUG}/measures/")
    page.get_by_label("柱").focus()
    page.get_by_label("柱").select_option(label="5つの柱② モノ")
    page.get_by_role("button", name="絞り込む").press("Enter")
    page.wait_for_url(re.compile(r"pillar=2"))
    expect(page.locator("tbody tr")).to_have_count(3)
    page.locator("a.sort-link", has_text="評価").press("Enter")
    page.wait_for_url(re.compile(r"sort=grade"))
    assert "pillar=2" in page.url
    expect(page.locator("th[aria-sort]")).to_have_count(1)
    expect(page.locator("tbody tr")).to_have_count(3)


def test_phone_measure_list_shows_rows_as_labelled_cards(phone_page, public_site):
    phone_page.goto(f"/plans/{SLUG}/measures/")
    first_row = phone_page.locator("tbody tr").first
    assert first_row.evaluate("e => getComputedStyle(e).display") == "grid"
    label = first_row.locator("td[data-label='柱']").evaluate("e => getComputedStyle(e, '::before').content")
    assert "柱" in label
    # Table semantics survive the CSS: the accessibility tree still has a table with rows and cells.
    expect(phone_page.get_by_role("table", name=re.compile("推進項目の一覧"))).to_be_visible()
    expect(phone_page.get_by_role("row")).to_have_count(16)
    assert_accessible(phone_page)


def test_phone_year_tables_label_each_value_by_its_column(phone_page, public_site):
    """The year table's cells carry no data-label: the stylesheet names them by column."""
    phone_page.goto(f"/plans/{SLUG}/measures/1/")
    row = phone_page.locator("table.year-table tbody tr").first
    cells = row.locator("td")
    labels = [cells.nth(i).evaluate("e => getComputedStyle(e, '::before').content") for i in range(3)]
    assert labels == ['"目標値"', '"結果"', '"評価"']
    assert cells.first.evaluate("e => getComputedStyle(e).display") == "grid"
    # Each cell's value is one grid item beside its label, not split over several rows.
    assert all(cells.nth(i).evaluate("e => e.getBoundingClientRect().height") < 60 for i in range(3))
    assert_accessible(phone_page)


def test_year_tables_right_align_targets_and_results(page, public_site):
    """Known by their column, not by a class on each cell."""
    page.goto(f"/plans/{SLUG}/measures/1/")
    cells = page.locator("table.year-table tbody tr").first.locator("td")
    aligns = [cells.nth(i).evaluate("e => getComputedStyle(e).textAlign") for i in range(3)]
    assert aligns[:2] == ["right", "right"] and aligns[2] != "right"


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def test_a_measure_page_prints_on_a4_like_its_sheet(page, public_site, screenshot):
    page.goto(f"/plans/{SLUG}/measures/2/")
    page.emulate_media(media="print")
    expect(page.locator(".site-nav")).to_be_hidden()
    expect(page.locator(".breadcrumbs")).to_be_hidden()
    expect(page.locator(".pager")).to_be_hidden()
    expect(page.locator("svg.chart-svg").first).to_be_visible()
    expect(page.locator("h1")).to_contain_text("働き方改革の促進")
    screenshot(page, "measure-print")
    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    assert 1 <= pdf_pages(pdf) <= 2, pdf_pages(pdf)
    page.goto(f"/plans/{SLUG}/measures/1/")
    assert pdf_pages(page.pdf(format="A4", prefer_css_page_size=True)) <= 2


PILLAR_HEADING = re.compile(r"^5つの柱[①-⑳]")


def pdf_text_pages(pdf: bytes, tmp_path) -> list[list[str]]:
    """Each printed page's non-empty lines, as pdftotext (poppler-utils) lays them out."""
    pdftotext = shutil.which("pdftotext")
    if not pdftotext:
        message = "pdftotext not found; install it with: apt-get install poppler-utils"
        if running_under_ci():
            pytest.fail(message + " (CI=true: a missing tool is a failure, not a skip)", pytrace=False)
        pytest.skip(message)
    path = tmp_path / "printed.pdf"
    path.write_bytes(pdf)
    text = subprocess.run([pdftotext, "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [[line.strip() for line in page.splitlines() if line.strip()] for page in text.split("\f") if page.strip()]


MEASURE_HEADING = re.compile(r"^事業No\.\s*(\d+)\b")


def test_the_report_prints_without_a_stranded_heading_or_a_near_empty_page(page, public_site, tmp_path, screenshot):
    """No printed page ends with a pillar's heading (its measures on the next page), and no page carries only
    a line or two left over from the page before."""
    page.goto(f"/plans/{SLUG}/reports/2023-09-01/")
    page.emulate_media(media="print")
    screenshot(page, "report-print")
    pages = pdf_text_pages(page.pdf(format="A4", prefer_css_page_size=True), tmp_path)
    assert len(pages) >= 5
    assert sum(1 for lines in pages for line in lines if PILLAR_HEADING.match(line)) >= 5  # the pillars are printed
    for number, lines in enumerate(pages, 1):
        assert not PILLAR_HEADING.match(lines[-1]), f"page {number} ends with the heading {lines[-1]!r}"
        assert len(lines) >= 3, f"page {number} holds only {lines!r}"
    # As in the source, each measure starts a page: its heading comes first, after its pillar's for the first.
    starts = {}
    for number, lines in enumerate(pages, 1):
        for position, line in enumerate(lines):
            found = MEASURE_HEADING.match(line)
            if found:
                starts[int(found[1])] = (number, position, lines[:position])
    assert sorted(starts) == list(range(1, 16))
    for measure, (number, position, before) in starts.items():
        assert all(PILLAR_HEADING.match(line) for line in before), f"measure {measure} starts mid-page {number}: {before!r}"


def test_the_not_found_page_is_accessible(any_page, public_site):
    response = any_page.goto("/plans/2023-2026/measures/99/")
    assert response.status == 404
    expect(any_page.locator("h1")).to_have_text("ページが見つかりません")
    assert_accessible(any_page)
    assert_no_horizontal_scroll(any_page)
