"""Random and hostile input to every admin form a staff user or a reviewer posts, through HTTP.

Never a server error; when the input is refused (a page with the form's errors, or a 4xx),
nothing is saved; when it is accepted, what is stored is clean text and numbers in range.
Each example runs in a savepoint that is rolled back, so examples do not build on each other.
"""

import contextlib
from decimal import Decimal

import pytest
from django.db import transaction
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.parsing import MAX_VALUE
from core.text import LONG_TEXT_MAX_LENGTH, normalize_text
from indicators.models import IndicatorYear
from plans.models import Measure
from reports import workflow
from reports.admin_forms import result_rows
from reports.models import ProgressNote, ProgressReport, ResultEntry

HOSTILE = [
    "", " ", "\x00", "1\x00", "\x0b\x0c\x1b\x7f\x85", "\r\n\r\n", "\u2028\u2029", "a" * (LONG_TEXT_MAX_LENGTH + 1),
    "5²", "٣", "𝟓", "①", "１，８５４", "3億5000万円", "-1", "−５", "1e309", "NaN", "Infinity", "0x10",
    "99999999999999999999", "99999999999.99999", "=cmd|' /C calc'!A0", "<script>alert(1)</script>",
    "😀" * 50, "\u202eevil", "\ufeff", "\ufffe", "'; DROP TABLE plans_plan; --", "0", "12", "2024-09-01",
    "9999-12-31", "0001-01-01", "令和6年9月1日",
]
hostile_text = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=60), st.text(min_size=200, max_size=400))
hostile_number = st.one_of(st.integers(min_value=-(2**70), max_value=2**70).map(str), hostile_text)

