"""The progress workflow: every change to a progress note goes through one function here.

    draft ──submit──▶ submitted ──approve──▶ approved ──(publish the report)──▶ public
      ▲                  │  ▲                    │
      │              return  └──── submit ───┐   │ return (reopen before publication)
      │                  ▼                   │   ▼
      └──────────── returned ◀───────────────┴─ returned

Each function is atomic: it locks the report and then the note (SELECT … FOR
UPDATE on PostgreSQL; SQLite serialises writes anyway), checks the user's
rights through plans.permissions on the locked, fresh rows, checks the version
the user saw (optimistic locking: a stale save is refused with what the other
person changed, see EditConflict), writes, bumps the version and records who
and why in the history.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from indicators.models import IndicatorYear
from plans import permissions
from plans.models import Measure

from . import publication
from .changes import EditConflict  # noqa: F401  (raised here; callers catch workflow.EditConflict)
from .history import changes_since
from .models import ProgressNote, ProgressReport, ResultEntry


def _lock(note: ProgressNote) -> tuple[ProgressReport, ProgressNote]:
    """Lock the report, then the note (always in that order), and return them fresh."""
    report = ProgressReport.objects.select_for_update().get(pk=note.report_id)
    locked = (
        ProgressNote.objects.select_for_update(of=("self",))
        .select_related("report", "measure")
        .get(pk=note.pk)
    )
    locked.report = report
    return report, locked


def _check_version(note: ProgressNote, expected_version: int | None) -> None:
    if expected_version is None or int(expected_version) == note.version:
        return
    raise changes_since(note, int(expected_version))


def _write(note: ProgressNote, user, reason: str, fields: list[str]) -> ProgressNote:
    note.version += 1
    note.updated_by = user
    note.updated_at = timezone.now()
    note._history_user = user
    note._change_reason = reason
    note.full_clean()
    note.save(update_fields=[*fields, "version", "updated_by", "updated_at"])
    return note


@transaction.atomic
def open_report(user, report: ProgressReport) -> ProgressReport:
    """Create a progress report (unsaved instance in) with a draft note for each of its plan's measures."""
    permissions.require(user, permissions.ADD, ProgressReport)
    if ProgressReport.objects.filter(plan_id=report.plan_id, published_at__isnull=True).exists():
        raise ValidationError("この計画には公表前の進捗状況報告がすでにあります。先に公表してください。")
    report.published_at = None
    report._history_user = user
    report._change_reason = "作成"
    report.full_clean()
    report.save()
    for measure in Measure.objects.filter(plan_id=report.plan_id).order_by("number"):
        note = ProgressNote(report=report, measure=measure, updated_by=user, updated_at=timezone.now())
        note._history_user = user
        note._change_reason = "作成"
        note.save()
    return report


@transaction.atomic
def add_measure_to_open_report(measure: Measure) -> ProgressNote | None:
    """A measure opened while its plan has an open report gets a draft note in that report, as if it
    had been there when the report was opened, so its department can report on it like any other.

    Called for every new measure (reports.receivers, on Measure's post_save: the admin and any other
    model save). A published report is frozen and gets nothing: the measure is simply not part of it.
    Returns the note made, or None.
    """
    report = ProgressReport.objects.open().select_for_update().filter(plan_id=measure.plan_id).first()
    if report is None or report.notes.filter(measure=measure).exists():
        return None
    note = ProgressNote(report=report, measure=measure, updated_at=timezone.now())
    note._change_reason = "推進項目の追加"
    note.save()
    return note


