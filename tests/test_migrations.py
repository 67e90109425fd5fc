"""A database made before the reporting models moved into `reports` keeps every row after `migrate`.

The move is state-only (SeparateDatabaseAndState): tables keep their names. This test builds
the schema as it was, writes one of everything with the models of that time, migrates
forward, and reads it all back through today's models.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE_THE_MOVE = [
    ("plans", "0005_report_published_bands"),
    ("indicators", "0002_result_entries"),
    ("reports", None),
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


@pytest.mark.django_db(transaction=True)
def test_rows_made_before_the_move_are_all_there_after_it():
    old = migrate(BEFORE_THE_MOVE)
    User = old.get_model("auth", "User")
    user = User.objects.create(username="before")
    Plan, Pillar, Measure = (old.get_model("plans", n) for n in ("Plan", "Pillar", "Measure"))
    plan = Plan.objects.create(slug="old", title="旧計画", municipality="市", first_fiscal_year=2023, last_fiscal_year=2026)
    pillar = Pillar.objects.create(plan=plan, number=1, name="ヒト")
    measure = Measure.objects.create(plan=plan, pillar=pillar, number=1, title="推進項目")
    Indicator, IndicatorYear = old.get_model("indicators", "Indicator"), old.get_model("indicators", "IndicatorYear")
    indicator = Indicator.objects.create(measure=measure, slot=1, name="時間外勤務", unit="時間")
    year = IndicatorYear.objects.create(indicator=indicator, fiscal_year=2023, target_status="set",
                                        target_value=Decimal(95000))
    report = old.get_model("plans", "ProgressReport").objects.create(plan=plan, as_of=datetime.date(2024, 9, 1))
    note = old.get_model("plans", "ProgressNote").objects.create(report=report, measure=measure, text="経過",
                                                                 status="submitted", submitted_by=user)
    old.get_model("plans", "HistoricalProgressNote").objects.create(
        id=note.pk, report_id=report.pk, measure_id=measure.pk, text="経過", status="draft", version=1,
        history_date=datetime.datetime(2024, 9, 2, tzinfo=datetime.timezone.utc), history_type="+", history_user=user)
    old.get_model("indicators", "ResultEntry").objects.create(progress_note=note, indicator_year=year,
                                                              value=Decimal(34068))
    old.get_model("indicators", "PublishedIndicatorYear").objects.create(
        report=report, indicator=indicator, fiscal_year=2023, target_status="set", target_value=Decimal(95000))

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    from reports.models import ProgressNote, ProgressReport, PublishedIndicatorYear, ResultEntry

    moved = ProgressNote.objects.select_related("report__plan", "measure", "submitted_by").get()
    assert (moved.text, moved.status, moved.submitted_by.username) == ("経過", "submitted", "before")
    assert moved.report == ProgressReport.objects.get(as_of=datetime.date(2024, 9, 1))
    assert moved.measure.title == "推進項目"
    assert ResultEntry.objects.get().value == Decimal(34068)
    assert ResultEntry.objects.get().progress_note == moved
    assert PublishedIndicatorYear.objects.get().target_value == Decimal(95000)
    assert [r.text for r in moved.history.all()] == ["経過"]
    from django.contrib.contenttypes.models import ContentType
    assert ContentType.objects.get_for_model(ProgressNote).app_label == "reports"


@pytest.mark.django_db(transaction=True)
def test_reports_published_before_snapshots_get_one_and_open_reports_a_note_per_measure():
    """Issue 9: a report published before reports kept their own copy gets one from the live plan
    (the best there is), so later edits no longer change it; an open report gets a draft note for
    each measure added to its plan after it was opened."""
    old = migrate([("reports", "0002_progressreport_published_content")])
    Plan, Pillar, Measure = (old.get_model("plans", n) for n in ("Plan", "Pillar", "Measure"))
    Department, MeasureDepartment = old.get_model("plans", "Department"), old.get_model("plans", "MeasureDepartment")
    Indicator, IndicatorYear = old.get_model("indicators", "Indicator"), old.get_model("indicators", "IndicatorYear")
    MilestoneStage = old.get_model("indicators", "MilestoneStage")
    ProgressReport, ProgressNote = old.get_model("reports", "ProgressReport"), old.get_model("reports", "ProgressNote")
    plan = Plan.objects.create(slug="old", title="旧計画", municipality="市", first_fiscal_year=2023, last_fiscal_year=2026)
    pillar = Pillar.objects.create(plan=plan, number=1, name="ヒト")
    measure = Measure.objects.create(plan=plan, pillar=pillar, number=1, title="推進項目", subtitle="副題")
    MeasureDepartment.objects.create(measure=measure, department=Department.objects.create(division="総務部", section="職員課"))
    hours = Indicator.objects.create(measure=measure, slot=1, name="時間外勤務", unit="時間", direction="lower")
    steps = Indicator.objects.create(measure=measure, slot=2, name="制度", kind="milestone")
    stage = MilestoneStage.objects.create(indicator=steps, position=1, label="検討")
    IndicatorYear.objects.create(indicator=hours, fiscal_year=2023, target_status="set", target_value=Decimal(95000))
    published = ProgressReport.objects.create(plan=plan, as_of=datetime.date(2023, 9, 1),
                                              published_at=datetime.datetime(2023, 9, 1, tzinfo=datetime.timezone.utc))
    old.get_model("reports", "PublishedIndicatorYear").objects.create(
        report=published, indicator=hours, fiscal_year=2023, target_status="set", target_value=Decimal(95000))
    old.get_model("reports", "PublishedIndicatorYear").objects.create(
        report=published, indicator=steps, fiscal_year=2023, target_status="set", target_stage=stage)
    opened = ProgressReport.objects.create(plan=plan, as_of=datetime.date(2024, 9, 1))
    ProgressNote.objects.create(report=opened, measure=measure, text="経過")
    added = Measure.objects.create(plan=plan, pillar=pillar, number=2, title="後から加えた推進項目")

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    from indicators.models import Indicator as LiveIndicator
    from plans.models import Plan as LivePlan
    from reports import publication, snapshot
    from reports.models import ProgressNote as LiveNote, ProgressReport as LiveReport

    report = LiveReport.objects.get(pk=published.pk)
    assert report.published_content == snapshot.take(LivePlan.objects.get(pk=plan.pk))
    LiveIndicator.objects.filter(pk=hours.pk).update(unit="分", direction="higher")
    years = publication.published_report(report).grading.years
    assert [(y.indicator.unit, y.indicator.is_lower_better, y.target_value) for y in years[:1]] == [
        ("時間", True, Decimal(95000))]
    assert years[1].target_stage.label == "検討"
    assert LiveReport.objects.get(pk=opened.pk).published_content == {}  # not published: nothing frozen
    notes = {n.measure_id: n for n in LiveNote.objects.filter(report_id=opened.pk)}
    assert set(notes) == {measure.pk, added.pk}
    assert (notes[measure.pk].text, notes[added.pk].status) == ("経過", "draft")
    assert notes[added.pk].history.get().history_change_reason == "推進項目の追加"
    assert not LiveNote.objects.filter(report_id=published.pk).exists()  # a published report gets nothing