HYPOTHESIS = settings(
    max_examples=25, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@contextlib.contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def post(user, url, data):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    response = client.post(url, data)
    assert response.status_code < 500, (url, data, response.status_code)
    return response


def refused(response) -> bool:
    return response.status_code != 302


def assert_clean_text(*values):
    for value in values:
        assert normalize_text(value) == value and len(value) <= LONG_TEXT_MAX_LENGTH


def note_state(note):
    note = ProgressNote.objects.get(pk=note.pk)
    entries = sorted(ResultEntry.objects.filter(progress_note=note).values_list("indicator_year_id", "value", "stage_id"))
    return (note.text, note.status, note.version, note.review_comment, entries, note.history.count())


@pytest.fixture
def note_form(report, people):
    note = ProgressNote.objects.get(report=report, measure__number=2)
    fields = [row.field_name for group in result_rows(note) for row in group.years]
    return note, fields, reverse("admin:reports_progressnote_change", args=[note.pk])


@HYPOTHESIS
@given(text=hostile_text, results=st.lists(hostile_text, min_size=4, max_size=4), version=hostile_number,
       action=st.sampled_from(["_save", "_submit"]))
def test_the_note_entry_form(note_form, people, text, results, version, action):
    note, fields, url = note_form
    with rolled_back():
        before = note_state(note)
        data = {"text": text, "version": version, action: "1", **dict(zip(fields, results))}
        response = post(people["shokuin"], url, data)
        after = note_state(note)
        if refused(response):
            assert after == before
        else:
            assert_clean_text(after[0])
            for _, value, _ in after[4]:
                assert value is None or Decimal(0) <= value <= MAX_VALUE


@pytest.fixture
def submitted(report, people):
    note = ProgressNote.objects.get(report=report, measure__number=2)
    workflow.save_note(people["shokuin"], note, expected_version=1, text="職員課の記述", results={})
    note = workflow.submit(people["shokuin"], note)
    return note, reverse("admin:reports_progressnote_change", args=[note.pk])


@HYPOTHESIS
@given(comment=hostile_text, version=st.one_of(st.just("3"), hostile_number),
       action=st.sampled_from(["_return", "_approve"]))
def test_the_review_form(submitted, people, comment, version, action):
    note, url = submitted
    with rolled_back():
        before = note_state(note)
        response = post(people["reviewer"], url, {"comment": comment, "version": version, action: "1"})
        after = note_state(note)
        if refused(response):
            assert after == before
        else:
            assert after[1] in ("returned", "approved")
            assert_clean_text(after[3])


@HYPOTHESIS
@given(plan=st.one_of(st.just("PLAN"), hostile_number), as_of=hostile_text, due=hostile_text)
def test_the_report_add_form(seed_plan, people, plan, as_of, due):
    plan = str(seed_plan.pk) if plan == "PLAN" else plan
    with rolled_back():
        before = (ProgressReport.objects.count(), ProgressNote.objects.count())
        response = post(people["reviewer"], reverse("admin:reports_progressreport_add"),
                        {"plan": plan, "as_of": as_of, "due_date": due})
        after = (ProgressReport.objects.count(), ProgressNote.objects.count())
        if refused(response):
            assert after == before
        else:
            assert after[0] == before[0] + 1


def measure_state(measure):
    measure = Measure.objects.get(pk=measure.pk)
    return model_to_dict(measure, exclude=["departments"]), measure.history.count()


@HYPOTHESIS
@given(title=hostile_text, subtitle=hostile_text, situation=hostile_text, approach=hostile_text, number=hostile_number,
       pillar=st.one_of(st.just("PILLAR"), hostile_number))
def test_the_measure_change_form(seed_plan, people, title, subtitle, situation, approach, number, pillar):
    measure = Measure.objects.get(plan=seed_plan, number=2)
    url = reverse("admin:plans_measure_change", args=[measure.pk])
    data = {
        "plan": seed_plan.pk, "pillar": measure.pillar_id if pillar == "PILLAR" else pillar, "number": number,
        "title": title, "subtitle": subtitle, "current_situation": situation, "approach": approach,
        "assignments-TOTAL_FORMS": "0", "assignments-INITIAL_FORMS": "0",
        "assignments-MIN_NUM_FORMS": "0", "assignments-MAX_NUM_FORMS": "1000",
    }
    with rolled_back():
        before = measure_state(measure)
        response = post(people["reviewer"], url, data)
        after = measure_state(measure)
        if refused(response):
            assert after == before
        else:
            fields = after[0]
            assert_clean_text(fields["title"], fields["subtitle"], fields["current_situation"], fields["approach"])
            assert 1 <= fields["number"] <= 32767


def year_state(year):
    year = IndicatorYear.objects.get(pk=year.pk)
    return model_to_dict(year), year.history.count()


@HYPOTHESIS
@given(status=st.one_of(st.sampled_from(["set", "not_set", "not_applicable"]), hostile_text),
       target=hostile_number, fiscal_year=st.one_of(st.just("2024"), hostile_number), stage=hostile_number)
def test_the_indicator_year_change_form(seed_plan, people, status, target, fiscal_year, stage):
    year = IndicatorYear.objects.get(indicator__measure__plan=seed_plan, indicator__measure__number=2,
                                     indicator__slot=1, fiscal_year=2024)
    url = reverse("admin:indicators_indicatoryear_change", args=[year.pk])
    data = {"indicator": year.indicator_id, "fiscal_year": fiscal_year, "target_status": status,
            "target_value": target, "target_stage": stage}
    with rolled_back():
        before = year_state(year)
        response = post(people["reviewer"], url, data)
        after = year_state(year)
        if refused(response):
            assert after == before
        else:
            value = after[0]["target_value"]
            assert value is None or Decimal(0) <= value <= MAX_VALUE


def test_values_without_an_era_name_are_refused_in_the_form(report, people):
    """A page shown again with errors names its object (令和5年度, 令和6年9月1日現在): a year or date
    out of range is refused by the form, before it reaches the object."""
    reviewer = people["reviewer"]
    year = IndicatorYear.objects.get(indicator__measure__number=2, indicator__slot=1, fiscal_year=2024)
    response = post(reviewer, reverse("admin:indicators_indicatoryear_change", args=[year.pk]), {
        "indicator": year.indicator_id, "fiscal_year": "0", "target_status": "not_set"})
    assert response.status_code == 200 and "1926年度以降を指定してください。" in response.content.decode()
    response = post(reviewer, reverse("admin:reports_progressreport_change", args=[report.pk]), {
        "as_of": "1900-01-01", "due_date": "1900-01-02"})
    assert response.status_code == 200 and "昭和元年12月25日以降の日付を指定してください。" in response.content.decode()
    plan = report.plan
    response = post(reviewer, reverse("admin:plans_plan_change", args=[plan.pk]), {
        "slug": plan.slug, "title": plan.title, "municipality": plan.municipality, "first_fiscal_year": "1900",
        "last_fiscal_year": "99999", "pillars-TOTAL_FORMS": "0", "pillars-INITIAL_FORMS": "0",
        "pillars-MIN_NUM_FORMS": "0", "pillars-MAX_NUM_FORMS": "1000"})
    assert response.status_code == 200 and "1926年度以降を指定してください。" in response.content.decode()
    assert IndicatorYear.objects.get(pk=year.pk).fiscal_year == 2024
