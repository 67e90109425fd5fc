"""Invariants hold twice: in model validation (Japanese messages) and in the database."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from indicators.models import Indicator, IndicatorYear, MilestoneStage
from plans.models import Department, Measure, MeasureDepartment, Pillar, Plan
from reports.models import ProgressNote, ProgressReport


@pytest.fixture
def plan(db):
    return Plan.objects.create(slug="p", title="計画", municipality="市", first_fiscal_year=2023, last_fiscal_year=2026)


@pytest.fixture
def pillar(plan):
    return Pillar.objects.create(plan=plan, number=1, name="ヒト")


@pytest.fixture
def measure(plan, pillar):
    return Measure.objects.create(plan=plan, pillar=pillar, number=1, title="項目")


@pytest.fixture
def indicator(measure):
    return Indicator.objects.create(measure=measure, slot=1, name="指標", unit="件")


def refused_by_database(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_many_plans_side_by_side(plan):
    Plan.objects.create(slug="q", title="次期計画", municipality="市", first_fiscal_year=2027, last_fiscal_year=2030)
    assert Plan.objects.count() == 2
    assert Plan.objects.current(datetime.date(2024, 1, 1)).slug == "p"
    assert Plan.objects.current(datetime.date(2028, 1, 1)).slug == "q"
    assert Plan.objects.current(datetime.date(2040, 1, 1)).slug == "q"  # none running: the latest


def test_plan_period_in_order(plan):
    bad = Plan(slug="x", title="t", municipality="m", first_fiscal_year=2026, last_fiscal_year=2023)
    with pytest.raises(ValidationError, match="終了年度は開始年度以降"):
        bad.full_clean()
    refused_by_database(bad.save)


def test_measure_number_unique_in_plan(plan, pillar, measure):
    duplicate = Measure(plan=plan, pillar=pillar, number=1, title="別")
    with pytest.raises(ValidationError, match="同じ事業No."):
        duplicate.full_clean()
    refused_by_database(duplicate.save)
    other = Plan.objects.create(slug="q", title="t", municipality="m", first_fiscal_year=2027, last_fiscal_year=2030)
    other_pillar = Pillar.objects.create(plan=other, number=1, name="ヒト")
    Measure(plan=other, pillar=other_pillar, number=1, title="別").full_clean()


def test_measure_pillar_from_its_own_plan(plan, measure):
    other = Plan.objects.create(slug="q", title="t", municipality="m", first_fiscal_year=2027, last_fiscal_year=2030)
    measure.pillar = Pillar.objects.create(plan=other, number=1, name="ヒト")
    with pytest.raises(ValidationError, match="この計画の柱"):
        measure.full_clean()


def test_pillar_number_unique(plan, pillar):
    duplicate = Pillar(plan=plan, number=1, name="モノ")
    with pytest.raises(ValidationError, match="同じ番号の柱"):
        duplicate.full_clean()
    refused_by_database(duplicate.save)


def test_departments_in_order_first_leads(measure):
    lead = Department.objects.create(division="総務部", section="職員課")
    second = Department.objects.create(division="市長公室", section="経営改革課")
    MeasureDepartment.objects.create(measure=measure, department=second, position=2)
    MeasureDepartment.objects.create(measure=measure, department=lead, position=1)
    assert [a.department for a in measure.assignments.all()] == [lead, second]
    refused_by_database(lambda: MeasureDepartment.objects.create(measure=measure, department=lead, position=3))
    refused_by_database(lambda: Department.objects.create(division="総務部", section="職員課"))


def test_indicator_slot_unique(measure, indicator):
    duplicate = Indicator(measure=measure, slot=1, name="別")
    with pytest.raises(ValidationError, match="同じ番号の指標"):
        duplicate.full_clean()
    refused_by_database(duplicate.save)


def test_indicator_year_unique_and_inside_plan(indicator):
    IndicatorYear.objects.create(indicator=indicator, fiscal_year=2023)
    duplicate = IndicatorYear(indicator=indicator, fiscal_year=2023)
    with pytest.raises(ValidationError, match="同じ年度"):
        duplicate.full_clean()
    refused_by_database(duplicate.save)
    outside = IndicatorYear(indicator=indicator, fiscal_year=2027)
    with pytest.raises(ValidationError, match="計画期間"):
        outside.full_clean()


def test_target_status_matches_value(indicator):
    year = IndicatorYear(indicator=indicator, fiscal_year=2024, target_status="set")
    with pytest.raises(ValidationError, match="目標値を入れてください"):
        year.full_clean()
    refused_by_database(year.save)
    year = IndicatorYear(indicator=indicator, fiscal_year=2024, target_status="not_applicable", target_value=5)
    with pytest.raises(ValidationError, match="設定あり"):
        year.full_clean()
    refused_by_database(year.save)
    IndicatorYear(indicator=indicator, fiscal_year=2024, target_status="not_applicable").full_clean()
    IndicatorYear(indicator=indicator, fiscal_year=2024, target_status="not_set").full_clean()


def test_negative_values_refused(indicator):
    year = IndicatorYear(indicator=indicator, fiscal_year=2024, result_value=Decimal("-1"))
    with pytest.raises(ValidationError):
        year.full_clean()
    refused_by_database(year.save)


def test_milestone_indicator_takes_its_own_stages_only(measure, indicator):
    milestone = Indicator.objects.create(measure=measure, slot=2, name="段階", kind=Indicator.Kind.MILESTONE)
    stage = MilestoneStage.objects.create(indicator=milestone, position=1, label="検討80%")
    foreign = MilestoneStage.objects.create(indicator=indicator, position=1, label="x")
    IndicatorYear(indicator=milestone, fiscal_year=2023, target_status="set", target_stage=stage).full_clean()
    with pytest.raises(ValidationError, match="この指標の段階"):
        IndicatorYear(indicator=milestone, fiscal_year=2023, target_status="set", target_stage=foreign).full_clean()
    with pytest.raises(ValidationError, match="数値の目標値"):
        IndicatorYear(indicator=milestone, fiscal_year=2023, target_status="set", target_value=1).full_clean()
    with pytest.raises(ValidationError, match="段階を選べません"):
        IndicatorYear(indicator=indicator, fiscal_year=2023, result_stage=foreign).full_clean()


def test_report_date_and_note_unique(plan, measure):
    with pytest.raises(ValidationError, match="基準日は"):
        ProgressReport(plan=plan, as_of=datetime.date(2020, 1, 1)).full_clean()
    report = ProgressReport.objects.create(plan=plan, as_of=datetime.date(2023, 9, 1))
    refused_by_database(lambda: ProgressReport.objects.create(plan=plan, as_of=datetime.date(2023, 9, 1)))
    ProgressNote.objects.create(report=report, measure=measure, text="a")
    duplicate = ProgressNote(report=report, measure=measure, text="b")
    with pytest.raises(ValidationError, match="すでにあります"):
        duplicate.full_clean()
    refused_by_database(duplicate.save)


def test_note_measure_from_the_reports_plan(plan, measure):
    other = Plan.objects.create(slug="q", title="t", municipality="m", first_fiscal_year=2027, last_fiscal_year=2030)
    report = ProgressReport.objects.create(plan=other, as_of=datetime.date(2027, 9, 1))
    with pytest.raises(ValidationError, match="同じ計画の推進項目"):
        ProgressNote(report=report, measure=measure).full_clean()


def test_changes_are_kept_in_history(measure):
    measure.title = "新しい名称"
    measure.save()
    assert [h.title for h in measure.history.all()] == ["新しい名称", "項目"]
