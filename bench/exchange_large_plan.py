"""Benchmark: export and import a generated plan of 1,000 measures as a plan workbook, and
write its progress-report workbook; prints the time and peak Python memory of each.

    DJANGO_DEBUG=1 .venv/bin/python bench/exchange_large_plan.py [--measures 1000]

Runs in a throwaway SQLite database (or the one DATABASE_URL names, if given
with --use-database-url), so it never touches your data.
"""

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.django_setup import start  # noqa: E402


def measured(label, function):
    tracemalloc.start()
    started = time.perf_counter()
    result = function()
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<34} {elapsed:8.2f} s   peak {peak / 2**20:8.1f} MiB")
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--measures", type=int, default=1000)
    parser.add_argument("--use-database-url", action="store_true")
    args = parser.parse_args()
    start(use_database_url=args.use_database_url)
    from django.db import transaction

    from decimal import Decimal

    from exchange.plan_workbook import export_plan, import_plan
    from exchange.report_workbook import report_workbook
    from indicators.models import Indicator, IndicatorYear
    from plans.models import Department, Measure, MeasureDepartment, Pillar, Plan
    from reports.models import ProgressReport

    def generate():
        with transaction.atomic():
            plan = Plan.objects.create(slug="bench", title="ベンチマーク計画", municipality="市",
                                       first_fiscal_year=2027, last_fiscal_year=2030, introduction="はじめに" * 50)
            pillars = [Pillar.objects.create(plan=plan, number=n, name=f"柱{n}", aim="取組視点" * 10) for n in range(1, 6)]
            department = Department.objects.create(division="部", section="課")
            measures = Measure.objects.bulk_create(
                Measure(plan=plan, pillar=pillars[n % 5], number=n, title=f"推進項目{n}",
                        current_situation="現状と課題の記述。" * 30, approach="方向性と活動内容。" * 30)
                for n in range(1, args.measures + 1)
            )
            MeasureDepartment.objects.bulk_create(MeasureDepartment(measure=m, department=department) for m in measures)
            indicators = Indicator.objects.bulk_create(
                Indicator(measure=m, slot=s, name=f"指標{s}", unit="件") for m in measures for s in (1, 2)
            )
            IndicatorYear.objects.bulk_create(
                IndicatorYear(indicator=i, fiscal_year=y, target_status="set", target_value=Decimal(y - 2000),
                              result_value=Decimal(y - 2001))
                for i in indicators for y in plan.fiscal_years
            )
            ProgressReport.objects.create(plan=plan, as_of="2028-06-01")
        return plan

    plan = measured(f"generate plan ({args.measures} measures)", generate)
    data = measured("export plan workbook", lambda: export_plan(plan))
    print(f"{'':<34} {len(data) / 2**20:8.2f} MiB file")
    report = plan.reports.get()
    report_data = measured("write progress-report workbook", lambda: report_workbook(report))
    print(f"{'':<34} {len(report_data) / 2**20:8.2f} MiB file")
    from tests.exchange.helpers import edited

    def rename(workbook):
        workbook["計画"]["B2"] = "bench-copy"

    renamed = edited(data, rename)
    from exchange.plan_workbook import read_plan_workbook

    measured("check plan workbook (preview)", lambda: read_plan_workbook(renamed))
    result = measured("import plan workbook (check + save)", lambda: import_plan(renamed))
    if not result.ok:
        print("import problems:", [str(p) for p in result.problems[:5]])
        sys.exit(1)
    print(f"imported {Measure.objects.filter(plan=result.created).count()} measures, "
          f"{IndicatorYear.objects.filter(indicator__measure__plan=result.created).count()} targets")


if __name__ == "__main__":
    main()
