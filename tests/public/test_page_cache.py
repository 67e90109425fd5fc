"""The page cache (public/page_cache.py) and the content version it keys on (reports/content_version.py).

Readers who are not logged in get public pages from the cache; after any change to public data
(publication, an edit in the admin, an import, a deletion) the next reader gets the page as it is
now. The version moves when a change commits: these tests run the commit callbacks of the
test's transaction (`committed`), as a real request's commit would.
"""

from __future__ import annotations

import datetime
import socket

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from exchange.plan_workbook import export_plan, import_plan
from indicators.models import Indicator
from plans.models import Department, Measure, Plan
from public import page_cache
from public.pages import parts
from reports import content_version, publication, workflow
from reports.models import Action, ProgressNote, ProgressReport
from tests.exchange.helpers import open_xlsx

pytestmark = pytest.mark.page_cache

HOME = "/"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a change and its commit callbacks, as the end of a real transaction would."""
    def run(change):
        with django_capture_on_commit_callbacks(execute=True):
            return change()
    return run


def cached(client, url, **headers):
    response = client.get(url, **headers)
    return response, response.get(page_cache.HEADER)


# --- serving and keeping -----------------------------------------------------------------------


def test_a_second_anonymous_reader_gets_the_kept_page(client, seed_plan):
    first, state = cached(client, HOME)
    assert (first.status_code, state) == (200, "miss")
    second, state = cached(client, HOME)
    assert (second.status_code, state) == (200, "hit")
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]
    assert "no-cache" in second["Cache-Control"]
    assert "Content-Security-Policy" in second  # headers of the site still apply to a kept page


def test_a_browser_with_the_current_copy_gets_304(client, seed_plan):
    page, _ = cached(client, f"/plans/{seed_plan.slug}/measures/2/")
    again = client.get(f"/plans/{seed_plan.slug}/measures/2/", HTTP_IF_NONE_MATCH=page["ETag"])
    assert again.status_code == 304 and again.content == b""
    stale = client.get(f"/plans/{seed_plan.slug}/measures/2/", HTTP_IF_NONE_MATCH='"something-else"')
    assert stale.status_code == 200 and stale.content == page.content


def test_the_page_cache_off_serves_nothing_from_it_but_still_revalidates(client, seed_plan, settings):
    settings.PAGE_CACHE_SECONDS = 0
    first, state = cached(client, HOME)
    second, state_again = cached(client, HOME)
    assert state is None and state_again is None
    assert client.get(HOME, HTTP_IF_NONE_MATCH=second["ETag"]).status_code == 304


def test_query_strings_are_pages_of_their_own(client, seed_plan):
    url = f"/plans/{seed_plan.slug}/measures/"
    cached(client, url)
    by_grade, state = cached(client, url + "?sort=grade")
    assert state == "miss"
    assert cached(client, url + "?sort=grade")[1] == "hit"


def test_a_logged_in_user_is_never_served_from_it_and_what_they_see_is_not_kept(client, seed_plan, people):
    cached(client, HOME)
    client.force_login(people["reviewer"])
    theirs, state = cached(client, HOME)
    assert theirs.status_code == 200 and state is None
    assert "private" in theirs["Cache-Control"]
    client.logout()
    cache.clear()
    client.force_login(people["reviewer"])
    cached(client, HOME)
    client.logout()
    assert cached(client, HOME)[1] == "miss"  # the logged-in user's page was not kept


def test_admin_pages_downloads_and_errors_are_not_cached(client, seed_plan, people):
    assert cached(client, "/admin/login/")[1] is None
    assert cached(client, "/admin/login/")[1] is None
    assert cached(client, "/opendata/indicators.csv")[1] is None
    for _ in range(2):
        missing, state = cached(client, f"/plans/{seed_plan.slug}/measures/999/")
        assert missing.status_code == 404 and state is None


def test_search_results_are_not_kept(client, seed_plan):
    for _ in range(2):
        found, state = cached(client, "/search/?q=職員")
        assert found.status_code == 200 and state is None
        assert "no-store" in found["Cache-Control"]


def test_a_restored_database_does_not_meet_pages_kept_before_the_restore(client, seed_plan, committed):
    from reports.models import PublicContentVersion

    cached(client, HOME)
    row = PublicContentVersion.objects.get(pk=1)
    committed(lambda: Measure.objects.get(plan=seed_plan, number=1).save())
    cached(client, HOME)  # kept under the moved version
    # A restore puts an older row back, then content moves again to the same number as before.
    PublicContentVersion.objects.filter(pk=1).update(version=row.version, changed_at=row.changed_at)
    committed(lambda: Measure.objects.get(plan=seed_plan, number=1).save())
    assert cached(client, HOME)[1] == "miss"


def test_pages_are_kept_per_day_since_they_grade_as_of_today(client, seed_plan, monkeypatch):
    cached(client, HOME)
    monkeypatch.setattr(parts, "today", lambda: datetime.date(2027, 4, 1))
    assert cached(client, HOME)[1] == "miss"


def test_a_cache_that_is_down_costs_speed_never_the_page(client, seed_plan, settings, caplog):
    """Redis restarting (here: nothing listening on its port) must not take the public site down."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0",
                                   "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}}
    for _ in range(2):
        response = client.get(HOME)
        assert response.status_code == 200 and "経営改革推進計画" in response.content.decode()
    assert any("page cache: could not" in record.getMessage() for record in caplog.records)
    feed = client.get("/reports/feed/")
    assert feed.status_code == 200 and "<entry>" in feed.content.decode()


