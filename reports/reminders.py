"""Who has not submitted, and the reminder e-mails about it (`manage.py send_reminders`, run daily).

- Staff of each department with notes not yet submitted (作成中・差戻し) in an open report get one
  mail per report a few days before its deadline (settings.REMINDER_DAYS_BEFORE_DUE, e.g. 7 and 1
  days before: one mail at each) and, once it is overdue, one every REMINDER_OVERDUE_EVERY_DAYS days.
  A department whose notes are all submitted gets nothing.
- The reform office's reviewers get one mail a day per report while notes wait for review.

Every mail sent is recorded (SentReminder, unique per user, report, kind and stage), so running the
command twice, or a day missed and caught up, never sends the same reminder twice. A stage that was
missed (the command did not run, the report was opened late) is sent at the next run, and only the
latest stage is: nobody gets the 7-day and the 1-day reminder on one morning. Users who turned
reminders off (ReminderPreference) and users without an e-mail address get nothing.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from plans import permissions
from plans.models import Department, MeasureDepartment

from .dashboard import days_left
from .history import person_name
from .models import ProgressNote, ProgressReport, ReminderPreference, SentReminder

logger = logging.getLogger(__name__)

SUBJECT_PREFIX = "【経営改革推進計画】"


# --- the one selector of "who has not submitted" --------------------------------------------------


@dataclass
class OutstandingDepartment:
    """A department in charge of notes not yet submitted in a report, and the staff to ask for them."""

    department: Department
    notes: list[ProgressNote] = field(default_factory=list)  # in measure order
    contacts: list = field(default_factory=list)  # users: staff members of the department


def not_submitted_by_department(report: ProgressReport) -> list[OutstandingDepartment]:
    """Departments with notes not yet submitted (ProgressNote.NOT_SUBMITTED) in the report, in the city's
    order, each with those notes and its staff. A measure shared by several departments counts for each.
    A bounded number of queries, whatever the number of measures."""
    notes = (
        ProgressNote.objects.filter(report=report, status__in=ProgressNote.NOT_SUBMITTED)
        .select_related("measure", "report__plan")
        .prefetch_related(Prefetch(
            "measure__assignments", queryset=MeasureDepartment.objects.select_related("department").order_by("position"),
        ))
        .order_by("measure__number")
    )
    found: dict[int, OutstandingDepartment] = {}
    for note in notes:
        for assignment in note.measure.assignments.all():
            found.setdefault(assignment.department_id, OutstandingDepartment(assignment.department)).notes.append(note)
    contacts = permissions.department_staff(found)
    for department_id, outstanding in found.items():
        outstanding.contacts = contacts.get(department_id, [])
    return sorted(found.values(), key=lambda item: item.department.city_order)


# --- which reminders are due ------------------------------------------------------------------------


@dataclass
class Reminder:
    user: object
    report: ProgressReport
    kind: str
    stage: str
    subject: str
    body: str
    measures: list[int]


def staff_stage(left: int | None) -> tuple[str, str] | None:
    """(kind, stage) of the staff reminder due with `left` days to the deadline, or None."""
    if left is None:
        return None
    if left < 0:
        week = (-left - 1) // settings.REMINDER_OVERDUE_EVERY_DAYS + 1
        return SentReminder.Kind.OVERDUE, str(week)
    stages = [days for days in settings.REMINDER_DAYS_BEFORE_DUE if left <= days]
    return (SentReminder.Kind.DUE_SOON, str(min(stages))) if stages else None


def _url(name: str, *args) -> str:
    return settings.SITE_URL + reverse(name, args=args)


def _staff_reminders(report: ProgressReport, today: datetime.date) -> list[Reminder]:
    left = days_left(report, today)
    stage = staff_stage(left)
    if stage is None:
        return []
    kind, stage_name = stage
    stage_name = f"{stage_name}@{report.due_date.isoformat()}"  # a deadline moved is a new one: its reminders again
    notes_of: dict[int, tuple[object, dict[int, ProgressNote]]] = {}
    for outstanding in not_submitted_by_department(report):
        for user in outstanding.contacts:
            notes_of.setdefault(user.pk, (user, {}))[1].update({note.pk: note for note in outstanding.notes})
    reminders = []
    for user, notes in notes_of.values():
        notes = sorted(notes.values(), key=lambda note: note.measure.number)
        if kind == SentReminder.Kind.OVERDUE:
            subject = f"{SUBJECT_PREFIX}提出期限を{-left}日過ぎています（{report}）"
        elif left == 0:
            subject = f"{SUBJECT_PREFIX}本日が提出期限です（{report}）"
        else:
            subject = f"{SUBJECT_PREFIX}提出期限まであと{left}日です（{report}）"
        body = render_to_string("reports/email/reminder_staff.txt", {
            "name": person_name(user), "report": report, "left": left, "overdue": -left if left < 0 else 0,
            "notes": [(note, _url("admin:reports_progressnote_change", note.pk)) for note in notes],
            "start_url": _url("admin:index"), "settings_url": _url("admin:reports_reminderpreference_mine"),
        })
        reminders.append(Reminder(user, report, kind, stage_name, subject, body, [n.measure.number for n in notes]))
    return reminders


def _review_reminders(report: ProgressReport, today: datetime.date) -> list[Reminder]:
    waiting = list(
        report.notes.filter(status=ProgressNote.Status.SUBMITTED).select_related("measure", "submitted_by")
        .order_by("measure__number")
    )
    if not waiting:
        return []
    reminders = []
    for user in permissions.reform_office():
        body = render_to_string("reports/email/reminder_review.txt", {
            "name": person_name(user), "report": report,
            "notes": [(note, person_name(note.submitted_by) if note.submitted_by else "") for note in waiting],
            "dashboard_url": _url("admin:reports_progressreport_dashboard", report.pk),
            "settings_url": _url("admin:reports_reminderpreference_mine"),
        })
        subject = f"{SUBJECT_PREFIX}審査を待っている記述が{len(waiting)}件あります（{report}）"
        reminders.append(Reminder(user, report, SentReminder.Kind.REVIEW, today.isoformat(), subject, body,
                                  [note.measure.number for note in waiting]))
    return reminders


@dataclass
class Due:
    """What a run would send, and to whom it cannot."""

    to_send: list[Reminder] = field(default_factory=list)
    no_address: list[Reminder] = field(default_factory=list)


def reminders_due(today: datetime.date | None = None) -> Due:
    """The reminders due today that were not sent yet, to users who want them."""
    today = today or timezone.localdate()
    candidates: list[Reminder] = []
    for report in ProgressReport.objects.open().select_related("plan").order_by("as_of", "pk"):
        candidates += _staff_reminders(report, today) + _review_reminders(report, today)
    users = {reminder.user.pk for reminder in candidates}
    opted_out = set(ReminderPreference.objects.filter(user_id__in=users, receive_reminders=False)
                    .values_list("user_id", flat=True))
    sent = set(SentReminder.objects.filter(user_id__in=users, report__in={r.report.pk for r in candidates})
               .values_list("user_id", "report_id", "kind", "stage"))
    plan = Due()
    for reminder in candidates:
        if reminder.user.pk in opted_out or (reminder.user.pk, reminder.report.pk, reminder.kind, reminder.stage) in sent:
            continue
        (plan.to_send if reminder.user.email else plan.no_address).append(reminder)
    return plan


@dataclass
class Outcome:
    sent: list[Reminder] = field(default_factory=list)
    failed: list[tuple[Reminder, str]] = field(default_factory=list)
    no_address: list[Reminder] = field(default_factory=list)


def send_reminders(today: datetime.date | None = None) -> Outcome:
    """Send every reminder due today, each at most once (recorded in the same transaction as it is sent:
    a mail the server refused is not recorded, so the next run tries it again)."""
    plan = reminders_due(today)
    outcome = Outcome(no_address=plan.no_address)
    for reminder in plan.to_send:
        try:
            with transaction.atomic():
                _, created = SentReminder.objects.get_or_create(
                    user=reminder.user, report=reminder.report, kind=reminder.kind, stage=reminder.stage,
                    defaults={"email": reminder.user.email, "measures": reminder.measures},
                )
                if not created:  # another run sent it meanwhile
                    continue
                EmailMessage(reminder.subject, reminder.body, settings.DEFAULT_FROM_EMAIL, [reminder.user.email]).send()
        except (OSError, smtplib.SMTPException) as error:
            logger.warning("Reminder to %s not sent: %s", reminder.user.email, error)
            outcome.failed.append((reminder, str(error)))
            continue
        outcome.sent.append(reminder)
    return outcome
