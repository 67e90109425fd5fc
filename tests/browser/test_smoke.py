"""Smoke test: the home page in a real browser, at desktop and phone widths."""

import pytest
from playwright.sync_api import expect

from .axe import assert_accessible


@pytest.fixture(params=["page", "phone_page"], ids=["desktop", "phone"])
def any_page(request):
    return request.getfixturevalue(request.param)


def test_home_shows_plan(any_page, seed_plan, screenshot):
    page = any_page
    page.goto("/")
    expect(page).to_have_title(f"{seed_plan.title}（{seed_plan.period_label}）｜{seed_plan.municipality}")
    assert page.locator("html").get_attribute("lang") == "ja"
    expect(page.get_by_role("heading", level=1)).to_have_text(seed_plan.title)
    expect(page.get_by_text("令和5年度〜令和8年度").first).to_be_visible()
    expect(page.get_by_role("heading", level=2)).to_have_count(5)
    expect(page.get_by_role("heading", level=2).first).to_contain_text("5つの柱")
    expect(page.locator(".measure-list > li")).to_have_count(15)
    expect(page.get_by_text("健康こども部こども発達支援課").first).to_be_visible()
    # Reflow (WCAG 1.4.10): no horizontal scrolling, down to 320 CSS pixels.
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    screenshot(page)


def test_home_is_accessible(any_page, seed_plan):
    any_page.goto("/")
    assert_accessible(any_page)


def test_assert_accessible_reports_violations(page):
    """The helper really runs axe: a page with known faults fails with a readable list."""
    page.set_content('<html><body><img src="x.png"><a href="/"></a></body></html>')
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page)
    message = str(failure.value)
    assert "image-alt [critical]" in message
    assert "html-has-lang" in message
    assert "link-name" in message
    assert "img" in message  # a target selector
