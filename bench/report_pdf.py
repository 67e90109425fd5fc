"""Benchmark: the progress report PDF (exchange/report_pdf.py) of the seed report and of the latest report
of a generated plan (200 measures by default, bench/large_plans.py). The seed's PDF is built by its first
request through the public URL (a small report); the large one's first request answers the waiting page
(503, never a build inside a request), then the background job's build is timed (exchange.jobs, as
`manage.py rqworker default` runs it). Prints each build's time (wall-clock and CPU), pages, size and the
peak memory of the process, the time of the next request (served as kept, never built again) and whether
issue 14's goals are met (seed under 10 s, 200 measures under 2 minutes).

    DJANGO_DEBUG=1 .venv/bin/python bench/report_pdf.py [--measures 200]

Runs in a throwaway SQLite database (or the one DATABASE_URL names, with --use-database-url), so it
never touches your data. Needs WeasyPrint's system libraries and a Japanese font (README "PDF").
"""

import argparse
import importlib
import io
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.django_setup import start  # noqa: E402

GOALS = {"seed": 10.0, "large": 120.0}  # seconds for the first build


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--measures", type=int, default=200)
    parser.add_argument("--use-database-url", action="store_true")
    args = parser.parse_args()
    start(use_database_url=args.use_database_url)
    from django.core.management import call_command
    from django.test import Client

    from exchange import report_pdf
    from plans.models import Plan

    unavailable = report_pdf.missing_requirements()
    if unavailable is not None:
        sys.exit(f"Cannot make PDFs on this machine: {unavailable.hint}")
    importlib.import_module("weasyprint")  # loaded once, as a server's worker has it after its first PDF

    from bench.large_plans import generate_plan

    call_command("load_seed_plan", verbosity=0)
    client = Client()
    seed = Plan.objects.get()
    results = {"seed": time_pdf(client, "seed plan (15 measures)", seed.slug, seed.reports.get().as_of)}

    started = time.perf_counter()
    plan = generate_plan(f"bench-{args.measures}", args.measures)
    print(f"\ngenerated a plan of {args.measures} measures in {time.perf_counter() - started:.1f} s")
    latest = plan.reports.order_by("-as_of").first()
    results["large"] = time_pdf(client, f"{args.measures} measures", plan.slug, latest.as_of)

    print()
    for name, goal in GOALS.items():
        took = results[name]
        label = "seed report" if name == "seed" else f"{args.measures}-measure report"
        print(f"{label}: first build {took:.1f} s, goal under {goal:.0f} s: {'met' if took < goal else 'NOT met'}")


def time_pdf(client, label, slug, as_of) -> float:
    from pypdf import PdfReader

    from exchange import jobs, kept_files
    from reports.models import ProgressReport

    url = f"/plans/{slug}/reports/{as_of.isoformat()}/progress-report.pdf"
    report = ProgressReport.objects.select_related("plan").get(plan__slug=slug, as_of=as_of)
    in_request = jobs.builds_in_request(report)
    wall, cpu = time.perf_counter(), time.process_time()
    response = client.get(url)
    if not in_request:
        waited = time.perf_counter() - wall
        assert response.status_code == 503 and "PDFを作成しています" in response.content.decode(), response.status_code
        print(f"{label}: first request answers the waiting page (503) in {waited * 1000:.0f} ms; built in the background:")
        wall, cpu = time.perf_counter(), time.process_time()
        kept_files.report_pdf_file(report)  # what the job (exchange.jobs.build_report_files) does first
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if not in_request:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    pages = len(PdfReader(io.BytesIO(response.content)).pages)
    again = time.perf_counter()
    kept = client.get(url)
    again = time.perf_counter() - again
    assert kept.content == response.content
    where = "first request (built)" if in_request else "background build"
    print(f"{label}: {where} {wall:.1f} s wall, {cpu:.1f} s CPU; {pages} pages, "
          f"{len(response.content) / 1e6:.1f} MB; peak memory of the process so far {peak:.0f} MB; "
          f"next request (kept) {again * 1000:.0f} ms")
    return wall


if __name__ == "__main__":
    main()
