"""Who changed what, when, before and after: read from the action log, and the history of public content.

- changes_since(note, version): what others changed in a note since a version (for edit conflicts);
- changes_since_return(note): what the department changed since the reform office returned it (for reviewers);
- note_timeline(note): a note's whole history, its proposed results included, for reviewers;
- measure_last_updated(measure): when a measure's public content last changed, for the public
  pages (from django-simple-history's records).

The first two read reports.models.Action, the one row each workflow action writes with what
it changed: nothing is guessed from history records written close together.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from itertools import chain

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.textdiff import inline_diff

from indicators import presentation
from indicators.models import Indicator, IndicatorYear, MilestoneStage
from plans.models import Measure, MeasureDepartment

from .changes import NOT_ENTERED, NOTE_FIELDS, Change, EditConflict, result_text
from .models import Action, ProgressNote, ProgressReport, ResultEntry


def person_name(user) -> str:
    """A user as Japanese write names, family name first (佐藤 花子), else the user name."""
    if user is None:
        return "（不明）"
    full = f"{user.last_name} {user.first_name}".strip()
    return full or user.get_username()


def _status_label(value: str) -> str:
    return ProgressNote.Status(value).label if value in ProgressNote.Status.values else value


def _field_text(name: str, value) -> str:
    return _status_label(value) if name == "status" else (value or "")


def _field_changes(changes: dict) -> list[Change]:
    """The note's fields an action changed, in the page's order."""
    return [
        Change(label, _field_text(name, changes[name]["before"]), _field_text(name, changes[name]["after"]))
        for name, label in NOTE_FIELDS
        if name in changes
    ]


def _result_changes(changes: dict, measure_id: int) -> list[Change]:
    """The results an action changed; of a whole report's (publishing), only the measure's own."""
    return [
        Change(item["label"], item["before"], item["after"])
        for item in changes.get("results", ())
        if item.get("measure_id", measure_id) == measure_id
    ]


def _net_changes(actions) -> tuple[dict[str, list], list[Change]]:
    """What `actions` (in order) changed, each from its value before the first to its value after the
    last: the note's fields by name ([before, after], stored values) and the results (one changed and
    changed back left out), in the page's order."""
    fields: dict[str, list] = {}  # name -> [value before, value now]
    results: dict[tuple, list] = {}  # (indicator year id, field) -> [label, value before, value now]
    for action in actions:
        for name, _ in NOTE_FIELDS:
            if name in action.changes:
                change = action.changes[name]
                fields.setdefault(name, [change["before"], None])[1] = change["after"]
        for item in action.changes.get("results", ()):
            # A result and its explanation (field "explanation") are two changes of one indicator year.
            key = (item["indicator_year"], item.get("field", ""))
            seen = results.setdefault(key, [item["label"], item["before"], None])
            seen[0], seen[2] = item["label"], item["after"]
    return fields, [
        Change(label, before, after) for _, (label, before, after) in sorted(results.items()) if before != after
    ]


def changes_since(note: ProgressNote, version: int) -> EditConflict:
    """An EditConflict saying who changed the note since `version`, when, and what (before → after).

    Read from the note's actions written after that version: each field and result is
    shown from its value at `version` to its value now; one changed and changed back is left out.
    """
    actions = list(
        Action.objects.filter(note=note, note_version__gt=version).select_related("user").order_by("at", "id")
    )
    names = list(dict.fromkeys(person_name(action.user) for action in actions))
    changed_at = actions[-1].at if actions else None
    fields, results = _net_changes(actions)
    changes = [
        Change(label, _field_text(name, fields[name][0]), _field_text(name, fields[name][1]))
        for name, label in NOTE_FIELDS
        if name in fields and _field_text(name, fields[name][0]) != _field_text(name, fields[name][1])
    ]
    return EditConflict(names, changed_at, changes + results)


@dataclass
class SinceReturn:
    """What a department changed in a note since the reform office last returned it."""

    returned_at: datetime.datetime
    returned_by: str
    comment: str  # the comment it was returned with
    text_before: str  # the narrative as it was returned
    text_after: str  # the narrative now
    results: list[Change]  # results changed since, before → after (one changed and changed back left out)

    @property
    def text_changed(self) -> bool:
        return self.text_before != self.text_after

    @property
    def text_diff(self):
        """The narrative now, with what changed since the return marked (<del>/<ins>, escaped)."""
        return inline_diff(self.text_before, self.text_after)

    @property
    def has_changes(self) -> bool:
        return self.text_changed or bool(self.results)


def changes_since_return(note: ProgressNote) -> SinceReturn | None:
    """For a note submitted again after being returned: what changed since the return, read from
    the action log (the return's version, then every action after it: changes_since), never guessed
    from dates. None when the note was never returned or is not waiting for review."""
    if note.status != ProgressNote.Status.SUBMITTED:
        return None
    returned = (
        Action.objects.filter(note=note, kind=Action.Kind.RETURN).select_related("user").order_by("-at", "-id").first()
    )
    if returned is None or returned.note_version is None:
        return None
    fields, results = _net_changes(
        Action.objects.filter(note=note, note_version__gt=returned.note_version).order_by("at", "id")
    )
    before, after = fields.get("text", [note.text, note.text])
    return SinceReturn(
        returned_at=returned.at,
        returned_by=person_name(returned.user),
        comment=returned.changes.get("review_comment", {}).get("after") or note.review_comment,
        text_before=before or "",
        text_after=after or "",
        results=results,
    )


@dataclass
class TimelineEntry:
    """One action: who, when, which (作成・保存・提出・差戻し・承認・公表…), and what changed."""

    when: datetime.datetime
    who: str
    reason: str
    changes: list = field(default_factory=list)


