"""Reading the history django-simple-history keeps: who changed what, when, before and after.

- changes_since(note, version): what others changed in a note since a version (for edit conflicts);
- note_timeline(note): a note's whole history, its proposed results included, for reviewers;
- measure_last_updated(measure) and last_updated_by_measure(plan): when a measure's public
  content last changed, for the public pages.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from itertools import chain

from django.db.models import Max, Q

from indicators import presentation
from indicators.models import Indicator, IndicatorYear, MilestoneStage
from plans.models import Measure, MeasureDepartment, Plan

from .changes import Change, EditConflict
from .models import ProgressNote, ResultEntry

NOTE_FIELDS = (("text", "活動経過・今後の予定"), ("status", "状態"), ("review_comment", "審査コメント"))


def person_name(user) -> str:
    """A user as Japanese write names, family name first (佐藤 花子), else the user name."""
    if user is None:
        return "（不明）"
    full = f"{user.last_name} {user.first_name}".strip()
    return full or user.get_username()


_user_name = person_name


def _status_label(value: str) -> str:
    return ProgressNote.Status(value).label if value in ProgressNote.Status.values else value


def _note_field_value(record_or_note, name: str) -> str:
    value = getattr(record_or_note, name)
    return _status_label(value) if name == "status" else (value or "")


def _entry_value(entry) -> str:
    if entry is None:
        return "（未入力）"
    indicator = entry.indicator_year.indicator
    return presentation.result_text(indicator, entry.value, entry.stage) or "（未入力）"


def _entries_as_of(note_id: int, when: datetime.datetime) -> dict[int, object]:
    """The note's result entries as they stood at a moment, keyed by indicator year id."""
    records = (
        ResultEntry.history.filter(progress_note_id=note_id, history_date__lte=when)
        .select_related("indicator_year__indicator", "stage")
        .order_by("id", "-history_date", "-history_id")
    )
    latest: dict[int, object] = {}
    for record in records:
        latest.setdefault(record.id, record)
    return {r.indicator_year_id: r for r in latest.values() if r.history_type != "-"}


def changes_since(note: ProgressNote, version: int):
    """An EditConflict saying who changed the note since `version`, when, and what (before → after)."""
    later = list(note.history.filter(version__gt=version).select_related("history_user").order_by("history_date"))
    names = list(dict.fromkeys(_user_name(r.history_user) for r in later))
    changed_at = later[-1].history_date if later else None
    base = note.history.filter(version=version).order_by("-history_date", "-history_id").first()
    if base is None:
        return EditConflict(names, changed_at, [])
    changes = [
        Change(label, _note_field_value(base, name), _note_field_value(note, name))
        for name, label in NOTE_FIELDS
        if _note_field_value(base, name) != _note_field_value(note, name)
    ]
    before = _entries_as_of(note.pk, base.history_date)
    after = {e.indicator_year_id: e for e in note.result_entries.select_related("indicator_year__indicator", "stage")}
    for year_id in sorted(set(before) | set(after)):
        old, new = before.get(year_id), after.get(year_id)
        old_text, new_text = _entry_value(old), _entry_value(new)
        if old_text != new_text:
            year = (new or old).indicator_year
            label = presentation.result_label(year.indicator, year.fiscal_year)
            changes.append(Change(label, old_text, new_text))
    return EditConflict(names, changed_at, changes)


@dataclass
class TimelineEntry:
    """One saved change: who, when, why (保存・提出・差戻し・承認…), and what changed."""

    when: datetime.datetime
    who: str
    reason: str
    changes: list = field(default_factory=list)


