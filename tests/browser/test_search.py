"""Search in real Chromium: from the header of the home page to highlighted results, checked with axe-core
at desktop and phone widths; and the page offering ways on when nothing is found."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import expect

from public.pages import parts as selectors

from .axe import assert_accessible


@pytest.fixture(params=["page", "phone_page"], ids=["desktop", "phone"])
def any_page(request, monkeypatch):
    monkeypatch.setattr(selectors, "today", lambda: datetime.date(2024, 5, 1))  # the live server runs in this process
    return request.getfixturevalue(request.param)


def assert_no_horizontal_scroll(page):
    __tracebackhide__ = True
    width, viewport = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= viewport, f"{page.url}: {width}px of content in a {viewport}px viewport"


def test_searching_from_the_header_of_the_home_page(any_page, seed_plan, screenshot):
    page = any_page
    page.goto("/")
    header = page.get_by_role("search", name="サイト内検索")
    box = header.get_by_role("searchbox", name="サイト内検索")
    box.fill("ＩＣＴ　職員")  # full-width letters and a full-width space: found as ICT and 職員
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q="))
    expect(page.get_by_role("heading", level=1)).to_have_text("「ＩＣＴ　職員」の検索結果")
    results = page.locator("ol.search-results > li")
    expect(results.first).to_be_visible()
    assert results.count() >= 1
    expect(results.first.get_by_role("heading", level=2)).to_be_visible()
    expect(page.locator("ol.search-results mark", has_text="職員").first).to_be_visible()
    expect(page.locator("ol.search-results mark", has_text="ICT").first).to_be_visible()
    expect(page.get_by_role("searchbox", name="探したい言葉")).to_have_value("ＩＣＴ　職員")
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    screenshot(page, "search-results")
    # A result's link leads to its page.
    results.first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert "/plans/2023-2026/" in page.url

    page.goto("/search/?q=" + "存在しない言葉")
    expect(page.locator(".result-count")).to_have_text("「存在しない言葉」を含むものは見つかりませんでした。")
    expect(page.get_by_role("link", name="担当課から探す").last).to_be_visible()
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
