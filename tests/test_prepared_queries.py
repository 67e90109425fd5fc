"""core.prepared: a queryset compiled once answers every later call as the queryset itself would."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from core.prepared import prepared
from indicators.models import GradeBand, Indicator, IndicatorYear
from plans.models import Measure, Plan
from reports.models import ProgressReport

BUILT = []


@prepared(plan_id=int, number=int)
def measure_by_number(plan_id, number):
    BUILT.append((plan_id, number))
    return Measure.objects.filter(plan_id=plan_id, number=number).defer("approach")


@prepared(slug=str)
def plan_by_slug(slug):
    return Plan.objects.filter(slug=slug)


@prepared(as_of=datetime.date)
def reports_on(as_of):
    return ProgressReport.objects.filter(as_of=as_of)


@prepared(plan_id=int)
def band_rates(plan_id):
    return GradeBand.objects.filter(plan_id=plan_id).order_by("-min_rate").values_list("min_rate", flat=True)


@prepared(plan_id=int)
def year_rows(plan_id):
    return (IndicatorYear.objects.filter(indicator__measure__plan_id=plan_id)
            .order_by("indicator_id", "fiscal_year").values_list("indicator_id", "fiscal_year", "target_value", named=True))


def test_every_call_answers_as_the_queryset_with_its_own_values(seed_plan):
    measure_by_number._compiled.clear()  # as in a process that has not run it yet
    BUILT.clear()
    for number in (1, 7, 15, 99):
        expected = list(measure_by_number.queryset(plan_id=seed_plan.pk, number=number))
        found = measure_by_number(plan_id=seed_plan.pk, number=number)
        assert [(m.pk, m.number, m.title) for m in found] == [(m.pk, m.number, m.title) for m in expected]
    assert len(BUILT) == 5  # once prepared (from stand-ins), then only the four querysets built for comparison
    measure = measure_by_number(plan_id=seed_plan.pk, number=1)[0]
    assert measure.get_deferred_fields() == {"approach"}
    assert measure.approach == Measure.objects.get(pk=measure.pk).approach  # loads when read, like any deferred field


def test_a_call_is_one_query_and_builds_nothing(seed_plan):
    measure_by_number(plan_id=seed_plan.pk, number=1)
    BUILT.clear()
    with CaptureQueriesContext(connection) as queries:
        measure_by_number(plan_id=seed_plan.pk, number=2)
    assert len(queries) == 1 and BUILT == []


def test_text_and_date_values(seed_plan):
    assert [p.pk for p in plan_by_slug(slug=seed_plan.slug)] == [seed_plan.pk]
    assert plan_by_slug(slug="no-such-plan") == []
    report = seed_plan.reports.get()
    assert [r.pk for r in reports_on(as_of=report.as_of)] == [report.pk]
    assert reports_on(as_of=report.as_of + datetime.timedelta(days=1)) == []


def test_rows_come_converted_as_values_list_gives_them(seed_plan):
    rates = band_rates(plan_id=seed_plan.pk)
    assert rates == list(band_rates.queryset(plan_id=seed_plan.pk))
    assert rates and all(isinstance(rate, Decimal) for rate in rates)  # SQLite keeps decimals as text or floats
    rows = year_rows(plan_id=seed_plan.pk)
    assert rows == list(year_rows.queryset(plan_id=seed_plan.pk))
    assert rows[0].fiscal_year == rows[0][1] and any(isinstance(row.target_value, Decimal) for row in rows)


@prepared(plan_id=int)
def counted_measures(plan_id):
    return Measure.objects.filter(plan_id=plan_id).annotate(indicator_count=Count("indicators")).order_by("number")


def test_annotations_come_as_attributes(seed_plan):
    found = counted_measures(plan_id=seed_plan.pk)
    expected = counted_measures.queryset(plan_id=seed_plan.pk)
    assert [(m.number, m.indicator_count) for m in found] == [(m.number, m.indicator_count) for m in expected]
    assert any(m.indicator_count == 2 for m in found)


def test_a_value_that_does_not_reach_the_parameters_is_refused(db):
    @prepared(count=int)
    def first_measures(count):
        return Measure.objects.order_by("pk")[:count]  # a slice bound is written into the SQL, not passed

    with pytest.raises(ValueError, match="did not reach the query's parameters"):
        first_measures(count=3)


def test_joined_models_and_wrong_values_are_refused(db):
    @prepared(plan_id=int)
    def with_pillars(plan_id):
        return Measure.objects.filter(plan_id=plan_id).select_related("pillar")

    with pytest.raises(ValueError, match="select_related"):
        with_pillars(plan_id=1)

    with pytest.raises(TypeError):
        plan_by_slug(name="x")
    with pytest.raises(TypeError):
        prepared(ratio=float)(lambda ratio: Indicator.objects.all())


def test_instances_are_what_the_orm_makes(seed_plan):
    found = measure_by_number(plan_id=seed_plan.pk, number=2)[0]
    orm = Measure.objects.defer("approach").get(plan=seed_plan, number=2)
    fields = {k: v for k, v in vars(orm).items() if not k.startswith("_")}
    assert {k: v for k, v in vars(found).items() if not k.startswith("_")} == fields
    assert (found._state.adding, found._state.db) == (False, "default") and found == orm
    found.title = found.title + "（改）"
    found.save()  # an update of the loaded row, not an insert
    assert Measure.objects.get(pk=orm.pk).title.endswith("（改）")
    assert Measure.objects.filter(plan=seed_plan, number=2).count() == 1


def test_a_model_watched_at_init_is_made_through_its_init(seed_plan):
    from django.db.models.signals import post_init

    seen = []

    def watch(sender, instance, **kwargs):
        seen.append(instance.number)

    post_init.connect(watch, sender=Measure)
    try:
        measure_by_number(plan_id=seed_plan.pk, number=3)
    finally:
        post_init.disconnect(watch, sender=Measure)
    assert seen == [3]
