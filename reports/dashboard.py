"""Read paths for the admin's start page and the reviewers' dashboard.

Each one a bounded number of queries, whatever the number of measures.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from plans import permissions
from plans.models import MeasureDepartment

from .models import ProgressNote, ProgressReport


def open_reports() -> QuerySet[ProgressReport]:
    """Reports not yet published: the ones staff are entering progress for."""
    return ProgressReport.objects.open().select_related("plan").order_by("as_of")


def notes_with_context(queryset: QuerySet[ProgressNote]) -> QuerySet[ProgressNote]:
    return queryset.select_related(
        "measure", "report__plan", "submitted_by", "reviewed_by", "updated_by"
    ).prefetch_related(
        Prefetch(
            "measure__assignments",
            queryset=MeasureDepartment.objects.select_related("department").order_by("position"),
        )
    ).order_by("report__as_of", "measure__number")


def days_left(report: ProgressReport, today: datetime.date | None = None) -> int | None:
    if report.due_date is None:
        return None
    return (report.due_date - (today or timezone.localdate())).days


@dataclass
class StaffReport:
    """One open report as a staff member sees it: their measures' notes, by what they need."""

    report: ProgressReport
    days_left: int | None
    returned: list[ProgressNote] = field(default_factory=list)
    to_do: list[ProgressNote] = field(default_factory=list)
    waiting: list[ProgressNote] = field(default_factory=list)
    approved: list[ProgressNote] = field(default_factory=list)

    @property
    def done(self) -> list[ProgressNote]:
        return self.waiting + self.approved

    @property
    def is_overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0 and bool(self.returned or self.to_do)


def staff_start(user, today: datetime.date | None = None) -> list[StaffReport]:
    """What is due in each open report for the measures the user's departments are in charge of."""
    r = permissions.roles(user)
    if not (r.is_staff_member or r.is_administrator):
        return []
    notes = permissions.scope(user, ProgressNote.objects.in_open_reports())
    if not r.department_ids:
        return []
    notes = notes_with_context(
        notes.filter(measure__assignments__department_id__in=r.department_ids).distinct()
    )
    by_report: dict[int, StaffReport] = {}
    for note in notes:
        entry = by_report.setdefault(note.report_id, StaffReport(note.report, days_left(note.report, today)))
        {
            ProgressNote.Status.RETURNED: entry.returned,
            ProgressNote.Status.DRAFT: entry.to_do,
            ProgressNote.Status.SUBMITTED: entry.waiting,
            ProgressNote.Status.APPROVED: entry.approved,
        }[note.status].append(note)
    return list(by_report.values())


@dataclass
class ReportOverview:
    report: ProgressReport
    notes: list[ProgressNote]
    counts: Counter
    days_left: int | None

    @property
    def not_submitted(self) -> list[ProgressNote]:
        return [n for n in self.notes if n.status in ProgressNote.NOT_SUBMITTED]

    @property
    def to_review(self) -> list[ProgressNote]:
        return [n for n in self.notes if n.status == ProgressNote.Status.SUBMITTED]

    @property
    def not_approved(self) -> list[ProgressNote]:
        return [n for n in self.notes if n.status != ProgressNote.Status.APPROVED]

    def status_rows(self) -> list[tuple[str, str, int]]:
        return [(value, label, self.counts[value]) for value, label in ProgressNote.Status.choices]


def report_overview(report: ProgressReport, today: datetime.date | None = None) -> ReportOverview:
    """Every measure's note in the report with its state, who submitted and reviewed it, and counts."""
    notes = list(notes_with_context(report.notes.all()))
    return ReportOverview(report, notes, Counter(n.status for n in notes), days_left(report, today))


def reviewer_start() -> list[ReportOverview]:
    return [report_overview(report) for report in open_reports()]


@dataclass
class DraftsToSubmit:
    """The user's draft notes that "submit all" offers: those with a narrative, and those still without."""

    ready: list[ProgressNote]
    unwritten: list[ProgressNote]


def drafts_to_submit(user, report_id: int | None = None) -> DraftsToSubmit:
    """Drafts (作成中) of the measures the user's departments are in charge of, in the open reports
    (or in one of them): what reports.workflow.submit_all is asked to submit after confirmation.

    Returned notes are left out: each is resubmitted on its own page, after reading the reviewer's comment.
    A draft without a narrative cannot be submitted (workflow.submit refuses it): it is listed apart.
    """
    drafts = [
        note
        for item in staff_start(user)
        if report_id is None or item.report.pk == report_id
        for note in item.to_do
    ]
    return DraftsToSubmit(
        ready=[note for note in drafts if note.text.strip()],
        unwritten=[note for note in drafts if not note.text.strip()],
    )
