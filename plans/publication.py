"""Publication: what citizens may see. The one place that decides it.

Citizens see a progress report once it is published, and in it only the notes
the reform office approved. Indicator results on IndicatorYear are the
published ones; a report's figures are frozen at publication in
PublishedIndicatorYear, so what was published on a date stays readable.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from .models import Plan, ProgressNote, ProgressReport


def published_reports(plan: Plan | None = None) -> QuerySet[ProgressReport]:
    reports = ProgressReport.objects.filter(published_at__isnull=False)
    if plan is not None:
        reports = reports.filter(plan=plan)
    return reports.order_by("-as_of")


def latest_published_report(plan: Plan) -> ProgressReport | None:
    return published_reports(plan).first()


def public_notes() -> QuerySet[ProgressNote]:
    """Notes citizens may read: approved, in a published report."""
    return ProgressNote.objects.filter(
        status=ProgressNote.Status.APPROVED, report__published_at__isnull=False
    )


@transaction.atomic
def freeze_figures(report: ProgressReport) -> None:
    """Copy every indicator year of the report's plan, as it stands now, into the report."""
    from indicators.models import IndicatorYear, PublishedIndicatorYear

    report.published_years.all().delete()
    PublishedIndicatorYear.objects.bulk_create(
        PublishedIndicatorYear(
            report=report,
            indicator_id=year.indicator_id,
            fiscal_year=year.fiscal_year,
            target_status=year.target_status,
            target_value=year.target_value,
            target_stage_id=year.target_stage_id,
            result_value=year.result_value,
            result_stage_id=year.result_stage_id,
        )
        for year in IndicatorYear.objects.filter(indicator__measure__plan_id=report.plan_id)
    )


@transaction.atomic
def publish_report(report: ProgressReport) -> ProgressReport:
    """Publish a report: its approved notes and the plan's figures go public and are frozen."""
    report = ProgressReport.objects.select_for_update().get(pk=report.pk)
    if report.is_published:
        raise ValueError("この進捗状況報告はすでに公表されています。")
    freeze_figures(report)
    report.published_at = timezone.now()
    report.save(update_fields=["published_at"])
    return report
