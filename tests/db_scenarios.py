"""Steps the reliability tests run inside a Django process on a given database: the test's own
(pytest's) or another one through `tests.server_helpers.scenario` (`manage.py shell` on its
DATABASE_URL). Each returns plain JSON-able data."""

from __future__ import annotations

import datetime
import io
import re
import threading
import time
from decimal import Decimal

from django.apps import apps
from django.contrib.auth.models import User
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from indicators.models import IndicatorYear
from plans.models import Plan
from reports import workflow
from reports.models import ProgressNote, ProgressReport
from tests.workflow_helpers import PASSWORD, department, open_report, reviewer, staff

SEED_PLAN = "2023-2026"


def prepare_load() -> dict:
    """Two staff of 職員課 (measures 1 and 2), two reviewers and an open report, for the load test."""
    plan = Plan.objects.get(slug=SEED_PLAN)
    office = department("総務部", "職員課")
    staff("shokuin", office)
    staff("shokuin2", office)
    keiei = reviewer("keiei")
    reviewer("keiei2")
    report = open_report(plan, keiei)
    notes = ProgressNote.objects.filter(report=report, measure__number__in=[1, 2]).order_by("measure__number")
    return {"password": PASSWORD, "notes": [note.pk for note in notes]}


def history_of_notes(note_ids: list[int]) -> list[list[str]]:
    """Every saved state of the notes: [user, text, review comment]."""
    rows = ProgressNote.history.filter(id__in=note_ids).select_related("history_user")
    return [[row.history_user.username if row.history_user else "", row.text, row.review_comment] for row in rows]


def publish_a_report() -> dict:
    """The seed plan's report as of 2024-09-01, entered, reviewed and published through the workflow, with a
    returned note, a note left unapproved, a failed and a successful login (django-axes) and a session."""
    plan = Plan.objects.get(slug=SEED_PLAN)
    shokuin = staff("shokuin", department("総務部", "職員課"))
    kodomo = staff("kodomo", department("健康こども部", "子育て支援課"))
    shinsa = reviewer("shinsa")
    report = open_report(plan, shinsa)
    overtime = IndicatorYear.objects.get(indicator__measure__number=2, indicator__slot=1, fiscal_year=2023)
    note = ProgressNote.objects.get(report=report, measure__number=2)
    note = workflow.save_note(shokuin, note, expected_version=1, text="時間外勤務を削減しました。",
                              results={overtime.pk: Decimal(34068)})
    note = workflow.submit(shokuin, note)
    note = workflow.return_with_comment(shinsa, note, "前年同期との比較を書いてください。")
    note = workflow.save_note(shokuin, note, expected_version=note.version,
                              text="前年同期より1,200時間減りました。\n\n引き続き削減します。",
                              results={overtime.pk: Decimal(34000)})
    note = workflow.submit(shokuin, note)
    note = workflow.approve(shinsa, note, expected_version=note.version)
    other = ProgressNote.objects.get(report=report, measure__number=11)
    workflow.save_note(kodomo, other, expected_version=1, text="登録者が増えました。", results={})
    workflow.submit(kodomo, other)
    workflow.publish(shinsa, report)
    browser = Client()
    assert browser.post("/admin/login/", {"username": "kodomo", "password": "wrong"}).status_code == 200
    assert browser.post("/admin/login/", {"username": "shokuin", "password": PASSWORD}).status_code == 302
    return {"as_of": report.as_of.isoformat(), "note_id": note.pk, "reader": shinsa.username}


CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def render_published(as_of: str, note_id: int, reader: str) -> dict:
    """The published report as citizens and the reform office see it: its page, the measure's page, the
    plan's home, open data (CSV, JSON), the report workbook's cells and the note's history in the admin."""
    plan_url = f"/plans/{SEED_PLAN}"
    note = ProgressNote.objects.select_related("measure").get(pk=note_id)
    public = Client()
    pages = {}
    for path in (f"{plan_url}/reports/{as_of}/", f"{plan_url}/measures/{note.measure.number}/", f"{plan_url}/",
                 "/opendata/indicators.csv", "/opendata/indicators.json"):
        response = public.get(path)
        assert response.status_code == 200, path
        pages[path] = response.content.decode()
    office = Client()
    office.force_login(User.objects.get(username=reader))
    history = reverse("admin:reports_progressnote_history", args=[note_id])
    response = office.get(history)
    assert response.status_code == 200
    pages[history] = CSRF_TOKEN.sub("csrf", response.content.decode())  # a new token on every page

    response = public.get(f"{plan_url}/reports/{as_of}/progress-report.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    cells = {
        sheet.title: [[cell.coordinate, repr(cell.value), cell.number_format]
                      for row in sheet.iter_rows() for cell in row if cell.value is not None]
        for sheet in book.worksheets
    }
    return {"pages": pages, "workbook": cells}


def table_counts() -> dict[str, int]:
    """Rows in every table of the project and its libraries (history, login records, sessions included);
    unmanaged models have no table of their own (django-rq's dashboard)."""
    return {model._meta.label: model._default_manager.count() for model in apps.get_models() if model._meta.managed}


def takes_new_work(username: str) -> dict:
    """A restored database goes on working: the user logs in with their password, and a new report is
    opened and a note saved (new rows get fresh ids)."""
    browser = Client()
    response = browser.post("/admin/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]
    plan = Plan.objects.get(slug=SEED_PLAN)
    report = open_report(plan, User.objects.get(username="shinsa"), as_of=datetime.date(2025, 9, 1),
                         due=datetime.date(2025, 9, 30))
    note = ProgressNote.objects.get(report=report, measure__number=2)
    note = workflow.save_note(User.objects.get(username="shokuin"), note, expected_version=1, text="復元後の記述",
                              results={})
    return {"reports": ProgressReport.objects.filter(plan=plan).count(), "note_version": note.version}


def saves_at_once(workers: int = 2) -> dict:
    """`workers` threads (as gunicorn's processes would) each read a counter, pause, then write it back
    plus one, in one transaction each, all at the same time. Returns the count and the errors."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE reliability_counter (n integer NOT NULL)")
        cursor.execute("INSERT INTO reliability_counter VALUES (0)")
    errors = []

    def save():
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT n FROM reliability_counter")
                    n = cursor.fetchone()[0]
                    time.sleep(0.3)  # the others read meanwhile
                    cursor.execute("UPDATE reliability_counter SET n = %s", [n + 1])
        except Exception as error:  # reported to the test
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with connection.cursor() as cursor:
        cursor.execute("SELECT n FROM reliability_counter")
        return {"count": cursor.fetchone()[0], "errors": errors}