# --- every kind of change is seen at once ---------------------------------------------------------


def test_publishing_a_report_in_the_admin_shows_on_the_next_read(client, seed_plan, people, committed):
    report = committed(lambda: workflow.open_report(
        people["reviewer"], ProgressReport(plan=seed_plan, as_of=datetime.date(2024, 9, 1), due_date=datetime.date(2024, 9, 30))))
    note = report.notes.get(measure__number=2)
    committed(lambda: workflow.save_note(people["shokuin"], note, expected_version=note.version,
                                         text="新しい活動経過の記述", results={}))
    note = committed(lambda: workflow.submit(people["shokuin"], ProgressNote.objects.get(pk=note.pk)))
    committed(lambda: workflow.approve(people["reviewer"], note))
    reports_page = f"/plans/{seed_plan.slug}/reports/"
    measure_page = f"/plans/{seed_plan.slug}/measures/2/"
    for url in (reports_page, measure_page, HOME):
        cached(client, url)
        assert cached(client, url)[1] == "hit"
    assert "新しい活動経過の記述" not in client.get(measure_page).content.decode()

    client.force_login(people["admin"])
    response = committed(lambda: client.post(reverse("admin:reports_progressreport_publish", args=[report.pk]),
                                                {"unapproved": "omit"}))
    assert response.status_code == 302
    client.logout()
    assert ProgressReport.objects.get(pk=report.pk).is_published
    page, state = cached(client, measure_page)
    assert state == "miss" and "新しい活動経過の記述" in page.content.decode()
    listing, state = cached(client, reports_page)
    assert state == "miss" and "令和6年9月1日" in listing.content.decode()


def test_a_measure_edited_in_the_admin_shows_on_the_next_read(client, seed_plan, people, committed):
    measure = Measure.objects.get(plan=seed_plan, number=2)
    url = f"/plans/{seed_plan.slug}/measures/2/"
    cached(client, url)
    assert cached(client, url)[1] == "hit"
    client.force_login(people["reviewer"])
    response = committed(lambda: client.post(reverse("admin:plans_measure_change", args=[measure.pk]), {
        "plan": seed_plan.pk, "pillar": measure.pillar_id, "number": measure.number,
        "title": "時間外勤務を減らす新しい題名", "subtitle": measure.subtitle,
        "current_situation": measure.current_situation, "approach": measure.approach,
        "assignments-TOTAL_FORMS": "0", "assignments-INITIAL_FORMS": "0",
        "assignments-MIN_NUM_FORMS": "0", "assignments-MAX_NUM_FORMS": "1000",
    }))
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()
    for page in (url, HOME, f"/plans/{seed_plan.slug}/measures/"):
        response, state = cached(client, page)
        assert state == "miss" and "時間外勤務を減らす新しい題名" in response.content.decode(), page


def test_a_plan_edited_in_the_admin_shows_on_the_next_read(client, seed_plan, people, committed):
    cached(client, HOME)
    client.force_login(people["admin"])
    url = reverse("admin:plans_plan_change", args=[seed_plan.pk])
    data = unchanged_form_data(client.get(url))
    data["title"] = "木更津市経営改革推進計画（改訂版）"
    response = committed(lambda: client.post(url, data))
    assert response.status_code == 302, response.content.decode()[:3000]
    client.logout()
    home, state = cached(client, HOME)
    assert state == "miss" and "木更津市経営改革推進計画（改訂版）" in home.content.decode()


def test_an_indicator_and_a_department_changed_anywhere_show_on_the_next_read(client, seed_plan, committed):
    measure_page = f"/plans/{seed_plan.slug}/measures/2/"
    department = Department.objects.get(section="職員課")
    department_page = f"/departments/{department.pk}/"
    for url in (measure_page, department_page):
        cached(client, url)
    indicator = Indicator.objects.get(measure__plan=seed_plan, measure__number=2, slot=1)
    indicator.note = "算定方法を見直しました"
    committed(indicator.save)
    page, state = cached(client, measure_page)
    assert state == "miss" and "算定方法を見直しました" in page.content.decode()
    department.section = "人事課"
    committed(department.save)
    page, state = cached(client, department_page)
    assert state == "miss" and "人事課" in page.content.decode()