@transaction.atomic
def save_note(
    user, note: ProgressNote, *, expected_version: int | None, text: str, results: Mapping[int, object]
) -> ProgressNote:
    """Save a note's narrative and its proposed results.

    `results` maps IndicatorYear ids to a Decimal (numeric indicators), a
    MilestoneStage (milestone indicators) or None (no result proposed). Years
    not in `results` are left as they are. Raises EditConflict when the note
    changed since `expected_version`, ValidationError (keyed by "text" or
    "result_<indicator year id>") when a value is refused; nothing is saved then.
    """
    report, note = _lock(note)
    permissions.require(user, permissions.CHANGE, note)  # first: a conflict would show others' changes
    _check_version(note, expected_version)

    years = {
        year.pk: year
        for year in IndicatorYear.objects.filter(
            indicator__measure_id=note.measure_id, fiscal_year__lte=report.fiscal_year
        ).select_related("indicator")
    }
    existing = {entry.indicator_year_id: entry for entry in note.result_entries.all()}
    errors: dict[str, list] = {}
    changed = False
    for year_id, proposed in results.items():
        year = years.get(int(year_id))
        key = f"result_{year_id}"
        if year is None:
            errors[key] = ["この推進項目・年度の結果は入力できません。"]
            continue
        entry = existing.get(year.pk)
        if proposed is None:
            if entry is not None:
                entry._history_user = user
                entry._change_reason = "取消し"
                entry.delete()
                changed = True
            continue
        value = proposed if isinstance(proposed, Decimal) else None
        stage = None if isinstance(proposed, Decimal) else proposed
        if entry is not None and entry.value == value and entry.stage_id == getattr(stage, "pk", None):
            continue
        if entry is None:
            entry = ResultEntry(progress_note=note, indicator_year=year)
        entry.value, entry.stage = value, stage
        try:
            entry.full_clean()
        except ValidationError as error:
            errors[key] = [message for messages in error.message_dict.values() for message in messages]
            continue
        entry._history_user = user
        entry._change_reason = "保存"
        entry.save()
        changed = True
    if errors:
        raise ValidationError(errors)
    if text != note.text:
        note.text = text
        changed = True
    if not changed:
        return note
    return _write(note, user, "保存", ["text"])


@transaction.atomic
def submit(user, note: ProgressNote, *, expected_version: int | None = None) -> ProgressNote:
    """Send a note to the reform office for review."""
    report, note = _lock(note)
    permissions.require(user, permissions.SUBMIT, note)  # first: a conflict would show others' changes
    _check_version(note, expected_version)
    if not note.text.strip():
        raise ValidationError({"text": "活動経過・今後の予定を入力してから提出してください。"})
    note.status = ProgressNote.Status.SUBMITTED
    note.submitted_by = user
    note.submitted_at = timezone.now()
    return _write(note, user, "提出", ["status", "submitted_by", "submitted_at"])


@transaction.atomic
def return_with_comment(user, note: ProgressNote, comment: str, *, expected_version: int | None = None) -> ProgressNote:
    """Send a submitted (or approved, not yet published) note back to its department, saying why."""
    report, note = _lock(note)
    permissions.require(user, permissions.RETURN, note)  # first: a conflict would show others' changes
    _check_version(note, expected_version)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"review_comment": "差し戻す理由を入力してください。担当課に表示されます。"})
    note.status = ProgressNote.Status.RETURNED
    note.review_comment = comment
    note.reviewed_by = user
    note.reviewed_at = timezone.now()
    return _write(note, user, "差戻し", ["status", "review_comment", "reviewed_by", "reviewed_at"])


@transaction.atomic
def approve(user, note: ProgressNote, *, expected_version: int | None = None, comment: str = "") -> ProgressNote:
    """Approve a submitted note: it goes public with the next publication of its report."""
    report, note = _lock(note)
    permissions.require(user, permissions.APPROVE, note)  # first: a conflict would show others' changes
    _check_version(note, expected_version)
    note.status = ProgressNote.Status.APPROVED
    note.reviewed_by = user
    note.reviewed_at = timezone.now()
    fields = ["status", "reviewed_by", "reviewed_at"]
    if comment.strip():
        note.review_comment = comment.strip()
        fields.append("review_comment")
    return _write(note, user, "承認", fields)


@transaction.atomic
def publish(user, report: ProgressReport) -> ProgressReport:
    """Publish a report (see reports.publication.publish_report), if the user may."""
    report = ProgressReport.objects.select_for_update().get(pk=report.pk)
    permissions.require(user, permissions.PUBLISH, report)
    return publication.publish_report(report, user=user)