def note_timeline(note: ProgressNote) -> list[TimelineEntry]:
    """The note's history, newest first: each save with its changes to the text, state and results."""
    note_records = list(note.history.select_related("history_user").order_by("history_date", "history_id"))
    entry_records = list(
        ResultEntry.history.filter(progress_note_id=note.pk)
        .select_related("history_user", "indicator_year__indicator", "stage")
        .order_by("history_date", "history_id")
    )
    timeline: list[TimelineEntry] = []
    pending: list = []  # result changes waiting for the note save that closes them (save_note writes them first)
    previous_note = None
    previous_entry: dict[int, object] = {}

    def flush_pending():
        for record, change in pending:
            timeline.append(TimelineEntry(record.history_date, _user_name(record.history_user), "保存", [change]))
        pending.clear()

    for record in sorted(chain(note_records, entry_records), key=lambda r: (r.history_date, r.history_id)):
        if isinstance(record, note.history.model):
            if previous_note is None:
                changes = []
            else:
                changes = [
                    Change(label, _note_field_value(previous_note, name), _note_field_value(record, name))
                    for name, label in NOTE_FIELDS
                    if _note_field_value(previous_note, name) != _note_field_value(record, name)
                ]
            previous_note = record
            who = _user_name(record.history_user)
            same_save = [
                change for entry, change in pending
                if entry.history_user_id == record.history_user_id
                and (record.history_date - entry.history_date).total_seconds() < 5
            ]
            if len(same_save) == len(pending):
                pending.clear()
            else:
                flush_pending()
                same_save = []
            reason = record.history_change_reason or {"+": "作成", "~": "変更", "-": "削除"}[record.history_type]
            timeline.append(TimelineEntry(record.history_date, who, reason, same_save + changes))
        else:
            old = previous_entry.get(record.id)
            new = None if record.history_type == "-" else record
            previous_entry[record.id] = new
            year = record.indicator_year
            label = presentation.result_label(year.indicator, year.fiscal_year)
            pending.append((record, Change(label, _entry_value(old), _entry_value(new))))
    flush_pending()
    return list(reversed(timeline))


def last_updated_by_measure(plan: Plan, measure: Measure | None = None) -> dict[int, datetime.datetime]:
    """When each measure's public content last changed, keyed by measure id.

    Public content: the measure's texts and departments, its indicators, stages,
    targets and official results, and its narrative in a published report (the
    publication date counts). Drafts and reviews do not: citizens never see them.
    A record of an object's creation counts only when nothing later does, so a
    plan loaded from the seed shows its report's publication date, not the day
    it was loaded. Six queries whatever the plan's size (pass `measure` for one measure).
    """
    changed: dict[int, datetime.datetime] = {}
    created: dict[int, datetime.datetime] = {}

    def take(rows, into):
        for measure_id, when in rows:
            if when and (measure_id not in into or when > into[measure_id]):
                into[measure_id] = when

    def of(history, plan_field, measure_field):
        rows = history.filter(**{plan_field: plan.pk})
        return rows.filter(**{measure_field: measure.pk}) if measure is not None else rows

    sources = (
        (of(Measure.history, "plan_id", "id"), "id"),
        (of(MeasureDepartment.history, "measure__plan_id", "measure_id"), "measure_id"),
        (of(Indicator.history, "measure__plan_id", "measure_id"), "measure_id"),
        (of(MilestoneStage.history, "indicator__measure__plan_id", "indicator__measure_id"), "indicator__measure_id"),
        (of(IndicatorYear.history, "indicator__measure__plan_id", "indicator__measure_id"), "indicator__measure_id"),
    )
    for history, measure_field in sources:
        rows = list(history.values(measure_field).annotate(
            changed=Max("history_date", filter=~Q(history_type="+")),
            created=Max("history_date", filter=Q(history_type="+")),
        ).values_list(measure_field, "changed", "created"))
        take(((m, at) for m, at, _ in rows), changed)
        take(((m, at) for m, _, at in rows), created)
    published = (
        of(ProgressNote.objects, "measure__plan_id", "measure_id")
        .filter(status=ProgressNote.Status.APPROVED, report__published_at__isnull=False)
        .values("measure_id")
        .annotate(at=Max("report__published_at"))
        .values_list("measure_id", "at")
    )
    take(published, changed)
    measure_ids = set(changed) | set(created)
    if measure is None:  # deleted measures' history rows name ids that no longer exist
        measure_ids &= set(Measure.objects.filter(plan=plan).values_list("pk", flat=True))
    return {measure_id: changed.get(measure_id) or created.get(measure_id) for measure_id in measure_ids
            if changed.get(measure_id) or created.get(measure_id)}


def measure_last_updated(measure: Measure) -> datetime.datetime | None:
    """When the measure's public content last changed (see last_updated_by_measure); None if never recorded."""
    return last_updated_by_measure(measure.plan, measure).get(measure.pk)
