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
person changed, see EditConflict), writes, bumps the version, and records the
action (reports.models.Action: who, when, which action, what changed) in the
same transaction. What changed in the note's fields comes from
django-simple-history (the new history record diffed against the previous
one); history records and the action share one timestamp. A save that changes
nothing writes nothing: no version, no history record, no action.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.text import same_text
from indicators.models import IndicatorYear
from plans import permissions
from plans.models import Measure

from . import publication
from .changes import EditConflict  # noqa: F401  (raised here; callers catch workflow.EditConflict)
from .changes import NOT_ENTERED, NOTE_FIELDS, explanation_item, result_item, result_text
from .history import changes_since
from .models import Action, ProgressNote, ProgressReport, ResultEntry


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


def _stamp(obj, user, kind: str, at) -> None:
    """Who, why and when for the history record the next save or delete of `obj` writes."""
    obj._history_user = user
    obj._change_reason = Action.Kind(kind).label
    obj._history_date = at


def _unstamp(obj) -> None:
    for name in ("_history_user", "_change_reason", "_history_date"):
        obj.__dict__.pop(name, None)


def _latest_record(note: ProgressNote):
    # By id, not date: the note is locked, so its records are written one after another.
    return note.history.order_by("-history_id").first()


def _field_changes(record, previous) -> dict:
    """The note's fields that differ between two history records, as the action log keeps them."""
    names = [name for name, _ in NOTE_FIELDS]
    if previous is None:  # a note whose history never started (loaded raw): its values are all new
        return {name: {"before": "", "after": getattr(record, name)} for name in names if getattr(record, name)}
    delta = record.diff_against(previous, included_fields=names)
    return {change.field: {"before": change.old or "", "after": change.new or ""} for change in delta.changes}


def _write(note: ProgressNote, user, kind: str, fields: list[str], *, at, results: list[dict] = ()) -> ProgressNote:
    """Save the note's changed fields with a new version, and record the action with what changed."""
    previous = _latest_record(note)
    note.version += 1
    note.updated_by = user
    note.updated_at = at
    _stamp(note, user, kind, at)
    note.full_clean()
    try:
        note.save(update_fields=[*fields, "version", "updated_by", "updated_at"])
    finally:
        _unstamp(note)
    changes = _field_changes(_latest_record(note), previous)
    if results:
        changes["results"] = list(results)
    Action.objects.record(kind, user, note=note, changes=changes, at=at)
    return note


@transaction.atomic
def open_report(user, report: ProgressReport) -> ProgressReport:
    """Create a progress report (unsaved instance in) with a draft note for each of its plan's measures."""
    permissions.require(user, permissions.ADD, ProgressReport)
    if ProgressReport.objects.filter(plan_id=report.plan_id, published_at__isnull=True).exists():
        raise ValidationError("この計画には公表前の進捗状況報告がすでにあります。先に公表してください。")
    at = timezone.now()
    kind = Action.Kind.OPEN_REPORT
    report.published_at = None
    _stamp(report, user, kind, at)
    report.full_clean()
    report.save()
    _unstamp(report)
    measures = list(Measure.objects.filter(plan_id=report.plan_id).order_by("number"))
    for measure in measures:
        note = ProgressNote(report=report, measure=measure, updated_by=user, updated_at=at)
        _stamp(note, user, kind, at)
        note.save()
    Action.objects.record(kind, user, report=report, at=at, changes={"created": {
        "as_of": report.as_of.isoformat(),
        "due_date": report.due_date.isoformat() if report.due_date else None,
        "notes": len(measures),
    }})
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
    at = timezone.now()
    note = ProgressNote(report=report, measure=measure, updated_at=at)
    note._change_reason = Action.Kind.ADD_MEASURE.label
    note._history_date = at
    note.save()
    # By whoever saved the measure: simple-history's request user, as on the note's first record.
    first = note.history.select_related("history_user").order_by("-history_id").first()
    Action.objects.record(Action.Kind.ADD_MEASURE, first.history_user if first else None, note=note, at=at)
    return note


