"""Measures added to a plan after its open report was opened got no note in it: give them a draft one.

From now on a new measure gets its note when it is created (reports.workflow.add_measure_to_open_report).
Published reports are frozen and get nothing.
"""

from django.db import migrations
from django.utils import timezone


def add_missing_notes(apps, schema_editor):
    ProgressReport = apps.get_model("reports", "ProgressReport")
    ProgressNote = apps.get_model("reports", "ProgressNote")
    HistoricalProgressNote = apps.get_model("reports", "HistoricalProgressNote")
    Measure = apps.get_model("plans", "Measure")
    now = timezone.now()
    for report in ProgressReport.objects.filter(published_at__isnull=True):
        for measure in Measure.objects.filter(plan_id=report.plan_id).exclude(progress_notes__report=report):
            note = ProgressNote.objects.create(report=report, measure=measure, status="draft", updated_at=now)
            # Its first version, as the history keeps it for a note made in the admin.
            HistoricalProgressNote.objects.create(
                id=note.pk, report_id=report.pk, measure_id=measure.pk, text="", status="draft", review_comment="",
                version=note.version, updated_at=now, history_date=now, history_type="+",
                history_change_reason="推進項目の追加",
            )


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0003_freeze_content_of_published_reports"),
    ]

    operations = [
        migrations.RunPython(add_missing_notes, migrations.RunPython.noop),
    ]
