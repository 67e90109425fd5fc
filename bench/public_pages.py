"""Benchmark: time every public page of the seed plan and of a generated plan (200 measures by
default) and count its SQL queries; prints the median of several requests per page, in wall-clock and in CPU time (the
second is steadier on a busy machine: the database is SQLite, in the same process).

    DJANGO_DEBUG=1 .venv/bin/python bench/public_pages.py [--measures 200] [--repeat 5]

Runs in a throwaway SQLite database (or the one DATABASE_URL names, if given with
--use-database-url), so it never touches your data. The plan is the one the query-count
tests use (tests/plans/test_public_queries.py): three indicators per measure, four years,
a published report. The seed plan's pages are timed first, alone in the database; the seed plan
is then unpublished so that the generated plan is the one the home page shows.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.django_setup import start  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--measures", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--use-database-url", action="store_true")
    args = parser.parse_args()
    start(use_database_url=args.use_database_url)
    from django.core.management import call_command
    from django.db import transaction
    from django.test import Client

    from plans.models import Department, Plan
    from tests.plans.test_public_queries import generate_plan

    call_command("load_seed_plan", verbosity=0)
    client = Client()
    seed = Plan.objects.get()
    seed_report = seed.reports.get()
    seed_department = seed.measures.get(number=1).assignments.order_by("position").first().department
    print("seed plan")
    time_pages(client, plan_pages(seed.slug, seed_report.as_of, seed_department.pk), args.repeat)

    started = time.perf_counter()
    with transaction.atomic():
        departments = Department.objects.bulk_create(Department(division=f"部{n}", section=f"課{n}") for n in range(1, 8))
        plan = generate_plan(f"bench-{args.measures}", args.measures, departments)
        Plan.objects.filter(pk=seed.pk).update(published_at=None)
    print(f"\ngenerated a plan of {args.measures} measures in {time.perf_counter() - started:.1f} s")
    time_pages(client, plan_pages(plan.slug, plan.reports.get().as_of, departments[0].pk), args.repeat)


def plan_pages(slug, as_of, department_pk):
    return {
        "home": "/",
        "plan archive": "/plans/",
        "plan": f"/plans/{slug}/",
        "introduction": f"/plans/{slug}/introduction/",
        "pillar": f"/plans/{slug}/pillars/1/",
        "measure list": f"/plans/{slug}/measures/",
        "measure list, sorted by grade": f"/plans/{slug}/measures/?sort=grade",
        "measure": f"/plans/{slug}/measures/1/",
        "report list": f"/plans/{slug}/reports/",
        "report": f"/plans/{slug}/reports/{as_of.isoformat()}/",
        "department list": "/departments/",
        "department": f"/departments/{department_pk}/",
        "achievement rules": f"/plans/{slug}/achievement/",
    }


def time_pages(client, pages, repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    print(f"{'page':<32} {'median':>9} {'cpu':>10} {'queries':>8} {'size':>10}")
    for label, url in pages.items():
        timings, cpu_timings = [], []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as queries:
                started, cpu_started = time.perf_counter(), time.process_time()
                response = client.get(url)
                timings.append(time.perf_counter() - started)
                cpu_timings.append(time.process_time() - cpu_started)
            assert response.status_code == 200, (url, response.status_code)
        size = len(response.content)
        print(f"{label:<32} {statistics.median(timings) * 1000:7.1f} ms {statistics.median(cpu_timings) * 1000:7.1f} ms"
              f" {len(queries):8d} {size / 1024:8.0f} KiB")


if __name__ == "__main__":
    main()
