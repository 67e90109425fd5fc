"""No lost updates: two people saving the same note at once, and login throttling."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from indicators.models import IndicatorYear
from reports import workflow
from reports.models import ProgressNote
from tests.workflow_helpers import PASSWORD, department, open_report, reviewer, staff


def edit_url(note):
    return reverse("admin:reports_progressnote_change", args=[note.pk])


def test_two_browser_sessions_editing_one_note(seed_plan):
    """Two sessions open the page; the first save wins, the second is refused with the first one's changes."""
    rev = reviewer("shinsa")
    report = open_report(seed_plan, rev)
    note = ProgressNote.objects.get(report=report, measure__number=2)
    overtime = IndicatorYear.objects.get(indicator__measure__number=2, indicator__slot=1, fiscal_year=2023)
    first, second = Client(), Client()
    first.force_login(staff("sato", department("総務部", "職員課")))
    second.force_login(staff("suzuki", department("市長公室", "経営改革課")))  # 経営改革課 shares measure 2
    for client in (first, second):
        assert 'name="version" value="1"' in client.get(edit_url(note)).content.decode()

    assert first.post(edit_url(note), {"version": 1, "text": "佐藤の記述", f"result_{overtime.pk}": "34,068",
                                       "_save": "1"}).status_code == 302
    response = second.post(edit_url(note), {"version": 1, "text": "鈴木の記述", f"result_{overtime.pk}": "30,000",
                                            "_submit": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "satoさん" in page
    assert "<del>（空）</del>" in page and "<ins>佐藤の記述</ins>" in page
    assert "<del>（未入力）</del>" in page and "<ins>34,068時間</ins>" in page
    note.refresh_from_db()
    assert (note.text, note.status, note.version) == ("佐藤の記述", "draft", 2)
    assert note.result_entries.get().value == 34068


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL; SQLite serialises writes")
def test_simultaneous_saves_on_postgresql_lose_nothing(seed_plan):
    """Both start from version 1 and save at the same instant: one wins, the other gets EditConflict."""
    rev = reviewer("shinsa")
    report = open_report(seed_plan, rev)
    note = ProgressNote.objects.get(report=report, measure__number=2)
    overtime = IndicatorYear.objects.get(indicator__measure__number=2, indicator__slot=1, fiscal_year=2023)
    users = [staff("sato", department("総務部", "職員課")), staff("suzuki", department("総務部", "職員課"))]
    for round_number in range(5):
        version = ProgressNote.objects.get(pk=note.pk).version
        barrier = threading.Barrier(2)
        outcomes = {}

        def save(index):
            try:
                barrier.wait()
                workflow.save_note(users[index], note, expected_version=version, text=f"{round_number}-{index}",
                                   results={overtime.pk: Decimal(round_number * 10 + index)})
                outcomes[index] = "saved"
            except workflow.EditConflict as conflict:
                outcomes[index] = conflict
            finally:
                connections.close_all()

        threads = [threading.Thread(target=save, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        winners = [i for i, outcome in outcomes.items() if outcome == "saved"]
        assert len(winners) == 1, outcomes
        loser = outcomes[1 - winners[0]]
        assert isinstance(loser, workflow.EditConflict)
        assert users[winners[0]].username in loser.message
        current = ProgressNote.objects.get(pk=note.pk)
        assert current.version == version + 1
        assert current.text == f"{round_number}-{winners[0]}"
        assert current.result_entries.get().value == round_number * 10 + winners[0]
        assert {c.label for c in loser.changes} >= {"活動経過・今後の予定", "指標① 令和5年度の結果"}


def test_login_is_throttled_after_repeated_failures(seed_plan, settings):
    user = staff("sato", department("総務部", "職員課"))
    client = Client()
    login = reverse("admin:login")
    response = client.post(login, {"username": "sato", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302  # the right password works
    client.logout()
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        response = client.post(login, {"username": "sato", "password": "wrong", "next": "/admin/"})
        assert response.status_code in (200, 429)
    response = client.post(login, {"username": "sato", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 429
    assert "ログインが一時的に制限されています" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another user name from the same address is not locked out.
    other = staff("tanaka", department("総務部", "職員課"))
    assert client.post(login, {"username": other.username, "password": PASSWORD, "next": "/admin/"}).status_code == 302
    # An administrator unlocks by deleting the attempt record (axes' own command does the same).
    from axes.utils import reset

    reset(username="sato")
    client.logout()
    assert client.post(login, {"username": user.username, "password": PASSWORD, "next": "/admin/"}).status_code == 302


def test_passwords_are_validated(db):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password("12345678")
    with pytest.raises(ValidationError):
        validate_password("short")
