import pytest
from django.core.management import call_command


@pytest.fixture
def seed_plan(db):
    """The seed plan, loaded as `make run` loads it."""
    call_command("load_seed_plan", verbosity=0)
    from plans.models import Plan

    return Plan.objects.get(slug="2023-2026")
