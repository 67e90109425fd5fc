"""Production mode: the documented settings pass Django's deploy checks, the production server
(gunicorn, `make serve`'s command) serves hashed static files with long cache headers, a health
check, a Content-Security-Policy on every response, and Japanese error pages."""

import re
import subprocess
import sys

import pytest
from django.db import DatabaseError
from django.test import override_settings
from django.urls import path

from tests.server_helpers import PRODUCTION_ENV, ROOT, clean_env, fetch, gunicorn


def test_deploy_checks_report_nothing_with_the_documented_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=clean_env(**PRODUCTION_ENV, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}"),
        cwd=ROOT, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_checks_warn_when_tls_settings_are_left_out(tmp_path):
    env = {k: v for k, v in PRODUCTION_ENV.items() if not k.startswith(("DJANGO_HSTS", "DJANGO_SSL"))}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=clean_env(**env, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}"),
        cwd=ROOT, capture_output=True, text=True,
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout  # HSTS


@pytest.fixture(scope="module")
def production_server(static_root, tmp_path_factory):
    """gunicorn as `make serve` starts it, on an empty database (static files and health need no tables)."""
    tmp = tmp_path_factory.mktemp("production")
    with gunicorn(f"sqlite:///{tmp / 'db.sqlite3'}", static_root, tmp / "gunicorn.log", workers=1) as base:
        yield base


def test_production_server_answers_health_checks(production_server):
    status, headers, body = fetch(production_server + "/healthz")
    assert (status, body) == (200, b"ok\n")
    assert "no-cache" in headers["Cache-Control"]


def test_production_server_serves_hashed_compressed_static_files_for_a_year(production_server):
    status, _, body = fetch(production_server + "/no-such-page/")
    assert status == 404
    css = re.search(rb'href="(/static/css/site\.[0-9a-f]{12}\.css)"', body)
    assert css, "pages link the hashed stylesheet"
    status, headers, _ = fetch(production_server + css.group(1).decode(), {"Accept-Encoding": "gzip"})
    assert status == 200
    assert "max-age=315360000" in headers["Cache-Control"] and "immutable" in headers["Cache-Control"]
    assert headers.get("Content-Encoding") == "gzip"


def test_production_server_sends_security_headers_and_japanese_404(production_server):
    status, headers, body = fetch(production_server + "/no-such-page/")
    assert status == 404
    assert "ページが見つかりません" in body.decode()
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "max-age=31536000" in headers["Strict-Transport-Security"]  # behind TLS: the proxy says https
    assert headers["X-Content-Type-Options"] == "nosniff"


def boom(request):
    raise RuntimeError("broken on purpose")


def refuse(request):
    from django.core.exceptions import PermissionDenied

    raise PermissionDenied("この報告を公表する権限がありません。")


from kisarazu_reform.urls import urlpatterns as site_urlpatterns  # noqa: E402

urlpatterns = [path("boom/", boom), path("refuse/", refuse), *site_urlpatterns]


@override_settings(ROOT_URLCONF=__name__)
def test_server_error_and_refusal_pages_are_japanese_in_the_site_look(client, caplog, db):  # the header reads the plan
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "ただいまページを表示できません" in response.content.decode()
    assert '<html lang="ja">' in response.content.decode()
    assert any(record.name == "django.request" and record.levelname == "ERROR" for record in caplog.records)
    response = client.get("/refuse/")
    assert response.status_code == 403
    assert "この報告を公表する権限がありません。" in response.content.decode()
    assert "この操作はできません" in response.content.decode()


@pytest.mark.django_db
def test_every_kind_of_page_carries_the_content_security_policy(client, seed_plan, admin_client):
    for response in (client.get("/"), client.get("/opendata/indicators.csv"), client.get("/no-such-page/"),
                     admin_client.get("/admin/"), client.get("/healthz")):
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy and "unsafe-inline" not in policy


def test_health_check_says_when_the_database_is_down(client, monkeypatch):
    from kisarazu_reform import health

    class Broken:
        def cursor(self):
            raise DatabaseError("connection refused")

    monkeypatch.setattr(health, "connection", Broken())
    response = client.get("/healthz")
    assert response.status_code == 503


@pytest.mark.parametrize("setting, prepared", [(None, True), ("0", False)])
def test_postgresql_prepares_the_queries_a_connection_repeats_unless_turned_off(setting, prepared):
    """Server-side prepared statements (README: DATABASE_PREPARED_STATEMENTS), off behind a transaction pooler."""
    extra = {} if setting is None else {"DATABASE_PREPARED_STATEMENTS": setting}
    code = ("import json, django; django.setup(); from django.conf import settings; "
            "options = settings.DATABASES['default'].get('OPTIONS', {}); "
            "print(json.dumps([options.get('server_side_binding'), options.get('prepare_threshold')]))")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
        env=clean_env(**PRODUCTION_ENV, DATABASE_URL="postgres://reform@db.invalid:5432/reform", **extra),
    )
    assert result.stdout.strip() == ("[true, 5]" if prepared else "[null, null]")


def test_a_public_page_repeated_runs_prepared_statements_on_postgresql(client, seed_plan):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    for _ in range(6):
        assert client.get("/plans/2023-2026/measures/1/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    assert any('FROM "plans_measure"' in statement for statement in statements)
