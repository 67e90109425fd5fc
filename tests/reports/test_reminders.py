"""Reminder e-mails (manage.py send_reminders): who gets what, when, and never twice."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from reports import reminders, workflow
from reports.models import ProgressNote, ReminderPreference, SentReminder
from tests.workflow_helpers import department, staff

SITE = "https://reform.example.jp"
DUE = datetime.date(2024, 9, 30)  # the `report` fixture's deadline


@pytest.fixture(autouse=True)
def mail_settings(settings):
    settings.SITE_URL = SITE
    settings.REMINDER_DAYS_BEFORE_DUE = [7, 1]
    settings.REMINDER_OVERDUE_EVERY_DAYS = 7
    settings.DEFAULT_FROM_EMAIL = "kaikaku@city.example.jp"


@pytest.fixture
def world(report, people):
    """職員課 (shokuin) has submitted both its measures; 子育て支援課 (kodomo) has not submitted No.11."""
    for name, user in people.items():
        user.email = f"{name}@city.example.jp"
        user.save()
    for number in (1, 2):
        note = ProgressNote.objects.get(report=report, measure__number=number)
        note = workflow.save_note(people["shokuin"], note, expected_version=note.version, text="進めました。", results={})
        workflow.submit(people["shokuin"], note)
    return people


def run(day):
    out = io.StringIO()
    call_command("send_reminders", "--date", day.isoformat(), stdout=out, stderr=out)
    return out.getvalue()


def to(mailoutbox, address):
    return [mail for mail in mailoutbox if mail.to == [address]]


def test_seven_days_before_the_deadline(world, report, mailoutbox):
    run(DUE - datetime.timedelta(days=7))
    [mail] = to(mailoutbox, "kodomo@city.example.jp")
    note = ProgressNote.objects.get(report=report, measure__number=11)
    assert mail.subject == f"【経営改革推進計画】提出期限まであと7日です（{report}）"
    assert mail.from_email == "kaikaku@city.example.jp"
    assert "No.11" in mail.body and "（作成中）" in mail.body and "あと7日" in mail.body
    assert SITE + reverse("admin:reports_progressnote_change", args=[note.pk]) in mail.body
    assert SITE + reverse("admin:index") in mail.body
    assert to(mailoutbox, "shokuin@city.example.jp") == []  # its department has submitted everything
    # The reform office's reviewers: 職員課's two notes wait for review. The administrator is not the reform office.
    for reviewer in ("reviewer", "reviewer2"):
        [review] = to(mailoutbox, f"{reviewer}@city.example.jp")
        assert "審査を待っている記述が2件" in review.subject
        assert SITE + reverse("admin:reports_progressreport_dashboard", args=[report.pk]) in review.body
        assert "No.1 人事評価制度の充実" in review.body and "提出・shokuin）" in review.body
    assert to(mailoutbox, "admin@city.example.jp") == []
    assert len(mailoutbox) == 3


def test_running_twice_the_same_day_sends_nothing_twice(world, report, mailoutbox):
    day = DUE - datetime.timedelta(days=7)
    run(day)
    first = len(mailoutbox)
    assert "0 sent" in run(day)
    assert len(mailoutbox) == first
    assert SentReminder.objects.count() == first


def test_each_stage_once_then_overdue_once_a_week(world, report, mailoutbox):
    kodomo = "kodomo@city.example.jp"
    for offset in (10, 7, 5, 3, 1, 0, -1, -3, -7, -8, -14, -15):
        run(DUE - datetime.timedelta(days=offset))
    subjects = [mail.subject for mail in to(mailoutbox, kodomo)]
    assert subjects == [
        f"【経営改革推進計画】提出期限まであと7日です（{report}）",
        f"【経営改革推進計画】提出期限まであと1日です（{report}）",
        f"【経営改革推進計画】提出期限を1日過ぎています（{report}）",
        f"【経営改革推進計画】提出期限を8日過ぎています（{report}）",
        f"【経営改革推進計画】提出期限を15日過ぎています（{report}）",
    ]
    assert "期限を8日過ぎています" in to(mailoutbox, kodomo)[3].body


def test_a_missed_stage_is_caught_up_once(world, report, mailoutbox):
    run(DUE - datetime.timedelta(days=4))  # the 7-day run did not happen
    run(DUE - datetime.timedelta(days=3))
    assert [m.subject for m in to(mailoutbox, "kodomo@city.example.jp")] == [
        f"【経営改革推進計画】提出期限まであと4日です（{report}）"]


def test_nothing_before_the_first_stage_and_nothing_once_submitted(world, report, people, mailoutbox):
    run(DUE - datetime.timedelta(days=8))
    assert to(mailoutbox, "kodomo@city.example.jp") == []
    note = ProgressNote.objects.get(report=report, measure__number=11)
    note = workflow.save_note(people["kodomo"], note, expected_version=note.version, text="進めました。", results={})
    workflow.submit(people["kodomo"], note)
    run(DUE + datetime.timedelta(days=2))
    assert to(mailoutbox, "kodomo@city.example.jp") == []


def test_opted_out_users_get_nothing(world, report, people, mailoutbox):
    ReminderPreference.objects.create(user=people["kodomo"], receive_reminders=False)
    ReminderPreference.objects.create(user=people["reviewer"], receive_reminders=False)
    ReminderPreference.objects.create(user=people["reviewer2"], receive_reminders=True)
    run(DUE - datetime.timedelta(days=1))
    assert [mail.to for mail in mailoutbox] == [["reviewer2@city.example.jp"]]


def test_every_staff_member_of_the_department_and_no_address_is_reported(world, report, mailoutbox):
    colleague = staff("kodomo2", department("健康こども部", "子育て支援課"))
    output = run(DUE - datetime.timedelta(days=1))
    assert "kodomo2 has no e-mail address" in output
    colleague.email = "kodomo2@city.example.jp"
    colleague.save()
    run(DUE - datetime.timedelta(days=1))
    assert len(to(mailoutbox, "kodomo2@city.example.jp")) == 1
    assert len(to(mailoutbox, "kodomo@city.example.jp")) == 1


def test_reviewers_get_nothing_when_no_note_waits(report, people, mailoutbox):
    for user in people.values():
        user.email = f"{user.username}@city.example.jp"
        user.save()
    run(DUE - datetime.timedelta(days=20))
    assert mailoutbox == []


def test_who_has_not_submitted(world, report):
    found = reminders.not_submitted_by_department(report)
    sections = [item.department.section for item in found]
    assert "職員課" not in sections and "子育て支援課" in sections
    kodomo = next(item for item in found if item.department.section == "子育て支援課")
    assert [n.measure.number for n in kodomo.notes] == [11]
    assert kodomo.contacts == [world["kodomo"]]


def test_a_failed_mail_is_tried_again_next_run(world, report, settings, mailoutbox):
    settings.EMAIL_BACKEND = "tests.reports.test_reminders.RefusingBackend"
    with pytest.raises(CommandError):
        run(DUE - datetime.timedelta(days=1))
    assert not SentReminder.objects.exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run(DUE - datetime.timedelta(days=1))
    assert len(to(mailoutbox, "kodomo@city.example.jp")) == 1


def test_refuses_to_run_without_site_url(settings):
    settings.SITE_URL = ""
    with pytest.raises(CommandError, match="SITE_URL"):
        call_command("send_reminders", stdout=io.StringIO())


def test_users_set_their_own_preference_and_administrators_anyones(client, people):
    url = reverse("admin:reports_reminderpreference_mine")
    client.force_login(people["kodomo"])
    assert "通知の設定" in client.get(reverse("admin:index")).content.decode()
    assert client.get(url).status_code == 200
    assert client.post(url, {}).status_code == 302  # the box unticked: no more reminders
    preference = ReminderPreference.objects.get(user=people["kodomo"])
    assert preference.receive_reminders is False
    assert preference.history.get().history_user == people["kodomo"]
    assert client.get(reverse("admin:reports_reminderpreference_changelist")).status_code == 403
    assert client.get(reverse("admin:reports_reminderpreference_change", args=[preference.pk])).status_code in (403, 404)
    client.force_login(people["admin"])
    assert client.get(reverse("admin:reports_reminderpreference_change", args=[preference.pk])).status_code == 200


class RefusingBackend:
    """An e-mail back-end whose server refuses every message."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        import smtplib
        raise smtplib.SMTPServerDisconnected("connection refused")


