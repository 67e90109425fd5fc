"""Reliability under faults and load, from outside, on real servers (docs/operations.md):

- the site recovers by itself when PostgreSQL restarts under load (persistent connections with
  health checks), on a throwaway PostgreSQL cluster of the test's own;
- a published report is rebuilt identically from a backup (pg_dump/pg_restore on PostgreSQL,
  dumpdata/loaddata on SQLite: the variant of the database the suite runs on);
- citizens reading while staff and reviewers save, submit, return and approve never meet a server
  error, and every save either lands or is refused with a message.

All are marked `slow` (select them with `-m slow`, leave them out with `-m "not slow"`).
Figures (requests, failures during the outage) are printed, not asserted on: see `pytest -s`.
"""

from __future__ import annotations

import re
import subprocess
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

import pytest
from django.conf import global_settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from tests import db_scenarios
from tests.server_helpers import (
    DUMPDATA_ARGS, ROOT, Browser, ThrowawayPostgres, admin_sql, fetch, gunicorn, manage, require, scenario,
    with_database,
)

pytestmark = pytest.mark.slow

PLAN = f"/plans/{db_scenarios.SEED_PLAN}"
OPERATIONS_GUIDE = ROOT / "docs" / "operations.md"


@pytest.fixture(scope="module")
def postgres_cluster():
    """A PostgreSQL cluster of this module's own, with a migrated, seeded template database to copy."""
    cluster = ThrowawayPostgres()
    try:
        cluster.start()
        template = cluster.database("reform_template")
        manage(template, "migrate", "--noinput")
        manage(template, "load_seed_plan")
        yield cluster
    finally:
        cluster.stop()


def log_tail(log: Path, lines=120) -> str:
    """The server's log without its access lines: errors with their tracebacks."""
    return "\n".join([line for line in log.read_text(errors="replace").splitlines()
                      if not line.startswith("127.0.0.1 - -")][-lines:])


# --- 5a: PostgreSQL restarts while the site is under load -------------------------------------

class RequestStream(threading.Thread):
    """One client asking for pages one after another while `go` is set, until `stop` (or `limit` requests)."""

    def __init__(self, base, paths, go: threading.Event, stop: threading.Event, limit):
        super().__init__(daemon=True)
        self.base, self.paths, self.go, self.stop, self.limit = base, paths, go, stop, limit
        self.busy = threading.Lock()  # held while a request is out
        self.outcomes: list[tuple[float, float, str, int]] = []  # (started, finished, path, status; 0: no answer)

    def run(self):
        while len(self.outcomes) < self.limit and not self.stop.is_set():
            with self.busy:
                if self.go.is_set():
                    path = self.paths[len(self.outcomes) % len(self.paths)]
                    started = time.monotonic()
                    try:
                        status = fetch(self.base + path, timeout=30)[0]
                    except OSError:
                        status = 0
                    self.outcomes.append((started, time.monotonic(), path, status))
                    continue
            time.sleep(0.01)

    def pause(self):
        """After `go` is cleared: wait for the request that is out, if any."""
        with self.busy:
            pass