@transaction.atomic
def save_note(
    user, note: ProgressNote, *, expected_version: int | None, text: str, results: Mapping[int, object],
    kind: str = Action.Kind.SAVE, explanations: Mapping[int, str] | None = None,
) -> ProgressNote:
    """Save a note's narrative and its proposed results.

    `results` maps IndicatorYear ids to a Decimal (numeric indicators), a
    MilestoneStage (milestone indicators) or None (no result proposed). Years
    not in `results` are left as they are. Raises EditConflict when the note
    changed since `expected_version`, ValidationError (keyed by "text" or
    "result_<indicator year id>") when a value is refused; nothing is saved then.
    `kind` says where the input came from: Action.Kind.SAVE (the admin's form) or
    Action.Kind.UPLOAD (a result workbook); the action log keeps it. `explanations` maps
    IndicatorYear ids to the staff's explanation of a result (ResultEntry.explanation; years
    not in it keep theirs); plausibility warnings never refuse a value.
    """
    if kind not in Action.AUTHORING:
        raise ValueError(f"a note is saved from a form or an upload, not by {kind!r}")
    report, note = _lock(note)
    at = timezone.now()  # after the lock: actions of a note are in the order they were written
    permissions.require(user, permissions.CHANGE, note)  # first: a conflict would show others' changes
    _check_version(note, expected_version)

    years = {
        year.pk: year
        for year in IndicatorYear.objects.filter(
            indicator__measure_id=note.measure_id, fiscal_year__lte=report.fiscal_year
        ).select_related("indicator")
    }
    existing = {entry.indicator_year_id: entry for entry in note.result_entries.select_related("stage")}
    errors: dict[str, list] = {}
    changed: list[tuple[object, str, str]] = []  # (indicator year, before, after)
    explained: list[dict] = []  # explanations changed (reports.changes.result_item's form)
    for year_id, proposed in results.items():
        year = years.get(int(year_id))
        key = f"result_{year_id}"
        if year is None:
            errors[key] = ["この推進項目・年度の結果は入力できません。"]
            continue
        entry = existing.get(year.pk)
        before = result_text(year.indicator, entry.value, entry.stage) if entry is not None else NOT_ENTERED
        explanation_before = entry.explanation if entry is not None else ""
        explanation = explanation_before if explanations is None else explanations.get(year.pk, explanation_before)
        if proposed is None:
            # No result, nothing to explain: the entry goes with its explanation (its history keeps both).
            if entry is not None:
                _stamp(entry, user, kind, at)
                entry.delete()
                changed.append((year, before, NOT_ENTERED))
                if explanation_before:
                    explained.append(explanation_item(year, explanation_before, ""))
            continue
        value = proposed if isinstance(proposed, Decimal) else None
        stage = None if isinstance(proposed, Decimal) else proposed
        if (entry is not None and entry.value == value and entry.stage_id == getattr(stage, "pk", None)
                and entry.explanation == explanation):
            continue
        if entry is None:
            entry = ResultEntry(progress_note=note, indicator_year=year)
        entry.value, entry.stage, entry.explanation = value, stage, explanation
        try:
            entry.full_clean()
        except ValidationError as error:
            errors[key] = [message for messages in error.message_dict.values() for message in messages]
            continue
        _stamp(entry, user, kind, at)
        entry.save()
        after = result_text(year.indicator, value, stage)
        if after != before:
            changed.append((year, before, after))
        if entry.explanation != explanation_before:
            explained.append(explanation_item(year, explanation_before, entry.explanation))
    if errors:
        raise ValidationError(errors)
    text_changed = not same_text(text, note.text)
    if not (changed or explained or text_changed):
        return note
    if text_changed:  # else the stored text stays as it is, so no field is recorded as changed
        note.text = text
    changed.sort(key=lambda item: (item[0].indicator.slot, item[0].fiscal_year))
    return _write(note, user, kind, ["text"], at=at, results=[result_item(*item) for item in changed] + explained)


@transaction.atomic
def submit(user, note: ProgressNote, *, expected_version: int | None = None) -> ProgressNote:
    """Send a note to the reform office for review."""
    report, note = _lock(note)
    at = timezone.now()  # after the lock: actions of a note are in the order they were written
    permissions.require(user, permissions.SUBMIT, note)  # first: a conflict would show others' changes
    _check_version(note, expected_version)
    if not note.text.strip():
        raise ValidationError({"text": "活動経過・今後の予定を入力してから提出してください。"})
    note.status = ProgressNote.Status.SUBMITTED
    note.submitted_by = user
    note.submitted_at = at
    return _write(note, user, Action.Kind.SUBMIT, ["status", "submitted_by", "submitted_at"], at=at)


class NotSubmitted(ValidationError):
    """submit_all submitted nothing: `refusals` says which notes could not be submitted, and why."""

    def __init__(self, refusals: list[tuple[str, str]]):
        self.refusals = refusals  # (the measure, the reason), in the order the notes were taken
        super().__init__([f"{label}: {reason}" for label, reason in refusals])


