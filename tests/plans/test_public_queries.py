"""Each public page runs as many SQL queries for a plan of 200 measures as for a plan of 3."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indicators.models import GradeBand, Indicator, IndicatorYear, MilestoneStage
from public.pages import parts as selectors
from reports import publication
from plans.models import Department, Measure, MeasureDepartment, Pillar, Plan
from reports.models import ProgressNote, ProgressReport

FIRST_YEAR = 2023
YEARS = range(FIRST_YEAR, FIRST_YEAR + 4)
MOST_QUERIES = 16  # the most any public page may run, whatever the data (a measure page: 15, six for its last update)


def generate_plan(slug: str, measure_count: int, departments: list[Department], *, first_year=FIRST_YEAR) -> Plan:
    """A plan with 5 pillars and `measure_count` measures, each with two departments and three indicators
    (numeric, cumulative, milestone) with targets and results for four years, and a published report
    whose notes are approved, returned or draft in turn."""
    plan = Plan.objects.create(
        slug=slug, title=f"計画{slug}", municipality="テスト市", policy="テスト方針",
        first_fiscal_year=first_year, last_fiscal_year=first_year + 3, introduction="はじめの段落。\n\n次の段落。",
        published_at=timezone.now(),
    )
    GradeBand.objects.bulk_create(
        GradeBand(plan=plan, label=label, min_rate=rate) for label, rate in [("達成", 100), ("概ね達成", 80), ("未達成", 0)]
    )
    pillars = Pillar.objects.bulk_create(Pillar(plan=plan, number=n, name=f"柱{n}", aim=f"柱{n}の視点。") for n in range(1, 6))
    measures = Measure.objects.bulk_create(
        Measure(plan=plan, pillar=pillars[(n - 1) % 5], number=n, title=f"推進項目{n}",
                current_situation="現状。", approach="方向性。")
        for n in range(1, measure_count + 1)
    )
    MeasureDepartment.objects.bulk_create(
        MeasureDepartment(measure=m, department=departments[(m.number + i) % len(departments)], position=i + 1)
        for m in measures for i in range(2)
    )
    indicators = Indicator.objects.bulk_create(
        Indicator(measure=m, slot=slot, name=f"指標{m.number}-{slot}", unit="" if slot == 3 else "件",
                  kind="milestone" if slot == 3 else "numeric", is_cumulative=slot == 2,
                  name_is_provisional=slot == 1, note="※注記" if slot == 1 else "")
        for m in measures for slot in (1, 2, 3)
    )
    stages = MilestoneStage.objects.bulk_create(
        MilestoneStage(indicator=i, position=p, label=f"段階{p}") for i in indicators if i.is_milestone for p in (1, 2, 3)
    )
    stage_of = {(s.indicator_id, s.position): s for s in stages}
    years = []
    for indicator in indicators:
        for offset, fiscal_year in enumerate(first_year + k for k in range(4)):
            if indicator.is_milestone:
                years.append(IndicatorYear(indicator=indicator, fiscal_year=fiscal_year, target_status="set",
                                           target_stage=stage_of[(indicator.pk, min(offset + 1, 3))],
                                           result_stage=stage_of[(indicator.pk, 1)] if offset == 0 else None))
            elif offset == 3:
                years.append(IndicatorYear(indicator=indicator, fiscal_year=fiscal_year, target_status="not_set"))
            else:
                years.append(IndicatorYear(indicator=indicator, fiscal_year=fiscal_year, target_status="set",
                                           target_value=Decimal(100 * (offset + 1)),
                                           result_value=Decimal(90) if offset < 2 else None))
    IndicatorYear.objects.bulk_create(years)
    report = ProgressReport.objects.create(plan=plan, as_of=datetime.date(first_year + 1, 9, 1))
    ProgressNote.objects.bulk_create(
        ProgressNote(report=report, measure=m, text=f"活動経過{m.number}。",
                     status=("approved", "returned", "draft")[m.number % 3])
        for m in measures
    )
    publication.publish_report(report)
    return plan


@pytest.fixture
def plans(db, monkeypatch):
    monkeypatch.setattr(selectors, "today", lambda: datetime.date(2025, 10, 1))
    departments = Department.objects.bulk_create(Department(division=f"部{n}", section=f"課{n}") for n in range(1, 8))
    small = generate_plan("small", 3, departments, first_year=2019)
    large = generate_plan("large", 200, departments)
    return small, large, departments


def urls_of(plan: Plan, department: Department) -> dict[str, str]:
    report = plan.reports.get()
    return {
        "plan": f"/plans/{plan.slug}/",
        "introduction": f"/plans/{plan.slug}/introduction/",
        "pillar": f"/plans/{plan.slug}/pillars/1/",
        "measure list": f"/plans/{plan.slug}/measures/",
        "measure list sorted and filtered": f"/plans/{plan.slug}/measures/?sort=-grade&pillar=1&department={department.pk}",
        "measure": f"/plans/{plan.slug}/measures/2/",
        "report list": f"/plans/{plan.slug}/reports/",
        "report": f"/plans/{plan.slug}/reports/{report.as_of.isoformat()}/",
        "achievement": f"/plans/{plan.slug}/achievement/",
    }


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def test_plan_pages_do_not_query_more_for_a_larger_plan(client, plans):
    small, large, departments = plans
    small_urls, large_urls = urls_of(small, departments[0]), urls_of(large, departments[0])
    for page in small_urls:
        small_count = queries_for(client, small_urls[page])
        large_count = queries_for(client, large_urls[page])
        assert large_count == small_count, f"{page}: {small_count} queries for 3 measures, {large_count} for 200"
        assert large_count <= MOST_QUERIES, f"{page}: {large_count} queries"


def test_the_large_plan_really_is_large(client, plans):
    _, large, departments = plans
    html = client.get(f"/plans/{large.slug}/measures/").content.decode()
    assert "200件中 200件を表示しています。" in html
    assert IndicatorYear.objects.filter(indicator__measure__plan=large).count() == 200 * 3 * 4
    assert large.reports.get().published_years.count() == 200 * 3 * 4
    assert "推進項目200" in client.get(f"/plans/{large.slug}/").content.decode()


def test_site_wide_pages_do_not_query_more_with_more_data(client, db, monkeypatch):
    """The home page, the archive and the department pages, before and after a plan of 200 measures."""
    monkeypatch.setattr(selectors, "today", lambda: datetime.date(2025, 10, 1))
    departments = Department.objects.bulk_create(Department(division=f"部{n}", section=f"課{n}") for n in range(1, 8))
    generate_plan("small", 3, departments, first_year=2019)
    department = departments[1]  # in charge of measures of every plan
    urls = ["/", "/plans/", "/departments/", f"/departments/{department.pk}/"]
    before = {url: queries_for(client, url) for url in urls}
    large = generate_plan("large", 200, departments)
    generate_plan("later", 20, departments, first_year=2027)
    after = {url: queries_for(client, url) for url in urls}
    assert Measure.objects.filter(plan=large, assignments__department=department).count() > 50
    assert before == after
    assert max(after.values()) <= MOST_QUERIES


def test_home_with_the_large_plan_current(client, plans):
    small, large, _ = plans
    html = client.get("/").content.decode()
    assert f"<h1>{large.title}</h1>" in html  # FY2025 falls in the large plan's period
    assert html.count('class="measure-card"') == 200
