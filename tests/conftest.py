"""Shared fixtures, and the database every test starts from.

The seed plan is loaded once per session, into the test database right after the migrations
(`django_db_setup`), and committed. A test then starts from one of two databases:

- a test that asks for `seed_plan` (itself or through `people`, `report`, ...) finds the seed
  there. A test in a transaction (the default) rolls back at its end, so the next one finds the
  seed as loaded, whatever this one changed;
- any other test that uses the database finds it as the migrations leave it, without the seed,
  as before the seed was shared: `_database_as_asked` deletes the seed's rows before the test
  runs (inside its transaction, so the rollback brings them back).

A transactional test (`transactional_db`, `django_db(transaction=True)`, `live_server`) ends with
Django's flush, which empties every table: `pytest_runtest_teardown` puts back the rows the session
set up (the role groups a migration made, and the seed), as they were after set-up, right after it.
"""

import contextlib
import io

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.test.utils import override_settings

from plans.models import Plan

SEED_PLAN_SLUG = "2023-2026"
# The apps whose tables the seed fills; deleting their rows gives the database as migrated.
SEEDED_APPS = ("plans", "indicators", "reports", "exchange")
# Hashing with PBKDF2 takes a good part of a second per user on this kind of machine; tests
# create several users each, and what they check is not the hasher.
FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

_SESSION_DATA = pytest.StashKey[tuple]()  # (django_db_blocker, the rows of every table after set-up)
_DATABASE_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences",
                      "django_db_serialized_rollback"}
_TRANSACTIONAL_FIXTURES = {"transactional_db", "live_server", "django_db_reset_sequences"}


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    with override_settings(PASSWORD_HASHERS=FAST_PASSWORD_HASHERS):
        yield


@pytest.fixture(autouse=True)
def _page_cache(request, settings):
    """Public pages are cached where changes commit: tests that drive a live server, and those
    marked `page_cache` (tests/public/test_page_cache.py). Elsewhere a test's changes stay in its
    transaction, whose commit never comes, so the content version would not move: no cache there.
    Emptied after each test, since a flush puts the version back where the session left it."""
    if not (request.node.get_closest_marker("page_cache") or "live_server" in request.fixturenames):
        settings.PAGE_CACHE_SECONDS = 0
    yield
    with contextlib.suppress(Exception):  # a test may have pointed the cache at a server that is down
        cache.clear()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, request):
    """The test database as migrated, with the seed plan loaded once for the whole session."""
    with django_db_blocker.unblock():
        call_command("load_seed_plan", verbosity=0, stdout=io.StringIO())
        request.config.stash[_SESSION_DATA] = (django_db_blocker, _rows_of_every_table())


def _rows_of_every_table() -> dict[type[models.Model], list[models.Model]]:
    """Every row in the database, by model, except those a flush makes again (content types, permissions)."""
    rows = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed or model in (ContentType, Permission):
            continue
        objects = list(model._base_manager.order_by("pk"))
        if objects:
            rows[model] = objects
    return rows


def _put_back(rows: dict[type[models.Model], list[models.Model]]) -> None:
    """After a flush, the rows the session set up: the seed and the role groups a migration made."""
    if Plan.objects.filter(slug=SEED_PLAN_SLUG).exists():
        return  # not flushed: the test was not transactional
    # Foreign keys are checked at commit (Django makes them deferrable), so the order does not matter.
    with transaction.atomic():
        for model, objects in rows.items():
            model._base_manager.bulk_create(objects)
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(rows)):
                cursor.execute(sql)


def _uses_database(item) -> bool:
    return item.get_closest_marker("django_db") is not None or bool(_DATABASE_FIXTURES & set(item.fixturenames))


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    return bool(_TRANSACTIONAL_FIXTURES & set(item.fixturenames))


@pytest.fixture(autouse=True)
def _database_as_asked(request):
    """Without `seed_plan`, a test that uses the database finds no seed rows in it."""
    item = request.node
    if not _uses_database(item) or "seed_plan" in item.fixturenames:
        return
    request.getfixturevalue("transactional_db" if _is_transactional(item) else "db")
    tables = [
        model._meta.db_table
        for app_label in SEEDED_APPS
        for model in apps.get_app_config(app_label).get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ]
    # Foreign keys are checked at commit (Django makes them deferrable), so the order does not matter.
    with transaction.atomic(), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a transactional test's flush, put the session's rows back for the next test.

    Checked after every test, not only those that look transactional: a test can become one through
    a fixture it asks for at run time (`any_page` in the browser tests asks for `live_server`).
    """
    try:
        return (yield)
    finally:
        # With no next item the session's fixtures, the test database included, are gone.
        if nextitem is not None and _SESSION_DATA in item.config.stash:
            blocker, rows = item.config.stash[_SESSION_DATA]
            with blocker.unblock():
                _put_back(rows)


@pytest.fixture
def seed_plan(db):
    """The seed plan, as `make run` loads it (once for the session: see the module's docstring)."""
    return Plan.objects.get(slug=SEED_PLAN_SLUG)


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