def test_rights_on_preferences_and_sent_mails(people):
    from plans import permissions

    own = ReminderPreference.objects.create(user=people["kodomo"])
    other = ReminderPreference.objects.create(user=people["shokuin"])
    assert permissions.can(people["kodomo"], permissions.CHANGE, own)
    assert not permissions.can(people["kodomo"], permissions.CHANGE, other)
    assert not permissions.can(people["kodomo"], permissions.VIEW, ReminderPreference)  # no list of everyone's
    assert not permissions.can(people["reviewer"], permissions.CHANGE, other)
    assert permissions.can(people["admin"], permissions.CHANGE, other)
    assert permissions.can(people["reviewer"], permissions.VIEW, SentReminder)
    assert not permissions.can(people["kodomo"], permissions.VIEW, SentReminder)
    assert not permissions.can(people["admin"], permissions.CHANGE, SentReminder)  # a record: never edited


def test_who_has_not_submitted_takes_a_bounded_number_of_queries(world, report, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        found = reminders.not_submitted_by_department(report)
        names = [(user.email, note.measure.number) for item in found for user in item.contacts for note in item.notes]
    assert ("kodomo@city.example.jp", 11) in names


def test_a_deadline_moved_later_is_reminded_again(world, report, mailoutbox):
    run(DUE - datetime.timedelta(days=1))
    report.due_date = DUE + datetime.timedelta(days=14)
    report.save()
    run(DUE - datetime.timedelta(days=1))  # the same day: 15 days left now, nothing due
    run(DUE + datetime.timedelta(days=7))  # 7 days before the new deadline
    assert [m.subject for m in to(mailoutbox, "kodomo@city.example.jp")] == [
        f"【経営改革推進計画】提出期限まであと1日です（{report}）",
        f"【経営改革推進計画】提出期限まであと7日です（{report}）",
    ]