@transaction.atomic
def submit_all(user, confirmed: Mapping[int, int | None]) -> list[ProgressNote]:
    """Submit several notes at once, after the user confirmed the list: all of them, or none.

    `confirmed` maps each note's id to the version the user saw on the confirmation page. Each
    note goes through `submit`, so the same rights, checks, history records and action rows apply
    as when it is submitted alone. All or nothing: if any note cannot be submitted (a colleague
    submitted or changed it meanwhile, its text is empty, it is not the user's), nothing is, and
    NotSubmitted names every such note, so the user confirms the list again as it now is.
    Locks are taken in one fixed order, as `submit` takes them: the reports by id, then the notes
    by id, so two bulk submissions, or a bulk and a single one, never wait on each other in a circle.
    """
    ids = sorted({int(pk) for pk in confirmed})
    if not ids:
        raise ValidationError("提出する推進項目がありません。")
    report_ids = sorted(set(ProgressNote.objects.filter(pk__in=ids).values_list("report_id", flat=True)))
    list(ProgressReport.objects.select_for_update().filter(pk__in=report_ids).order_by("pk"))
    notes = list(
        ProgressNote.objects.select_for_update(of=("self",)).select_related("measure").filter(pk__in=ids).order_by("pk")
    )
    expected = {int(pk): version for pk, version in confirmed.items()}
    refusals: list[tuple[str, str]] = [
        (f"ID {pk}", "この推進項目の記述が見つかりません。") for pk in sorted(set(ids) - {n.pk for n in notes})
    ]
    submitted = []
    for note in sorted(notes, key=lambda n: (n.report_id, n.measure.number)):
        try:
            submitted.append(submit(user, note, expected_version=expected[note.pk]))
        except EditConflict as conflict:
            refusals.append((str(note.measure), conflict.message.split("。")[0] + "。内容を確かめてください。"))
        except permissions.NotAllowed as refused:
            refusals.append((str(note.measure), refused.message))
        except ValidationError as refused:
            refusals.append((str(note.measure), " ".join(refused.messages)))
    if refusals:
        raise NotSubmitted(refusals)  # leaving the transaction: every submission above is undone
    return submitted


@transaction.atomic
def return_with_comment(user, note: ProgressNote, comment: str, *, expected_version: int | None = None) -> ProgressNote:
    """Send a submitted (or approved, not yet published) note back to its department, saying why."""
    report, note = _lock(note)
    at = timezone.now()  # after the lock: actions of a note are in the order they were written
    permissions.require(user, permissions.RETURN, note)  # first: a conflict would show others' changes
    _check_version(note, expected_version)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"review_comment": "差し戻す理由を入力してください。担当課に表示されます。"})
    note.status = ProgressNote.Status.RETURNED
    note.review_comment = comment
    note.reviewed_by = user
    note.reviewed_at = at
    return _write(note, user, Action.Kind.RETURN, ["status", "review_comment", "reviewed_by", "reviewed_at"], at=at)


@transaction.atomic
def approve(user, note: ProgressNote, *, expected_version: int | None = None, comment: str = "") -> ProgressNote:
    """Approve a submitted note: it goes public with the next publication of its report.

    Four eyes: nobody approves a note they submitted or whose text or results they
    entered (plans.permissions, reading the note's authors from the action log).
    """
    report, note = _lock(note)
    at = timezone.now()  # after the lock: actions of a note are in the order they were written
    permissions.require(user, permissions.APPROVE, note)  # first: a conflict would show others' changes
    _check_version(note, expected_version)
    note.status = ProgressNote.Status.APPROVED
    note.reviewed_by = user
    note.reviewed_at = at
    fields = ["status", "reviewed_by", "reviewed_at"]
    if comment.strip():
        note.review_comment = comment.strip()
        fields.append("review_comment")
    return _write(note, user, Action.Kind.APPROVE, fields, at=at)


@transaction.atomic
def publish(user, report: ProgressReport, *, unapproved: str | None = None) -> ProgressReport:
    """Publish a report (see reports.publication.publish_report, which records the action), if the user may.

    `unapproved`: what happens to measures not approved (ProgressReport.Unapproved); the admin always
    passes what the person chose, and publication refuses an empty choice when there are any."""
    report = ProgressReport.objects.select_for_update().get(pk=report.pk)
    permissions.require(user, permissions.PUBLISH, report)
    return publication.publish_report(report, user=user, unapproved=unapproved)
