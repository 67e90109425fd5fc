"""Every public page's header names the municipality that publishes the site (issue 12): a plan's page its
plan's, a page without a plan (the plan list, departments, search, open data) the latest public plan's."""

from __future__ import annotations

import re

import pytest

from plans.models import Department

HEADER = re.compile(r'<p class="site-name"><a href="/">(.*?)</a></p>', re.S)


def header_of(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return HEADER.search(response.content.decode())[1]


@pytest.mark.parametrize("url", [
    "/", "/plans/", "/plans/2023-2026/", "/plans/2023-2026/measures/", "/plans/2023-2026/reports/2023-09-01/",
    "/departments/", "/departments/{office}/", "/search/?q=DX", "/search/", "/opendata/",
])
def test_every_public_page_names_the_municipality(client, seed_plan, url):
    url = url.format(office=Department.objects.get(section="経営改革課").pk)
    assert header_of(client, url) == '<span class="site-name__municipality">千葉県木更津市</span> 経営改革推進計画'


def test_before_any_plan_is_public_the_header_names_none(client, db):
    assert header_of(client, "/plans/") == "経営改革推進計画"