def wait_for(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


def test_the_site_recovers_by_itself_when_postgresql_restarts(postgres_cluster, static_root, tmp_path):
    """Persistent connections (DJANGO_CONN_MAX_AGE=60) in two workers; the cluster restarts twice: once
    while no request is out (each worker keeps a connection the restart cut), once under load."""
    database = postgres_cluster.database("reform_restart", template="reform_template")
    log = tmp_path / "gunicorn.log"
    paths = ["/", f"{PLAN}/measures/2/", "/healthz"]
    go, stop = threading.Event(), threading.Event()
    go.set()
    with gunicorn(database, static_root, log, workers=2, DJANGO_CONN_MAX_AGE="60") as base:
        # Two clients at once, so both workers serve requests and hold a connection.
        streams = [RequestStream(base, paths[i:] + paths[:i], go, stop, limit=150) for i in range(2)]
        for stream in streams:
            stream.start()

        def asked_since(moment):
            return sum(1 for stream in streams for outcome in list(stream.outcomes) if outcome[0] >= moment)

        def enough_since(moment, count):
            return lambda: asked_since(moment) >= count or not any(stream.is_alive() for stream in streams)

        wait_for(enough_since(0, 40), 120, "40 requests")
        go.clear()
        for stream in streams:
            stream.pause()
        postgres_cluster.restart()  # fast: the open connections are cut while the workers are idle
        quiet_back = time.monotonic()
        go.set()
        wait_for(enough_since(quiet_back, 40), 120, "40 requests after the quiet restart")
        restart_began = time.monotonic()
        postgres_cluster.restart()
        back = time.monotonic()
        wait_for(enough_since(back, 60), 120, "60 requests after the restart under load")
        stop.set()
        for stream in streams:
            stream.join(timeout=60)

    outcomes = sorted(outcome for stream in streams for outcome in stream.outcomes)
    # Outside the restart under load: answered before it began, or asked once pg_ctl said the cluster is back.
    outside = [o for o in outcomes if o[1] < restart_began or o[0] >= back]
    during = [o for o in outcomes if o not in outside]
    after_quiet = [o for o in outcomes if quiet_back <= o[0] < restart_began]
    after = [o for o in outcomes if o[0] >= back]
    print(f"\nPostgreSQL restarts: {len(outcomes)} requests; after the quiet restart {len(after_quiet)}; "
          f"during the restart under load ({back - restart_began:.1f} s) {len(during)} "
          f"{dict(Counter(o[3] for o in during))}; after it {len(after)}")
    failed = [(round(started - back, 3), path, status) for started, _, path, status in outside if status != 200]
    assert not failed, f"requests failed outside the outage (seconds after it): {failed}\n{log_tail(log)}"
    assert all(o[3] in (200, 500, 503) for o in during), log_tail(log)  # error pages, never a lost connection
    # Once the cluster is back the site answers at once: the health check and every page.
    assert {o[2] for o in after_quiet} == {o[2] for o in after} == set(paths)
    assert after_quiet[0][3] == after[0][3] == 200


# --- 5b: backup and restore ------------------------------------------------------------------

def database_url(settings_dict) -> str:
    user = urllib.parse.quote(settings_dict["USER"] or "")
    password = f":{urllib.parse.quote(settings_dict['PASSWORD'])}" if settings_dict["PASSWORD"] else ""
    host = settings_dict["HOST"] or "localhost"
    port = f":{settings_dict['PORT']}" if settings_dict["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{settings_dict['NAME']}"


def run(*command):
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True)
    assert result.returncode == 0, f"{command[0]} failed:\n{result.stdout}\n{result.stderr}"


def documented(command: str):
    assert command in OPERATIONS_GUIDE.read_text(), f"docs/operations.md does not show: {command}"


@pytest.mark.django_db(transaction=True)  # committed, so that pg_dump sees it
def test_a_published_report_is_rebuilt_identically_from_a_backup(seed_plan, tmp_path):
    # Passwords hashed as the project hashes them (the suite's fast hasher is unknown to the restored
    # server, which must let the same users log in).
    with override_settings(PASSWORD_HASHERS=global_settings.PASSWORD_HASHERS):
        published = db_scenarios.publish_a_report()
    original = db_scenarios.render_published(**published)
    assert "前年同期より1,200時間減りました。" in original["pages"][f"{PLAN}/reports/{published['as_of']}/"]

    dropped_at_the_end = []
    try:
        if connection.vendor == "postgresql":
            require("pg_dump", "pg_restore")
            documented("pg_dump --format=custom --file=")
            documented("pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname=")
            source = database_url(connection.settings_dict)
            backup = tmp_path / "reform.dump"
            counts = db_scenarios.table_counts()
            run("pg_dump", "--format=custom", f"--file={backup}", source)
            name = f"{connection.settings_dict['NAME']}_restored"
            drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
            admin_sql(source, drop, f'CREATE DATABASE "{name}"')
            dropped_at_the_end.append(lambda: admin_sql(source, drop))
            restored = with_database(source, name)
            run("pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                f"--dbname={restored}", backup)
        else:
            documented(f"manage.py dumpdata {' '.join(DUMPDATA_ARGS)} --output")
            documented("manage.py migrate --noinput && python manage.py flush --noinput && python manage.py loaddata")
            backup = tmp_path / "reform.xml"
            counts = db_scenarios.table_counts()
            call_command("dumpdata", *DUMPDATA_ARGS, "--output", str(backup), verbosity=0)
            restored = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
            manage(restored, "migrate", "--noinput")
            manage(restored, "flush", "--noinput")
            manage(restored, "loaddata", str(backup))
            # Sessions stay out of this backup: after such a restore everyone logs in again.
            counts["sessions.Session"] = 0

        # Every table comes back whole: the plan, the reports and their snapshots, the history of every
        # change, the login records (django-axes), users with their groups and passwords.
        assert scenario(restored, "table_counts") == counts
        rebuilt = scenario(restored, "render_published", published["as_of"], published["note_id"], published["reader"])
        for page in original["pages"]:
            assert rebuilt["pages"][page] == original["pages"][page], page
        assert rebuilt["workbook"] == original["workbook"]
        # And the restored database goes on working: logins, a new report, a new save.
        assert scenario(restored, "takes_new_work", "shokuin") == {"reports": 3, "note_version": 2}
    finally:
        for cleanup in dropped_at_the_end:
            cleanup()


def test_on_sqlite_saves_in_several_workers_wait_for_each_other_instead_of_failing(tmp_path):
    """A save reads, then writes (reports.workflow). On SQLite, two at once used to end one of them with
    "database is locked" (a 500): each had read, and neither could then take the write lock."""
    outcome = scenario(f"sqlite:///{tmp_path / 'db.sqlite3'}", "saves_at_once", 3)
    assert outcome == {"count": 3, "errors": []}


# --- 5c: reading and saving at once ----------------------------------------------------------

def refusal(status, page) -> str:
    """What a refused save says: the edit page's alert (someone else's change, a check that failed, a right
    lost meanwhile), or the 403 page's reason. Empty when the page says nothing."""
    if status == 200:
        alert = re.search(r'<div class="reform-alert" role="alert"[^>]*>(.*?)</div>', page, re.S)
    elif status == 403 and "この操作はできません" in page:
        # The admin's refusal page (reports.admin.refused) or, for a request it does not handle, the site's 403.
        alert = (re.search(r'<div class="reform-alert" role="alert"[^>]*>(.*?)</div>', page, re.S)
                 or re.search(r'<p class="lead">(.*?)</p>', page, re.S))
    else:
        return ""
    return re.sub(r"<[^>]+>|\s+", " ", alert.group(1)).strip() if alert else ""


READER_PATHS = ["/", f"{PLAN}/", f"{PLAN}/measures/", f"{PLAN}/measures/2/", f"{PLAN}/reports/2023-09-01/",
                "/opendata/indicators.csv", f"{PLAN}/pillars/1/"]


class Person(threading.Thread):
    """A reader or a writer with their own browser; records every answer and every save's fate."""

    def __init__(self, base, username=None, password=None, *, notes=(), rounds, deadline):
        super().__init__(daemon=True)
        self.browser = Browser(base)
        self.username, self.password, self.notes = username, password, list(notes)
        self.rounds, self.deadline = rounds, deadline
        self.statuses: Counter = Counter()
        self.landed: list[str] = []
        self.refused: list[str] = []
        self.unexplained: list[str] = []
        self.messages: Counter = Counter()  # why saves were refused
        self.error: BaseException | None = None

    def get(self, path):
        status, page = self.browser.get(path)
        self.statuses[status] += 1
        return status, page

    def post(self, path, data, page, marker):
        status, answer = self.browser.post(path, data, page)
        self.statuses[status] += 1
        if status == 302:
            self.landed.append(marker)
        elif message := refusal(status, answer):
            self.refused.append(marker)
            self.messages[message[:40]] += 1
        else:
            self.unexplained.append(f"{marker}: {status}\n{answer[:3000]}")

    def run(self):
        try:
            if self.username:
                self.browser.log_in(self.username, self.password)
                self.statuses.update({200: 1, 302: 1})  # the login page and the login
            for i in range(self.rounds):
                if time.monotonic() > self.deadline:
                    break
                self.act(i)
        except BaseException as error:  # shown by the test
            self.error = error


class Reader(Person):
    def act(self, i):
        path = READER_PATHS[(i + hash(self.name)) % len(READER_PATHS)]
        status, _ = self.get(path)
        if status != 200:
            self.unexplained.append(f"{path}: {status}")


def edit_url(note_id, action="change"):
    """The entry page, or the URL one of its buttons posts to (save, submit, return, approve)."""
    return f"/admin/reports/progressnote/{note_id}/{action}/"


class Staff(Person):
    """Saves drafts and now and then submits, on the notes of their department."""

    def act(self, i):
        note = self.notes[i % len(self.notes)]
        status, page = self.get(edit_url(note))
        assert status == 200, page[:2000]
        if 'name="_save"' not in page:
            return  # submitted or approved: waiting for the reform office
        version = re.search(r'name="version" value="(\d+)"', page).group(1)
        marker = f"{self.username}-{i}"
        action = "submit" if i % 3 == 2 else "save"
        data = {"version": version, "text": marker, f"_{action}": "1"}
        for field in re.findall(r'<input type="text" name="(result_\d+)"', page):
            data[field] = "12"
        self.post(edit_url(note, action), data, page, marker)


class Reviewer(Person):
    """Approves or returns what is submitted, and returns approved notes now and then."""

    def act(self, i):
        for note in self.notes:
            status, page = self.get(edit_url(note))
            assert status == 200, page[:2000]
            if 'name="_approve"' in page:
                action = "approve" if i % 2 == 0 else "return"
            elif 'name="_return"' in page and i % 3 == 0:
                action = "return"
            else:
                continue
            version = re.findall(r'name="version" value="(\d+)"', page)[-1]  # the review form's
            marker = f"{self.username}-{i}-{note}"
            self.post(edit_url(note, action), {"version": version, "comment": marker, f"_{action}": "1"}, page, marker)


def test_no_server_error_while_citizens_read_and_staff_save_and_review(request, static_root, tmp_path):
    if connection.vendor == "postgresql":
        database = request.getfixturevalue("postgres_cluster").database("reform_load", template="reform_template")
    else:
        database = f"sqlite:///{tmp_path / 'load.sqlite3'}"
        manage(database, "migrate", "--noinput")
        manage(database, "load_seed_plan")
    setup = scenario(database, "prepare_load")
    log = tmp_path / "gunicorn.log"
    with gunicorn(database, static_root, log, workers=2, DJANGO_SECURE_COOKIES="0") as base:
        deadline = time.monotonic() + 240  # a bound, not an expectation
        password, notes = setup["password"], setup["notes"]
        people = [
            *(Reader(base, rounds=40, deadline=deadline) for _ in range(3)),
            Staff(base, "shokuin", password, notes=notes, rounds=16, deadline=deadline),
            Staff(base, "shokuin2", password, notes=notes, rounds=16, deadline=deadline),
            Reviewer(base, "keiei", password, notes=notes, rounds=10, deadline=deadline),
            Reviewer(base, "keiei2", password, notes=notes, rounds=10, deadline=deadline),
        ]
        for person in people:
            person.start()
        for person in people:
            person.join(timeout=300)

    statuses = sum((person.statuses for person in people), Counter())
    landed = {(p.username, marker) for p in people for marker in p.landed}
    refused = {(p.username, marker) for p in people for marker in p.refused}
    messages = sum((person.messages for person in people), Counter())
    print(f"\nMixed load on {connection.vendor}: {sum(statuses.values())} requests {dict(statuses)}; "
          f"saves landed {len(landed)}, refused with a message {len(refused)}: {dict(messages)}")
    for person in people:
        assert person.error is None, f"{person.username or 'reader'}: {person.error!r}\n{log_tail(log)}"
    assert not [s for s in statuses if s >= 500], log_tail(log)
    assert not [u for p in people for u in p.unexplained], [u for p in people for u in p.unexplained]
    assert landed, "no save went through"
    # Every save that was answered "saved" is in the notes' history, by its author; no refused one is.
    history = scenario(database, "history_of_notes", notes)
    in_history = {(user, marker) for user, text, comment in history for marker in (text, comment)}
    assert landed <= in_history
    assert not {marker for _, marker in refused} & {marker for _, marker in in_history}
