import pytest
from django.core.management import call_command


@pytest.fixture
def seed_plan(db):
    """The seed plan, loaded as `make run` loads it."""
    call_command("load_seed_plan", verbosity=0)
    from plans.models import Plan

    return Plan.objects.get(slug="2023-2026")


@pytest.fixture
def people(seed_plan):
    """A user in each role: staff of 職員課 (measures 1, 2) and of 子育て支援課 (11), two reviewers, an administrator."""
    from tests.workflow_helpers import administrator, department, reviewer, staff

    return {
        "shokuin": staff("shokuin", department("総務部", "職員課")),
        "kodomo": staff("kodomo", department("健康こども部", "子育て支援課")),
        "reviewer": reviewer("shinsa"),
        "reviewer2": reviewer("shinsa2"),
        "admin": administrator("kanri"),
    }


@pytest.fixture
def report(seed_plan, people):
    """The seed plan's open progress report as of 2024-09-01 (FY2023 and FY2024 results are due)."""
    from tests.workflow_helpers import open_report

    return open_report(seed_plan, people["reviewer"])


@pytest.fixture(scope="session")
def static_root(tmp_path_factory):
    """The static files as `make serve` collects them (hashed, compressed), once for every test server."""
    from tests.server_helpers import collect_static

    return collect_static(tmp_path_factory.mktemp("static"))
