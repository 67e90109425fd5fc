"""Settings from the environment and the idempotent seed load that `make run` and `make test` rely on."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from indicators.models import IndicatorYear
from plans.models import Measure, Plan

ROOT = Path(__file__).resolve().parent.parent


def load_settings(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    code = (
        "import django, json; from django.conf import settings; django.setup();"
        "print(json.dumps([settings.DEBUG, settings.ALLOWED_HOSTS, settings.DATABASES['default']['ENGINE'],"
        " settings.SESSION_COOKIE_SECURE, settings.TIME_ZONE, settings.LANGUAGE_CODE, settings.USE_TZ]))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "kisarazu_reform.settings", **env},
        cwd=ROOT, capture_output=True, text=True,
    )


def test_production_refuses_to_start_without_secret_key_or_hosts():
    missing_key = load_settings(DJANGO_ALLOWED_HOSTS="example.jp")
    assert missing_key.returncode != 0 and "DJANGO_SECRET_KEY" in missing_key.stderr
    missing_hosts = load_settings(DJANGO_SECRET_KEY="x" * 50)
    assert missing_hosts.returncode != 0 and "DJANGO_ALLOWED_HOSTS" in missing_hosts.stderr


def test_production_settings_from_environment():
    result = load_settings(
        DJANGO_SECRET_KEY="x" * 50, DJANGO_ALLOWED_HOSTS="a.example.jp, b.example.jp",
        DATABASE_URL="postgres://u:p@db.example:5432/reform",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        '[false, ["a.example.jp", "b.example.jp"], "django.db.backends.postgresql", true, "Asia/Tokyo", "ja", true]'
    )


def test_development_defaults_to_sqlite():
    result = load_settings(DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert '"django.db.backends.sqlite3", false' in result.stdout


def test_seed_load_is_idempotent_and_keeps_entered_data(seed_plan):
    year = IndicatorYear.objects.filter(indicator__measure__plan=seed_plan, target_status="set").first()
    year.result_value = 12
    year.save()
    call_command("load_seed_plan", verbosity=0)
    assert Plan.objects.count() == 1
    assert Measure.objects.count() == 15
    year.refresh_from_db()
    assert year.result_value == 12


def test_seed_load_refuses_to_overwrite_other_rows(db):
    Plan.objects.create(pk=1, slug="other", title="t", municipality="m", first_fiscal_year=2027, last_fiscal_year=2030)
    with pytest.raises(CommandError, match="overwriting"):
        call_command("load_seed_plan", verbosity=0)
    assert Plan.objects.get(pk=1).slug == "other"


def test_seed_objects_start_their_history(seed_plan):
    measure = seed_plan.measures.get(number=1)
    assert measure.history.count() == 1
    measure.title = "変更後"
    measure.save()
    before, after = measure.history.order_by("history_date")
    assert (before.title, after.title) == ("人事評価制度の充実", "変更後")
