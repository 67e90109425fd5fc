"""関係各課 ("all related sections") is no section: pages write it as text after the departments (「ほか関係各課」),
never link it, list it, offer it as a filter or give it a page; published reports apply the same rule to
their own copy of the departments (issue 12)."""

from __future__ import annotations

import datetime
import re

import pytest

from plans.models import Department
from public.pages import parts as selectors

SEED = "/plans/2023-2026"


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(selectors, "today", lambda: datetime.date(2024, 10, 1))


@pytest.fixture
def related(seed_plan):
    return Department.objects.get(division="", section="関係各課")


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    return html[html.index("<main"):html.index("</main>")]


def test_the_rule_is_on_the_model(related):
    assert related.is_collective
    assert not Department.objects.get(section="経営改革課").is_collective
    # A section of that name inside a division is a real section.
    assert not Department(division="企画部", section="関係各課").is_collective
    assert related not in Department.objects.sections()
    assert Department.objects.sections().count() == Department.objects.count() - 1


def test_a_measure_names_it_as_text_after_its_departments(client, related):
    html = get(client, f"{SEED}/measures/6/")
    assert f"/departments/{related.pk}/" not in html
    assert '<li class="collective-departments">ほか関係各課</li>' in html
    # Measure 6: one section and 関係各課, so no lead is marked among one section.
    assert "（主担当）" not in html
    html = get(client, f"{SEED}/measures/3/")  # 資産管理部財産活用課, 経営改革課, then 関係各課
    assert "（主担当）" in html and "ほか関係各課" in html


@pytest.mark.parametrize("url", ["/", f"{SEED}/", f"{SEED}/pillars/2/", f"{SEED}/measures/", "/departments/"])
def test_no_page_links_or_lists_it(client, related, url):
    html = get(client, url)
    assert f"/departments/{related.pk}/" not in html
    assert ">関係各課<" not in html  # neither a link nor an option


def test_cards_write_it_after_the_linked_sections(client, related):
    html = get(client, f"{SEED}/pillars/2/")
    assert re.search(r'経営改革課</a>ほか関係各課</p>', html)


def test_it_has_no_page_nor_filter_nor_search_result(client, related):
    assert client.get(f"/departments/{related.pk}/").status_code == 404
    html = get(client, f"{SEED}/measures/?department={related.pk}")
    assert "選んだ条件の一部はこの計画にありません" in html
    html = get(client, "/search/?q=関係各課")
    assert f"/departments/{related.pk}/" not in html


def test_a_published_report_applies_the_rule_to_its_own_copy(client, related):
    """The report keeps 関係各課 as it was published, even after the live row is renamed, and writes it as text."""
    related.section = "関係各課・室"  # no longer collective on the live plan
    related.save()
    html = get(client, f"{SEED}/reports/2023-09-01/")
    assert "ほか関係各課" in html
    assert f"/departments/{related.pk}/" not in html
    assert "関係各課・室" not in html
