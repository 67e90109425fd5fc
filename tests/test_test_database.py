"""The database each test starts from (tests/conftest.py): the seed where asked, else none, whatever ran before.

The seed plan is loaded once per session; these tests check that sharing it changes nothing a
test can see. pytest-django runs transactional tests after the others, in file order, so the
last two run one after the other.
"""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import get_hasher
from django.contrib.auth.models import Group

from kisarazu_reform import settings as project_settings
from plans import permissions
from plans.models import Department, Measure, MeasureDepartment, Plan
from reports.models import ProgressNote

SEED = json.loads((Path(settings.BASE_DIR) / "fixtures" / "seed_plan.json").read_text(encoding="utf-8"))


def seed_count(model_label: str) -> int:
    return sum(1 for o in SEED if o["model"] == model_label)


def test_a_test_that_asks_for_the_seed_finds_it_whole_with_its_history(seed_plan):
    assert Measure.objects.filter(plan=seed_plan).count() == seed_count("plans.measure") == 15
    assert Department.objects.count() == seed_count("plans.department")
    assert ProgressNote.objects.count() == seed_count("reports.progressnote")
    assert all(m.history.count() == 1 for m in Measure.objects.all())


def test_a_test_changes_the_seed(seed_plan):
    Measure.objects.filter(number=1).update(title="変更")
    MeasureDepartment.objects.all().delete()
    seed_plan.title = "変更"
    seed_plan.save()


def test_the_next_test_finds_the_seed_as_loaded(seed_plan):
    assert seed_plan.title != "変更" and seed_plan.measures.get(number=1).title != "変更"
    assert MeasureDepartment.objects.count() == seed_count("plans.measuredepartment")


def test_a_test_that_does_not_ask_finds_no_seed_but_the_role_groups(db):
    assert not Plan.objects.exists() and not Department.objects.exists() and not Measure.history.exists()
    assert set(Group.objects.values_list("name", flat=True)) >= set(permissions.ROLE_GROUPS)


def test_passwords_are_hashed_quickly_in_tests_only(db):
    assert get_hasher().algorithm == "md5"
    assert not hasattr(project_settings, "PASSWORD_HASHERS")  # production keeps Django's default (PBKDF2)


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_commits_changes_to_the_seed(seed_plan):
    Measure.objects.filter(number=1).update(title="変更")
    MeasureDepartment.objects.all().delete()
    Group.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_the_next_test_finds_the_seed_and_the_role_groups_back(seed_plan):
    assert seed_plan.measures.get(number=1).title != "変更"
    assert MeasureDepartment.objects.count() == seed_count("plans.measuredepartment")
    assert set(Group.objects.values_list("name", flat=True)) >= set(permissions.ROLE_GROUPS)
    assert all(m.history.count() == 1 for m in Measure.objects.all())
