"""Large plans for benchmarks: N measures, 10 fiscal years, 5 published progress reports.

Each measure has two departments and two indicators (a numeric one and a milestone), a target for
every year and a result for every year already reported; each report is opened, its notes approved
and published through reports.publication, as the reform office would.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

FIRST_YEAR = 2017  # ten fiscal years up to 2026, so the plan is running today and has a long past
YEARS = 10
REPORTS = 5


def generate_plan(slug: str, measure_count: int):
    from indicators.models import GradeBand, Indicator, IndicatorYear, MilestoneStage
    from plans.models import Department, Measure, MeasureDepartment, Pillar, Plan
    from reports import publication
    from reports.models import ProgressNote, ProgressReport

    with transaction.atomic():
        plan = Plan.objects.create(
            slug=slug, title=f"ベンチマーク計画（{measure_count}項目）", municipality="ベンチ市",
            first_fiscal_year=FIRST_YEAR, last_fiscal_year=FIRST_YEAR + YEARS - 1,
            introduction="はじめに。" * 40, published_at=timezone.now(),
        )
        GradeBand.objects.bulk_create(GradeBand(plan=plan, label=label, min_rate=rate)
                                      for label, rate in [("達成", 100), ("概ね達成", 80), ("未達成", 0)])
        pillars = Pillar.objects.bulk_create(Pillar(plan=plan, number=n, name=f"柱{n}", aim="取組視点。" * 10)
                                             for n in range(1, 6))
        departments = [Department.objects.get_or_create(division=f"部{n}", section=f"課{n}")[0] for n in range(1, 21)]
        measures = Measure.objects.bulk_create(
            Measure(plan=plan, pillar=pillars[(n - 1) % 5], number=n, title=f"推進項目{n}", subtitle="副題",
                    current_situation="現状と課題の記述。" * 20, approach="方向性と活動内容。" * 20)
            for n in range(1, measure_count + 1)
        )
        MeasureDepartment.objects.bulk_create(
            MeasureDepartment(measure=m, department=departments[(m.number + i) % len(departments)], position=i + 1)
            for m in measures for i in range(2)
        )
        indicators = Indicator.objects.bulk_create(
            Indicator(measure=m, slot=slot, name=f"指標{m.number}-{slot}", unit="件" if slot == 1 else "",
                      kind="numeric" if slot == 1 else "milestone")
            for m in measures for slot in (1, 2)
        )
        stages = MilestoneStage.objects.bulk_create(
            MilestoneStage(indicator=i, position=p, label=f"段階{p}") for i in indicators if i.is_milestone
            for p in (1, 2, 3)
        )
        stage_of = {(s.indicator_id, s.position): s for s in stages}
        years = []
        for indicator in indicators:
            for offset in range(YEARS):
                fiscal_year = FIRST_YEAR + offset
                reported = offset < REPORTS
                if indicator.is_milestone:
                    years.append(IndicatorYear(
                        indicator=indicator, fiscal_year=fiscal_year, target_status="set",
                        target_stage=stage_of[(indicator.pk, min(offset // 3 + 1, 3))],
                        result_stage=stage_of[(indicator.pk, min(offset // 4 + 1, 3))] if reported else None))
                else:
                    years.append(IndicatorYear(
                        indicator=indicator, fiscal_year=fiscal_year, target_status="set",
                        target_value=Decimal(1000 + 100 * offset),
                        result_value=Decimal(900 + 110 * offset + indicator.measure_id % 50) if reported else None))
        IndicatorYear.objects.bulk_create(years, batch_size=2000)
        for number in range(REPORTS):
            report = ProgressReport.objects.create(plan=plan, as_of=datetime.date(FIRST_YEAR + number + 1, 9, 1))
            ProgressNote.objects.bulk_create(
                ProgressNote(report=report, measure=m, text=f"{number + 1}回目の活動経過。" * 10, status="approved")
                for m in measures
            )
            publication.publish_report(report)
    return plan