def note_timeline(note: ProgressNote) -> list[TimelineEntry]:
    """The note's history, newest first: each action with its changes to the results, text and state.

    Read from the action log: the note's own actions, and its report's opening (unless the
    note came later, with its measure) and publication. Notes older than the log (the seed plan's, or a database from before it)
    still show their history: django-simple-history's records dated before the note's first
    action are read as they are, one entry per record (a result's change apart from the
    note's), since nothing says which of them one save wrote together.
    """
    actions = list(Action.objects.of_note(note).select_related("user").order_by("at", "id"))
    if any(action.kind == Action.Kind.ADD_MEASURE for action in actions):  # made after its report was opened
        actions = [action for action in actions if action.kind != Action.Kind.OPEN_REPORT]
    timeline = _timeline_before_the_log(note, actions[0].at if actions else None)
    timeline += [
        TimelineEntry(action.at, person_name(action.user), action.get_kind_display(),
                      _result_changes(action.changes, note.measure_id) + _field_changes(action.changes))
        for action in actions
    ]
    return list(reversed(timeline))


def _entry_value(record) -> str:
    if record is None:
        return NOT_ENTERED
    return result_text(record.indicator_year.indicator, record.value, record.stage)


def _timeline_before_the_log(note: ProgressNote, until: datetime.datetime | None) -> list[TimelineEntry]:
    """The note's history records dated before `until` (all when None), oldest first, one entry each."""
    note_records = note.history.select_related("history_user")
    entry_records = ResultEntry.history.filter(progress_note_id=note.pk).select_related(
        "history_user", "indicator_year__indicator", "stage")
    if until is not None:
        note_records = note_records.filter(history_date__lt=until)
        entry_records = entry_records.filter(history_date__lt=until)
    names = [name for name, _ in NOTE_FIELDS]
    timeline: list[TimelineEntry] = []
    previous_note = None
    previous_entry: dict[int, object] = {}
    records = sorted(chain(note_records, entry_records), key=lambda r: (r.history_date, r.history_id))
    for record in records:
        who = person_name(record.history_user)
        if isinstance(record, note.history.model):
            changes = []
            if previous_note is not None:
                delta = {c.field: c for c in record.diff_against(previous_note, included_fields=names).changes}
                changes = [Change(label, _field_text(name, delta[name].old), _field_text(name, delta[name].new))
                           for name, label in NOTE_FIELDS if name in delta]
            previous_note = record
            reason = record.history_change_reason or {"+": "作成", "~": "変更", "-": "削除"}[record.history_type]
            timeline.append(TimelineEntry(record.history_date, who, reason, changes))
        else:
            old = previous_entry.get(record.id)
            new = None if record.history_type == "-" else record
            previous_entry[record.id] = new
            year = record.indicator_year
            label = presentation.result_label(year.indicator, year.fiscal_year)
            timeline.append(TimelineEntry(record.history_date, who, record.history_change_reason or "保存",
                                          [Change(label, _entry_value(old), _entry_value(new))]))
    return timeline


def _last_public_change_sql() -> str:
    """One statement for measure_last_updated: a row (changed, created) per source of public content.

    Written as SQL rather than as six ORM queries: building and compiling those cost a measure
    page more than everything else it reads. Table names come from the models."""
    def table(model):
        return connection.ops.quote_name(model._meta.db_table)

    times = ("MAX(CASE WHEN h.history_type <> '+' THEN h.history_date END), "
             "MAX(CASE WHEN h.history_type = '+' THEN h.history_date END)")
    by_indicator = f"JOIN {table(Indicator)} i ON i.id = h.indicator_id WHERE i.measure_id = %s"
    return " UNION ALL ".join((
        f"SELECT {times} FROM {table(Measure.history.model)} h WHERE h.id = %s",
        f"SELECT {times} FROM {table(MeasureDepartment.history.model)} h WHERE h.measure_id = %s",
        f"SELECT {times} FROM {table(Indicator.history.model)} h WHERE h.measure_id = %s",
        f"SELECT {times} FROM {table(MilestoneStage.history.model)} h {by_indicator}",
        f"SELECT {times} FROM {table(IndicatorYear.history.model)} h {by_indicator}",
        f"SELECT MAX(r.published_at), NULL FROM {table(ProgressNote)} n JOIN {table(ProgressReport)} r"
        " ON r.id = n.report_id WHERE n.measure_id = %s AND n.status = %s AND r.published_at IS NOT NULL",
    ))


def _as_datetime(value) -> datetime.datetime | None:
    """A MAX() of a date-time column read without the ORM: SQLite gives text in UTC."""
    if isinstance(value, str):
        value = parse_datetime(value)
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value, datetime.timezone.utc)
    return value


def measure_last_updated(measure: Measure) -> datetime.datetime | None:
    """When the measure's public content last changed; None if never recorded.

    Public content: the measure's texts and departments, its indicators, stages,
    targets and official results (their django-simple-history records), and its narrative
    in a published report (the publication date counts). Drafts and reviews do not: citizens
    never see them. A record of an object's creation counts only when nothing later does, so a
    plan loaded from the seed shows its report's publication date, not the day it was loaded.
    One query.
    """
    with connection.cursor() as cursor:
        cursor.execute(_last_public_change_sql(), [measure.pk] * 6 + [ProgressNote.Status.APPROVED.value])
        rows = [(_as_datetime(changed), _as_datetime(created)) for changed, created in cursor.fetchall()]
    changed = max((at for at, _ in rows if at), default=None)
    return changed or max((at for _, at in rows if at), default=None)
