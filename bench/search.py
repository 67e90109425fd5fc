"""Benchmark: search and the feeds on a generated plan of 1,000 measures (by default) whose texts are
as long as the seed's (each measure's situation, approach and narrative are taken from the seed plan's
measures in turn), with the SQL queries each request runs; prints the median of several requests.

    DJANGO_DEBUG=1 .venv/bin/python bench/search.py [--measures 1000] [--repeat 5]

Runs in a throwaway SQLite database (or the one DATABASE_URL names, with --use-database-url).
The plan is tests/plans/test_public_queries.generate_plan's (three indicators per measure, a
published report in which a third of the notes are approved), with the seed's texts put in.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.django_setup import start  # noqa: E402


def seed_texts() -> list[dict]:
    """Each seed measure's situation and approach, and its narrative in the seed's report."""
    objects = json.loads((ROOT / "fixtures" / "seed_plan.json").read_text())
    measures = {o["pk"]: o["fields"] for o in objects if o["model"] == "plans.measure"}
    notes = {o["fields"]["measure"]: o["fields"]["text"] for o in objects if o["model"] == "reports.progressnote"}
    return [
        {"current_situation": m["current_situation"], "approach": m["approach"], "note": notes.get(pk, "")}
        for pk, m in sorted(measures.items())
    ]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--measures", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--use-database-url", action="store_true")
    args = parser.parse_args()
    start(use_database_url=args.use_database_url)
    from django.core.cache import cache
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from plans.models import Department, Measure
    from reports.models import ProgressNote
    from tests.plans.test_public_queries import generate_plan

    started = time.perf_counter()
    texts = seed_texts()
    with transaction.atomic():
        departments = Department.objects.bulk_create(Department(division=f"部{n}", section=f"課{n}") for n in range(1, 8))
        plan = generate_plan(f"bench-{args.measures}", args.measures, departments)
        measures = list(plan.measures.order_by("number"))
        for measure in measures:
            text = texts[(measure.number - 1) % len(texts)]
            measure.current_situation, measure.approach = text["current_situation"], text["approach"]
        Measure.objects.bulk_update(measures, ["current_situation", "approach"])
        # Published notes are frozen for the models; the benchmark writes their texts directly.
        for note in ProgressNote.objects.filter(report__plan=plan).values("pk", "measure__number"):
            ProgressNote.objects.filter(pk=note["pk"]).update(
                text=texts[(note["measure__number"] - 1) % len(texts)]["note"]
            )
    characters = sum(len(m.current_situation) + len(m.approach) for m in measures) + sum(
        len(t) for t in ProgressNote.objects.filter(report__plan=plan, status="approved").values_list("text", flat=True)
    )
    print(f"generated a plan of {args.measures} measures ({characters:,} characters of text searched) "
          f"in {time.perf_counter() - started:.1f} s\n")

    pages = {
        "search: a common word (職員)": "/search/?q=職員",
        "search: full-width, two words (ＩＣＴ　職員)": "/search/?q=ＩＣＴ　職員",
        "search: half-width katakana (ﾃﾞｼﾞﾀﾙ)": "/search/?q=ﾃﾞｼﾞﾀﾙ",
        "search: a measure's title (推進項目)": "/search/?q=推進項目",
        "search: nothing found": "/search/?q=存在しない言葉",
        "search: ten words": "/search/?q=" + "+".join("職員 業務 効率 推進 市民 計画 情報 課題 必要 実施".split()),
        "feed of the site": "/reports/feed/",
        "feed of the plan": f"/plans/{plan.slug}/reports/feed/",
    }
    client = Client()
    # The first search gathers and folds every entry (kept until the public content changes); so does
    # the first request of each feed for its entries (kept for good: a published report never changes).
    print(f"{'request':<48} {'median':>9} {'first':>9} {'queries':>8} {'size':>9}")
    for label, url in pages.items():
        if url.endswith("/feed/"):
            cache.clear()
        timings = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                timings.append(time.perf_counter() - started)
            assert response.status_code == 200, (url, response.status_code)
        size = len(response.content)
        print(f"{label:<48} {statistics.median(timings) * 1000:7.0f} ms {timings[0] * 1000:7.0f} ms "
              f"{len(queries):8d} {size / 1024:7.0f} KiB")


if __name__ == "__main__":
    main()