def test_a_deleted_measure_disappears_on_the_next_read(client, seed_plan, committed):
    url = f"/plans/{seed_plan.slug}/measures/15/"
    assert cached(client, url)[0].status_code == 200
    measure = Measure.objects.get(plan=seed_plan, number=15)
    ProgressNote.objects.filter(measure=measure).delete()  # its notes first: published notes protect it
    committed(measure.delete)
    assert client.get(url).status_code == 404


def test_an_imported_plan_appears_when_it_is_made_public(client, seed_plan, committed):
    listing = "/plans/"
    cached(client, listing)
    workbook = open_xlsx(export_plan(seed_plan))
    workbook["計画"]["B2"] = "2027-2030"
    for row in workbook["計画"].iter_rows(min_row=2):
        if row[0].value == "計画名":
            row[1].value = "木更津市経営改革推進計画（次期）"
    imported = committed(lambda: import_plan(saved(workbook)))
    assert imported.ok, imported.problems
    page, state = cached(client, listing)
    assert state == "miss" and "（次期）" not in page.content.decode()  # imported plans stay hidden until public
    assert cached(client, listing)[1] == "hit"
    plan = imported.created
    plan.published_at = timezone.now()
    committed(plan.save)
    page, state = cached(client, listing)
    assert state == "miss" and "（次期）" in page.content.decode()


# --- the version ------------------------------------------------------------------------------------


def test_the_version_moves_only_when_a_change_commits(seed_plan, committed):
    before = content_version.current()
    measure = Measure.objects.get(plan=seed_plan, number=1)
    measure.save()  # inside the test's transaction: not committed yet
    assert content_version.current() == before
    committed(measure.save)
    assert content_version.current() > before


def test_a_rolled_back_change_moves_nothing(transactional_db, seed_plan):
    from django.db import transaction

    before = content_version.current()
    with pytest.raises(RuntimeError), transaction.atomic():
        Measure.objects.filter(plan=seed_plan, number=1).get().save()
        raise RuntimeError("refused")
    assert content_version.current() == before
    Measure.objects.get(plan=seed_plan, number=1).save()  # autocommit: at once
    assert content_version.current() == before + 1


def test_what_never_reaches_a_public_page_does_not_move_it(seed_plan, people, committed):
    before = content_version.current()
    committed(lambda: Action.objects.record(Action.Kind.SAVE, people["shokuin"], plan=seed_plan))
    assert content_version.current() == before
    assert not content_version.is_public_model(Measure.history.model)
    from django.db.migrations.executor import MigrationExecutor
    from django.db import connection

    state = MigrationExecutor(connection).loader.project_state(("plans", "0001_initial")).apps
    assert not content_version.is_public_model(state.get_model("plans", "Measure"))  # a migration's own models
    assert content_version.is_public_model(Plan) and content_version.is_public_model(Department)


def test_publication_moves_it_though_its_figures_are_written_in_bulk(seed_plan, people, committed):
    report = ProgressReport.objects.create(plan=seed_plan, as_of=datetime.date(2025, 3, 1))
    before = content_version.current()
    committed(lambda: publication.freeze_figures(report))
    assert content_version.current() > before


# --- Redis, the production cache --------------------------------------------------------------------


def redis_is_running() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


def test_pages_are_kept_in_redis_when_redis_url_is_set(client, seed_plan, settings):
    import os

    if not redis_is_running():
        if os.environ.get("CI"):
            pytest.fail("Redis is not running at 127.0.0.1:6379 (.ci/run starts it)")
        pytest.skip("Redis is not running at 127.0.0.1:6379")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:6379/15", "KEY_PREFIX": "kisarazu-tests"}}
    from django.core.cache import caches

    caches["default"].clear()
    try:
        assert cached(client, HOME)[1] == "miss"
        kept = caches["default"].get(page_cache.page_key(client.get(HOME).wsgi_request))
        assert kept is not None and kept.content == client.get(HOME).content
        assert cached(client, HOME)[1] == "hit"
    finally:
        caches["default"].clear()


# --- helpers -----------------------------------------------------------------------------------------


def saved(workbook):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile

    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("plan.xlsx", buffer.getvalue())


def unchanged_form_data(response) -> dict:
    """What a browser posts back from an admin change form when nothing is changed."""
    data = {}

    def add(form):
        for name, field in form.fields.items():
            key, value = form.add_prefix(name), form[name].value()
            if value is None:
                continue
            if hasattr(field.widget, "decompress"):  # split date and time
                for index, part in enumerate(field.widget.decompress(value)):
                    data[f"{key}_{index}"] = "" if part is None else str(part)
            elif isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif isinstance(value, (list, tuple)):
                data[key] = [str(v) for v in value]
            else:
                data[key] = value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for form in formset.forms:
            add(form)
    return data
