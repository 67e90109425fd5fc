"""Requests refused before a view runs (too many fields, too large), logins, sessions and 403s.

The same answer with DEBUG on and off: a Japanese page, never a server error.
"""

import logging

import pytest
from django.conf import settings as django_settings
from django.core.files import uploadedfile, uploadhandler
from django.test import Client
from django.test.client import encode_multipart
from django.urls import reverse

from tests.workflow_helpers import PASSWORD, department, staff

MANY = "&".join(f"a={i}" for i in range(django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 10))


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


@pytest.mark.parametrize("path", ["/", "/admin/login/", "/plans/", "/admin/"])
def test_too_many_query_parameters_are_a_japanese_400(db, debug, path):
    response = Client().get(f"{path}?{MANY}")
    assert response.status_code == 400
    page = response.content.decode()
    assert "送信された項目が多すぎます" in page and "1,000 個まで" in page and 'lang="ja"' in page


def test_too_many_form_fields_are_a_japanese_400(db, debug):
    response = Client().post("/admin/login/", {f"f{i}": "1" for i in range(django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 10)})
    assert response.status_code == 400
    assert "送信された項目が多すぎます" in response.content.decode()


def test_a_form_that_cannot_be_read_is_a_400(db, debug):
    response = Client().generic("POST", "/admin/login/", b"x", content_type="multipart/form-data")  # no boundary
    assert response.status_code == 400
    assert "送信された内容を読み取れませんでした" in response.content.decode()


def test_an_oversized_form_is_a_japanese_413(db, debug):
    body = "a=" + "x" * (django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = Client().generic("POST", "/admin/login/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert "送信されたデータが大きすぎます" in response.content.decode()


@pytest.fixture
def temporary_files(monkeypatch):
    """Every temporary file Django would write an upload to."""
    created = []

    class Recording(uploadedfile.TemporaryUploadedFile):
        def __init__(self, *args, **kwargs):
            created.append(args[0] if args else kwargs.get("name"))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(uploadhandler, "TemporaryUploadedFile", Recording)
    return created


def upload(client, url, size):
    boundary = "BoUnDaRy"
    body = encode_multipart(boundary, {"workbook": uploadedfile.SimpleUploadedFile("big.xlsx", b"\0" * size)})
    return client.generic("POST", url, body, content_type=f"multipart/form-data; boundary={boundary}")


def test_a_50_mb_upload_is_refused_before_it_is_written_anywhere(client, seed_plan, people, temporary_files):
    client.force_login(people["reviewer"])
    response = upload(client, reverse("exchange_admin:plan-import"), 50 * 1024 * 1024)
    assert response.status_code == 413
    assert "アップロードできるファイルは 5 MB までです" in response.content.decode()
    assert temporary_files == []


def test_an_upload_within_the_limit_stays_in_memory(client, seed_plan, people, temporary_files):
    client.force_login(people["reviewer"])
    response = upload(client, reverse("exchange_admin:plan-import"), 4 * 1024 * 1024)
    assert response.status_code == 200  # the page says what is wrong with the file
    assert temporary_files == []


def test_large_bodies_are_refused_on_pages_that_take_no_upload(client, seed_plan, people, temporary_files):
    client.force_login(people["reviewer"])
    response = upload(client, reverse("admin:plans_plan_add"), 4 * 1024 * 1024)
    assert response.status_code == 413
    assert temporary_files == []


# --- 403: a Japanese page, logged once with the user and path, without a traceback ---------------


def forbidden_records(caplog):
    return [r for r in caplog.records if r.levelno >= logging.WARNING and ("403" in r.getMessage() or "Forbidden" in r.getMessage())]


def test_every_403_is_logged_once_without_a_traceback(client, report, people, caplog):
    client.force_login(people["shokuin"])
    note = report.notes.get(measure__number=2)
    url = reverse("admin:reports_progressnote_change", args=[note.pk])
    with caplog.at_level(logging.INFO):
        response = client.post(url, {"version": note.version, "_approve": "1"})  # staff never approve
    assert response.status_code == 403
    assert "この操作はできません" in response.content.decode()
    records = forbidden_records(caplog)
    assert len(records) == 1, [r.getMessage() for r in records]
    record = records[0]
    assert record.levelno == logging.WARNING and record.name.startswith("django.security")
    assert "shokuin" in record.getMessage() and url in record.getMessage()
    assert record.exc_info is None


def test_a_csrf_failure_is_a_japanese_403_logged_once(seed_plan, people, caplog):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["shokuin"])
    with caplog.at_level(logging.INFO):
        response = client.post(reverse("admin:logout"))
    assert response.status_code == 403
    assert "ページを開き直してから、もう一度送信してください" in response.content.decode()
    records = forbidden_records(caplog)
    assert len(records) == 1 and "shokuin" in records[0].getMessage() and "CSRF" in records[0].getMessage()
    assert records[0].exc_info is None


# --- sessions and login throttling --------------------------------------------------------------


def test_admin_sessions_end_after_a_working_day_without_activity(client, seed_plan, people):
    client.post(reverse("admin:login"), {"username": "shokuin", "password": PASSWORD, "next": "/admin/"})
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert response.cookies[django_settings.SESSION_COOKIE_NAME]["max-age"] == 8 * 3600  # renewed by each request
    assert client.session.get_expiry_age() == 8 * 3600


def test_many_user_names_from_one_address_lock_the_address_out(seed_plan, settings):
    """Password spraying: a few passwords over many user names, from one address."""
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 6
    real = staff("sato", department("総務部", "職員課"))
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    login = reverse("admin:login")
    for name in ("a1", "a2", "a3", "a4", "a5", "a6"):
        assert attacker.post(login, {"username": name, "password": "Winter2024!"}).status_code in (200, 429)
    response = attacker.post(login, {"username": real.username, "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 429
    assert "ログインが一時的に制限されています" in response.content.decode()
    # Another address logs in as usual.
    office = Client(REMOTE_ADDR="198.51.100.7")
    assert office.post(login, {"username": real.username, "password": PASSWORD, "next": "/admin/"}).status_code == 302


def test_a_few_mistakes_by_several_people_at_one_address_lock_nobody_else_out(seed_plan, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 6
    real = staff("sato", department("総務部", "職員課"))
    office = Client(REMOTE_ADDR="198.51.100.7")
    login = reverse("admin:login")
    for name in ("suzuki", "suzuki", "takahashi", "takahashi"):
        assert office.post(login, {"username": name, "password": "typo"}).status_code == 200
    assert office.post(login, {"username": real.username, "password": PASSWORD, "next": "/admin/"}).status_code == 302
    # One user name's own limit still applies.
    office.logout()
    for _ in range(3):
        office.post(login, {"username": "suzuki", "password": "typo"})
    assert office.post(login, {"username": "suzuki", "password": "typo"}).status_code == 429
