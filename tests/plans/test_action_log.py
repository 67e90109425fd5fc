"""The action log: one row per workflow action (who, when, which, on what, what changed), and the
pages that read it (the note's timeline, the edit-conflict message)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exchange import result_template
from exchange.plan_workbook import export_plan, import_plan
from indicators.models import IndicatorYear
from reports import workflow
from reports.history import changes_since, note_timeline
from reports.models import Action, ProgressNote, ProgressReport
from tests.exchange.helpers import edited
from tests.reports.test_new_measure_note import add_measure_in_admin
from tests.workflow_helpers import department, staff


def note_of(report, number):
    return ProgressNote.objects.get(report=report, measure__number=number)


def year_of(number, slot, fiscal_year):
    return IndicatorYear.objects.get(indicator__measure__number=number, indicator__slot=slot, fiscal_year=fiscal_year)


def actions_of(note):
    return list(Action.objects.filter(note=note).order_by("at", "id"))


def test_each_workflow_action_writes_one_row_with_what_changed(report, people):
    shokuin, rev = people["shokuin"], people["reviewer"]
    opened = Action.objects.get(report=report)
    assert (opened.kind, opened.user, opened.note, opened.plan_id) == ("open_report", rev, None, report.plan_id)
    assert opened.changes == {"created": {"as_of": "2024-09-01", "due_date": "2024-09-30", "notes": 15}}

    note = note_of(report, 2)
    overtime, telework = year_of(2, 1, 2023), year_of(2, 2, 2023)
    note = workflow.save_note(shokuin, note, expected_version=1, text="時間外勤務を削減しました。",
                              results={overtime.pk: Decimal(34068), telework.pk: Decimal(18)})
    note = workflow.save_note(shokuin, note, expected_version=note.version, text="時間外勤務を削減しました。",
                              results={overtime.pk: None, telework.pk: Decimal(20)})
    note = workflow.submit(shokuin, note)
    note = workflow.return_with_comment(rev, note, "前年との比較を")
    note = workflow.submit(shokuin, note)
    note = workflow.approve(people["reviewer2"], note)

    first, second, submitted, returned, resubmitted, approved = actions_of(note)
    assert [a.kind for a in actions_of(note)] == ["save", "save", "submit", "return", "submit", "approve"]
    assert [a.note_version for a in actions_of(note)] == [2, 3, 4, 5, 6, 7]
    assert first.user == shokuin and first.report == report and first.target == str(note)
    assert first.changes == {
        "text": {"before": "", "after": "時間外勤務を削減しました。"},
        "results": [
            {"indicator_year": overtime.pk, "measure_id": note.measure_id, "label": "指標① 令和5年度の結果",
             "before": "（未入力）", "after": "34,068時間"},
            {"indicator_year": telework.pk, "measure_id": note.measure_id, "label": "指標② 令和5年度の結果",
             "before": "（未入力）", "after": "18%"},
        ],
    }
    assert second.changes == {"results": [
        {"indicator_year": overtime.pk, "measure_id": note.measure_id, "label": "指標① 令和5年度の結果",
         "before": "34,068時間", "after": "（未入力）"},
        {"indicator_year": telework.pk, "measure_id": note.measure_id, "label": "指標② 令和5年度の結果",
         "before": "18%", "after": "20%"},
    ]}
    assert submitted.changes == {"status": {"before": "draft", "after": "submitted"}}
    assert returned.user == rev and returned.changes == {
        "status": {"before": "submitted", "after": "returned"},
        "review_comment": {"before": "", "after": "前年との比較を"}}
    assert approved.user == people["reviewer2"] and approved.changes == {
        "status": {"before": "submitted", "after": "approved"}}
    # The action and the history record it goes with share one moment.
    assert note.history.filter(history_date=approved.at, history_change_reason="承認").count() == 1

    workflow.publish(rev, report)
    published = Action.objects.get(report=report, kind="publish")
    assert published.user == rev and published.at == ProgressReport.objects.get(pk=report.pk).published_at
    assert published.changes == {"public_notes": [note.pk], "results": [
        {"indicator_year": telework.pk, "measure_id": note.measure_id, "label": "指標② 令和5年度の結果",
         "before": "（未入力）", "after": "20%"}]}


def test_nothing_changed_writes_nothing_and_a_refused_action_leaves_no_row(report, people):
    note = note_of(report, 2)
    overtime = year_of(2, 1, 2023)
    note = workflow.save_note(people["shokuin"], note, expected_version=1, text="a", results={overtime.pk: Decimal(1)})
    counts = Action.objects.count(), note.history.count()
    same = workflow.save_note(people["shokuin"], note, expected_version=note.version, text="a",
                              results={overtime.pk: Decimal("1.0")})
    assert same.version == note.version
    assert (Action.objects.count(), note.history.count()) == counts
    with pytest.raises(ValidationError):
        workflow.save_note(people["shokuin"], note, expected_version=note.version, text="b",
                           results={overtime.pk: Decimal(-1)})
    with pytest.raises(ValidationError):
        workflow.submit(people["shokuin"], note_of(report, 1))  # no narrative yet
    with pytest.raises(workflow.EditConflict):
        workflow.save_note(people["shokuin"], note, expected_version=1, text="c", results={})
    assert (Action.objects.count(), note.history.count()) == counts


def test_a_result_workbook_is_recorded_as_an_upload(report, people):
    user = people["shokuin"]
    data = result_template.template_workbook(user, report)

    def fill(workbook):
        for row in workbook["活動経過"].iter_rows(min_row=2):
            if row[0].value == 2:
                row[2].value = "Excel で入力した記述"
    upload = result_template.read_upload(user, report, edited(data, fill))
    assert upload.ok, upload.problems
    assert result_template.save_upload(user, upload.as_session()) == 1
    note = note_of(report, 2)
    (action,) = actions_of(note)
    assert (action.kind, action.user) == ("upload", user)
    assert action.changes == {"text": {"before": "", "after": "Excel で入力した記述"}}
    assert note_timeline(note)[0].reason == "結果ブックから保存"


def test_a_plan_import_is_recorded(seed_plan, people):
    def rename(workbook):
        workbook["計画"]["B2"] = "2027-2030"
    result = import_plan(edited(export_plan(seed_plan), rename), user=people["reviewer"])
    assert result.ok, result.problems
    action = Action.objects.get(kind="import_plan")
    assert (action.user, action.plan, action.report, action.note) == (people["reviewer"], result.created, None, None)
    assert action.changes["created"]["measures"] == 15 and action.changes["created"]["pillars"] == 5


def test_the_conflict_message_reads_the_log(report, people):
    note = note_of(report, 2)
    overtime = year_of(2, 1, 2023)
    colleague = staff("shokuin2", department("総務部", "職員課"))
    keiei = staff("keiei-staff", department("市長公室", "経営改革課"))
    # Two people save after the version the user loaded; one value goes and comes back.
    note = workflow.save_note(colleague, note, expected_version=1, text="一", results={overtime.pk: Decimal(5)})
    note = workflow.save_note(keiei, note, expected_version=note.version, text="二", results={overtime.pk: None})
    loaded = note.version
    note = workflow.save_note(colleague, note, expected_version=note.version, text="三",
                              results={overtime.pk: Decimal(7)})
    with pytest.raises(workflow.EditConflict) as refused:
        workflow.save_note(people["shokuin"], note, expected_version=1, text="わたし", results={})
    conflict = refused.value
    assert conflict.changed_by == ["shokuin2", "keiei-staff"]
    assert conflict.changed_at == Action.objects.filter(note=note).latest("at").at
    assert [(c.label, c.before, c.after) for c in conflict.changes] == [
        ("活動経過・今後の予定", "", "三"), ("指標① 令和5年度の結果", "（未入力）", "7時間")]
    since_loaded = changes_since(note, loaded)
    assert since_loaded.changed_by == ["shokuin2"]
    assert [(c.label, c.before, c.after) for c in since_loaded.changes] == [
        ("活動経過・今後の予定", "二", "三"), ("指標① 令和5年度の結果", "（未入力）", "7時間")]
    back = workflow.save_note(colleague, note, expected_version=note.version, text="二", results={overtime.pk: None})
    assert changes_since(back, loaded).changes == []  # changed and changed back: nothing to show


def test_the_timeline_reads_the_log_and_shows_publication(report, people):
    note = note_of(report, 2)
    overtime = year_of(2, 1, 2023)
    note = workflow.save_note(people["shokuin"], note, expected_version=1, text="一", results={overtime.pk: Decimal(9)})
    note = workflow.approve(people["reviewer"], workflow.submit(people["shokuin"], note))
    workflow.publish(people["reviewer"], report)
    timeline = note_timeline(ProgressNote.objects.get(pk=note.pk))
    assert [(t.reason, t.who) for t in timeline] == [
        ("公表", "shinsa"), ("承認", "shinsa"), ("提出", "shokuin"), ("保存", "shokuin"), ("作成", "shinsa")]
    assert [(c.label, c.before, c.after) for c in timeline[0].changes] == [("指標① 令和5年度の結果", "（未入力）", "9時間")]
    assert [(c.label, c.before, c.after) for c in timeline[3].changes] == [
        ("指標① 令和5年度の結果", "（未入力）", "9時間"), ("活動経過・今後の予定", "", "一")]
    # Another measure's timeline shows the publication without this measure's results.
    assert [(t.reason, t.changes) for t in note_timeline(note_of(report, 1))] == [("公表", []), ("作成", [])]


def test_history_from_before_the_log_is_still_shown(seed_plan, report, people):
    # The seed's published notes were loaded, not written through the workflow: no action at all.
    seed_note = ProgressNote.objects.filter(report__published_at__isnull=False).first()
    assert not Action.objects.of_note(seed_note).exists()
    assert [t.reason for t in note_timeline(seed_note)] == ["作成"]

    # A note written before the log existed, then saved through the workflow.
    note = note_of(report, 2)
    overtime = year_of(2, 1, 2023)
    Action.objects.filter(report=report).delete()  # as if the report was opened before the log
    note._history_user, note._change_reason = people["shokuin"], "保存"
    note.text, note.version = "ログより前の記述", 2
    note.save()
    note.result_entries.create(indicator_year=overtime, value=Decimal(100))
    workflow.save_note(people["shokuin"], note, expected_version=2, text="ログの後",
                       results={overtime.pk: Decimal(200)})
    timeline = note_timeline(note)
    assert [t.reason for t in timeline] == ["保存", "保存", "保存", "作成"]
    logged, entry_before, text_before, created = timeline
    assert {(c.label, c.before, c.after) for c in logged.changes} == {
        ("指標① 令和5年度の結果", "100時間", "200時間"), ("活動経過・今後の予定", "ログより前の記述", "ログの後")}
    assert [(c.label, c.before, c.after) for c in entry_before.changes] == [("指標① 令和5年度の結果", "（未入力）", "100時間")]
    assert [(c.label, c.before, c.after) for c in text_before.changes] == [("活動経過・今後の予定", "", "ログより前の記述")]
    assert text_before.who == "shokuin" and created.who == "shinsa"


def test_timeline_and_conflict_queries_do_not_grow_with_actions(report, people):
    note = note_of(report, 2)
    overtime = year_of(2, 1, 2023)

    def queries(call):
        with CaptureQueriesContext(connection) as captured:
            call()
        return len(captured)

    def save(value):
        nonlocal note
        note = workflow.save_note(people["shokuin"], note, expected_version=note.version, text=f"第{value}版",
                                  results={overtime.pk: Decimal(value)})

    save(1)
    few = queries(lambda: note_timeline(note)), queries(lambda: changes_since(note, 1))
    for value in range(2, 8):
        save(value)
    assert (queries(lambda: note_timeline(note)), queries(lambda: changes_since(note, 1))) == few


def test_a_measure_added_to_an_open_report_is_recorded_with_its_note(client, seed_plan, report, people):
    measure = add_measure_in_admin(client, people["reviewer"], seed_plan, 16)
    note = ProgressNote.objects.get(report=report, measure=measure)
    (action,) = actions_of(note)
    assert (action.kind, action.user, action.note_version) == ("add_measure", people["reviewer"], 1)
    note = workflow.save_note(people["shokuin"], note, expected_version=1, text="新しい取組", results={})
    # Its timeline starts when it was made, not when the report was opened.
    assert [(t.reason, t.who) for t in note_timeline(note)] == [("保存", "shokuin"), ("推進項目の追加", "shinsa")]
