"""The progress workflow (reports/workflow.py): draft → submitted → returned/approved → published."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from indicators.models import IndicatorYear, MilestoneStage
from reports.models import ResultEntry
from plans import permissions
from reports import publication, workflow
from reports.history import measure_last_updated, note_timeline
from reports.models import ProgressNote, ProgressReport, ReportIsPublished
from tests.workflow_helpers import department, open_report, reviewer


def note_of(report, number):
    return ProgressNote.objects.get(report=report, measure__number=number)


def year_of(number, slot, fiscal_year):
    return IndicatorYear.objects.get(indicator__measure__number=number, indicator__slot=slot, fiscal_year=fiscal_year)


def test_opening_a_report_prepares_a_draft_note_per_measure(seed_plan, report, people):
    assert report.notes.count() == 15
    assert set(report.notes.values_list("status", flat=True)) == {"draft"}
    assert report.due_date == datetime.date(2024, 9, 30)
    with pytest.raises(ValidationError, match="公表前の進捗状況報告がすでにあります"):
        open_report(seed_plan, people["reviewer"], as_of=datetime.date(2024, 10, 1))
    with pytest.raises(permissions.NotAllowed):
        open_report(seed_plan, people["shokuin"], as_of=datetime.date(2024, 10, 1))


def test_the_whole_loop_puts_approved_results_in_public(seed_plan, report, people):
    shokuin, rev = people["shokuin"], people["reviewer"]
    note = note_of(report, 2)
    overtime = year_of(2, 1, 2023)
    note = workflow.save_note(shokuin, note, expected_version=1, text="時間外勤務を削減しました。",
                              results={overtime.pk: Decimal(34068)})
    assert note.version == 2 and note.status == "draft"
    overtime.refresh_from_db()
    assert overtime.result_value is None  # a draft never touches the official result

    note = workflow.submit(shokuin, note, expected_version=2)
    assert (note.status, note.submitted_by, note.version) == ("submitted", shokuin, 3)
    with pytest.raises(permissions.NotAllowed, match="審査を待って"):
        workflow.save_note(shokuin, note, expected_version=3, text="x", results={})

    with pytest.raises(ValidationError, match="差し戻す理由"):
        workflow.return_with_comment(rev, note, "  ")
    note = workflow.return_with_comment(rev, note, "前年同期との比較を書いてください。", expected_version=3)
    assert (note.status, note.review_comment, note.reviewed_by) == ("returned", "前年同期との比較を書いてください。", rev)

    note = workflow.save_note(shokuin, note, expected_version=4, text="前年同期より1,200時間減りました。",
                              results={overtime.pk: Decimal(34000)})
    note = workflow.submit(shokuin, note)
    note = workflow.approve(rev, note, expected_version=note.version)
    assert note.status == "approved"
    with pytest.raises(permissions.NotAllowed, match="差戻しを依頼"):
        workflow.save_note(shokuin, note, expected_version=note.version, text="x", results={})

    # A note nobody approved stays out of the public figures.
    other = note_of(report, 11)
    kodomo_year = year_of(11, 1, 2023)
    workflow.save_note(people["kodomo"], other, expected_version=1, text="登録者が増えました。",
                       results={kodomo_year.pk: Decimal(1854)})
    workflow.submit(people["kodomo"], other)

    workflow.publish(rev, report)
    report.refresh_from_db()
    assert report.is_published and report.published_by == rev
    overtime.refresh_from_db()
    kodomo_year.refresh_from_db()
    assert overtime.result_value == 34000
    assert kodomo_year.result_value is None
    assert report.published_years.get(indicator=overtime.indicator, fiscal_year=2023).result_value == 34000
    assert list(publication.public_notes().filter(report=report)) == [note]
    # Who published is kept in the official result's history.
    latest = overtime.history.latest("history_date")
    assert latest.history_user == rev and "公表" in latest.history_change_reason


def test_published_report_is_frozen_for_everyone(seed_plan, report, people):
    note = note_of(report, 2)
    note = workflow.save_note(people["shokuin"], note, expected_version=1, text="a", results={})
    workflow.publish(people["reviewer"], report)
    note.refresh_from_db()
    for action in (
        lambda: workflow.save_note(people["admin"], note, expected_version=note.version, text="b", results={}),
        lambda: workflow.submit(people["admin"], note),
        lambda: workflow.return_with_comment(people["admin"], note, "c"),
        lambda: workflow.publish(people["admin"], report),
    ):
        with pytest.raises(permissions.NotAllowed, match="公表済み"):
            action()
    # Below the workflow, the models refuse too.
    note.text = "直接の書換え"
    with pytest.raises(ReportIsPublished):
        note.save()
    with pytest.raises(ReportIsPublished):
        note.delete()
    report.as_of = datetime.date(2024, 9, 2)
    with pytest.raises(ReportIsPublished):
        report.save()
    with pytest.raises(ReportIsPublished):
        ProgressReport.objects.get(pk=report.pk).delete()
    with pytest.raises(ReportIsPublished):
        ResultEntry(progress_note=note, indicator_year=year_of(2, 1, 2023), value=1).save()
    note.refresh_from_db()
    assert note.text == "a"


def test_nobody_approves_their_own_submission(seed_plan, report, people):
    own = reviewer("keiei", department("市長公室", "経営改革課"))
    note = note_of(report, 2)  # 経営改革課 shares measure 2 with 職員課
    workflow.save_note(own, note, expected_version=1, text="経営改革課が記入", results={})
    note = workflow.submit(own, note)
    with pytest.raises(permissions.NotAllowed, match="自分で提出した記述は承認できません"):
        workflow.approve(own, note)
    assert workflow.approve(people["reviewer2"], note).status == "approved"


def test_nobody_approves_what_they_wrote(seed_plan, report, people):
    """Four eyes: a reviewer who is also department staff writes, a colleague submits; the writer may not approve."""
    writer = reviewer("keiei", department("市長公室", "経営改革課"))
    note = note_of(report, 2)  # 経営改革課 shares measure 2 with 職員課
    note = workflow.save_note(writer, note, expected_version=1, text="経営改革課が記入", results={})
    note = workflow.submit(people["shokuin"], note)
    assert not permissions.can(writer, permissions.APPROVE, note)
    with pytest.raises(permissions.NotAllowed, match="この記述を自分で入力・編集しています。ほかの審査担当者に承認を依頼してください。"):
        workflow.approve(writer, note)
    assert ProgressNote.objects.get(pk=note.pk).status == "submitted"
    assert workflow.approve(people["reviewer2"], note).status == "approved"


def test_authors_count_for_the_whole_report_and_uploads_too(seed_plan, report, people):
    writer = reviewer("keiei", department("市長公室", "経営改革課"))
    overtime = year_of(2, 1, 2023)
    note = note_of(report, 2)
    # Entering results by uploading a workbook makes an author as much as typing them.
    note = workflow.save_note(writer, note, expected_version=1, text="", results={overtime.pk: Decimal(1)},
                              kind="upload")
    note = workflow.save_note(people["shokuin"], note, expected_version=note.version, text="職員課", results={})
    note = workflow.return_with_comment(people["reviewer"], workflow.submit(people["shokuin"], note), "直して")
    # Returned and rewritten by someone else: the earlier author still may not approve.
    note = workflow.save_note(people["shokuin"], note, expected_version=note.version, text="職員課が直した",
                              results={overtime.pk: Decimal(2)})
    note = workflow.submit(people["shokuin"], note)
    assert note.author_ids() == {writer.pk, people["shokuin"].pk}
    with pytest.raises(permissions.NotAllowed, match="自分で入力・編集"):
        workflow.approve(writer, note)
    # Saving without changing anything writes nothing and makes nobody an author.
    other = note_of(report, 6)  # 経営改革課 and 関係各課
    other = workflow.save_note(writer, other, expected_version=1, text="", results={})
    helper = reviewer("kankei", department("市長公室", "経営改革課"))
    other = workflow.submit(helper, workflow.save_note(helper, other, expected_version=1, text="記述", results={}))
    assert other.author_ids() == {helper.pk}
    assert workflow.approve(writer, other).status == "approved"


def test_submitting_needs_a_narrative(report, people):
    with pytest.raises(ValidationError, match="活動経過・今後の予定を入力してから提出"):
        workflow.submit(people["shokuin"], note_of(report, 1))
    assert note_of(report, 1).status == "draft"


def test_approved_note_can_be_reopened_before_publication(report, people):
    note = note_of(report, 1)
    workflow.save_note(people["shokuin"], note, expected_version=1, text="a", results={})
    note = workflow.approve(people["reviewer"], workflow.submit(people["shokuin"], note))
    note = workflow.return_with_comment(people["reviewer"], note, "数値を訂正してください。")
    assert note.status == "returned"
    assert workflow.save_note(people["shokuin"], note, expected_version=note.version, text="b", results={}).text == "b"


def test_invalid_results_save_nothing(report, people):
    note = note_of(report, 1)  # milestone indicator
    milestone_2023 = year_of(1, 1, 2023)
    future = year_of(1, 1, 2025)  # after the report's fiscal year (2024)
    foreign = year_of(2, 1, 2023)
    with pytest.raises(ValidationError) as failure:
        workflow.save_note(
            people["shokuin"], note, expected_version=1, text="書いた",
            results={milestone_2023.pk: MilestoneStage.objects.get(label="条例への反映"),
                     future.pk: MilestoneStage.objects.get(label="実施"), foreign.pk: Decimal(1)},
        )
    errors = failure.value.message_dict
    assert set(errors) == {f"result_{future.pk}", f"result_{foreign.pk}"}
    note.refresh_from_db()
    assert note.text == "" and note.version == 1 and not note.result_entries.exists()


def test_result_entry_validation(report, people):
    note = note_of(report, 2)
    overtime = year_of(2, 1, 2023)
    entry = ResultEntry(progress_note=note, indicator_year=overtime, value=Decimal("1.5"))
    with pytest.raises(ValidationError, match="整数で入力"):
        entry.full_clean()
    entry = ResultEntry(progress_note=note, indicator_year=overtime, stage=MilestoneStage.objects.first())
    with pytest.raises(ValidationError, match="数値の指標には段階を選べません"):
        entry.full_clean()
    entry = ResultEntry(progress_note=note, indicator_year=overtime, value=Decimal(-1))
    with pytest.raises(ValidationError, match="0"):
        entry.full_clean()


def test_clearing_a_result_and_the_timeline(report, people):
    note = note_of(report, 2)
    overtime, telework = year_of(2, 1, 2023), year_of(2, 2, 2023)
    shokuin = people["shokuin"]
    note = workflow.save_note(shokuin, note, expected_version=1, text="一",
                              results={overtime.pk: Decimal(34068), telework.pk: Decimal(18)})
    note = workflow.save_note(shokuin, note, expected_version=note.version, text="一",
                              results={overtime.pk: None, telework.pk: Decimal(20)})
    assert list(note.result_entries.values_list("value", flat=True)) == [Decimal(20)]
    note = workflow.submit(shokuin, note)
    note = workflow.return_with_comment(people["reviewer"], note, "理由を")
    timeline = note_timeline(note)
    assert [t.reason for t in timeline] == ["差戻し", "提出", "保存", "保存", "作成"]
    assert all(t.who == "shokuin" for t in timeline[1:4]) and timeline[0].who == "shinsa"
    second_save = {(c.label, c.before, c.after) for c in timeline[2].changes}
    assert second_save == {("指標① 令和5年度の結果", "34,068時間", "（未入力）"), ("指標② 令和5年度の結果", "18%", "20%")}
    assert ("審査コメント", "", "理由を") in {(c.label, c.before, c.after) for c in timeline[0].changes}


def test_last_updated_follows_public_changes_only(seed_plan, report, people):
    measure = seed_plan.measures.get(number=2)
    seed_report = ProgressReport.objects.get(plan=seed_plan, as_of=datetime.date(2023, 9, 1))
    assert measure_last_updated(measure) == seed_report.published_at  # not the day the seed was loaded
    note = workflow.save_note(people["shokuin"], note_of(report, 2), expected_version=1, text="a", results={})
    assert measure_last_updated(measure) == seed_report.published_at  # a draft is not public
    note = workflow.approve(people["reviewer"], workflow.submit(people["shokuin"], note))
    workflow.publish(people["reviewer"], report)
    report.refresh_from_db()
    assert measure_last_updated(measure) == report.published_at
    measure.title = "新しい名称"
    measure.save()
    assert measure_last_updated(measure) == measure.history.latest("history_date").history_date


@pytest.mark.parametrize("change", ["department", "indicator", "stage", "year"])
def test_last_updated_reads_every_source_of_public_content(seed_plan, change):
    """Each kind of public content a measure has moves its 最終更新; another measure's does not."""
    measure = seed_plan.measures.get(number=2)
    other = seed_plan.measures.get(number=3)
    before, other_before = measure_last_updated(measure), measure_last_updated(other)
    indicator = measure.indicators.order_by("slot").first()
    if change == "department":
        assignment = measure.assignments.first()
        assignment.position += 10
        assignment.save()
        history = assignment.history
    elif change == "indicator":
        indicator.unit = indicator.unit + "（改）"
        indicator.save()
        history = indicator.history
    elif change == "stage":
        stage = MilestoneStage.objects.create(indicator=indicator, position=99, label="新しい段階")
        stage.label = "名称を変えた段階"
        stage.save()
        history = stage.history
    else:
        year = indicator.years.order_by("fiscal_year").first()
        year.result_value = (year.result_value or 0) + 1
        year.save()
        history = year.history
    latest = history.latest("history_date").history_date
    assert latest > before
    assert measure_last_updated(measure) == latest
    assert measure_last_updated(other) == other_before
