"""The entry page shows each result's rate and grade as the public page will, and plausibility warnings
with the staff's explanation, to staff and reviewer alike; warnings never stop a save or a submit."""

import datetime
import json
import re
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse

from indicators import presentation
from indicators.models import IndicatorYear
from reports import publication, workflow
from plans.models import Measure
from reports.models import Action, ProgressNote, ResultEntry
from tests.workflow_helpers import administrator, department, open_report, reviewer, staff

FAR = "目標値（90,300時間）の3分の1未満です。入力の誤りがないか確かめてください。"


@pytest.fixture
def world(seed_plan):
    sato = staff("sato", department("総務部", "職員課"))
    office = reviewer("kaikaku")
    # After FY2024 (R6) ended: its results take a grade, not 年度途中.
    report = open_report(seed_plan, office, as_of=datetime.date(2025, 6, 1), due=datetime.date(2025, 6, 30))
    note = ProgressNote.objects.get(report=report, measure__number=2)
    overtime = IndicatorYear.objects.get(indicator__measure__number=2, indicator__slot=1, fiscal_year=2024)
    return {"plan": seed_plan, "report": report, "note": note, "overtime": overtime, "sato": sato, "office": office}


def edit_url(note):
    return reverse("admin:reports_progressnote_change", args=[note.pk])


def grade_cell(page, year):
    match = re.search(rf'<td class="reform-grade" id="grade_{year.pk}"[^>]*>(.*?)</td>', page, re.S)
    assert match, "no grade cell for the year"
    return re.sub(r"<[^>]+>", " ", match.group(1))


def save(client, world, value, explanation=None, button="_save"):
    data = {"version": ProgressNote.objects.get(pk=world["note"].pk).version, "text": "時間外勤務を削減しました。",
            f"result_{world['overtime'].pk}": value, button: "1"}
    if explanation is not None:
        data[f"explanation_{world['overtime'].pk}"] = explanation
    return client.post(edit_url(world["note"]), data)


def test_entry_page_shows_the_grade_the_public_page_publishes(client, world):
    client.force_login(world["sato"])
    assert save(client, world, "1,854").status_code == 302
    entry_page = client.get(edit_url(world["note"])).content.decode()
    cell = grade_cell(entry_page, world["overtime"])
    assert "達成" in cell and "達成率 197.9%" in cell

    # Approved and published with the same data: the public grading and page say the same.
    note = ProgressNote.objects.get(pk=world["note"].pk)
    workflow.submit(world["sato"], note)
    workflow.approve(world["office"], ProgressNote.objects.get(pk=note.pk))
    report = workflow.publish(world["office"], world["report"])
    published = publication.grade_report(report).of(world["overtime"].indicator_id, 2024)
    assert published.label in cell and presentation.rate_text(published.rate) in cell
    public_page = client.get(f"/plans/{world['plan'].slug}/reports/2025-06-01/").content.decode()
    assert "達成率 197.9%" in public_page


def test_interim_and_missing_years_read_as_the_public_page_reads_them(client, world, seed_plan):
    # A report during FY2024: its result has a rate but no grade yet (年度途中); FY2023 with no result is 未報告.
    report = world["report"]
    workflow.publish(world["office"], report)
    during = open_report(seed_plan, world["office"], as_of=datetime.date(2025, 1, 10), due=datetime.date(2025, 1, 31))
    note = ProgressNote.objects.get(report=during, measure__number=2)
    workflow.save_note(world["sato"], note, expected_version=1, text="", results={world["overtime"].pk: Decimal(45000)})
    client.force_login(world["sato"])
    page = client.get(edit_url(note)).content.decode()
    assert "年度途中" in grade_cell(page, world["overtime"]) and "150.2%" in grade_cell(page, world["overtime"])
    r5 = IndicatorYear.objects.get(indicator__measure__number=2, indicator__slot=1, fiscal_year=2023)
    assert "未報告" in grade_cell(page, r5)


def test_warning_never_blocks_and_the_explanation_is_kept_with_history(client, world):
    client.force_login(world["sato"])
    # Submitting an implausible result goes through: the warning is advice, not a refusal.
    response = save(client, world, "1,854", explanation="", button="_submit")
    assert response.status_code == 302
    assert ProgressNote.objects.get(pk=world["note"].pk).status == "submitted"
    workflow.return_with_comment(world["office"], ProgressNote.objects.get(pk=world["note"].pk), "確認を。")

    page = client.get(edit_url(world["note"])).content.decode()
    assert FAR in page
    assert f'for="id_explanation_{world["overtime"].pk}"' in page  # the field is offered next to the warning
    assert save(client, world, "1,854", explanation="4月〜6月分のみ集計").status_code == 302
    entry = ResultEntry.objects.get(progress_note=world["note"], indicator_year=world["overtime"])
    assert entry.explanation == "4月〜6月分のみ集計"
    assert [h.explanation for h in entry.history.order_by("history_date")] == ["", "4月〜6月分のみ集計"]
    assert entry.history.latest().history_user == world["sato"]
    action = Action.objects.filter(note=world["note"]).latest("at")
    assert {"label": "指標① 令和6年度の結果の説明", "before": "", "after": "4月〜6月分のみ集計"}.items() <= \
        action.changes["results"][0].items()
    timeline = client.get(reverse("admin:reports_progressnote_history", args=[world["note"].pk])).content.decode()
    assert "4月〜6月分のみ集計" in timeline


def test_the_reviewer_sees_warning_and_explanation_side_by_side(client, world):
    workflow.save_note(world["sato"], world["note"], expected_version=1, text="a",
                       results={world["overtime"].pk: Decimal(1854)},
                       explanations={world["overtime"].pk: "4月〜6月分のみ集計"})
    workflow.submit(world["sato"], ProgressNote.objects.get(pk=world["note"].pk))
    client.force_login(world["office"])
    page = client.get(edit_url(world["note"])).content.decode()
    assert FAR in page
    assert "担当課の説明</strong>: 4月〜6月分のみ集計" in page
    assert "達成率 197.9%" in grade_cell(page, world["overtime"])
    assert 'name="explanation_' not in page  # the reviewer reads it, does not edit it


def test_a_plausible_result_draws_no_warning_and_hides_the_explanation(client, world):
    client.force_login(world["sato"])
    save(client, world, "88,000")
    page = client.get(edit_url(world["note"])).content.decode()
    assert "確認してください" not in page
    assert re.search(r'<div class="reform-explanation" hidden>', page)
    assert "達成率 102.5%" in grade_cell(page, world["overtime"])


def test_clearing_a_result_drops_its_explanation_and_logs_both(client, world):
    client.force_login(world["sato"])
    save(client, world, "1,854", explanation="理由")
    assert save(client, world, "", explanation="理由").status_code == 302
    assert not ResultEntry.objects.filter(progress_note=world["note"]).exists()
    labels = [item["label"] for item in Action.objects.filter(note=world["note"]).latest("at").changes["results"]]
    assert labels == ["指標① 令和6年度の結果", "指標① 令和6年度の結果の説明"]


def test_check_endpoint_grades_typed_values_with_the_same_rule(client, world):
    client.force_login(world["sato"])
    url = reverse("admin:reports_progressnote_check", args=[world["note"].pk])
    key = f"result_{world['overtime'].pk}"
    body = json.loads(client.get(url, {key: "１，８５４時間"}).content)["results"][key]
    assert body["label"] == "達成" and body["rate"] == "197.9%" and body["is_grade"]
    assert body["warnings"] == [FAR]
    body = json.loads(client.get(url, {key: "98,500件"}).content)["results"][key]
    assert "時間" in body["error"]
    assert not ResultEntry.objects.filter(progress_note=world["note"]).exists()  # nothing saved


def test_check_endpoint_is_scoped_like_the_page(client, world, seed_plan):
    other = staff("kodomo", department("健康こども部", "子育て支援課"))
    client.force_login(other)
    url = reverse("admin:reports_progressnote_check", args=[world["note"].pk])
    assert client.get(url, {f"result_{world['overtime'].pk}": "1"}).status_code in (403, 404)


def test_cumulative_total_going_down_warns(client, world, seed_plan):
    # Measure 6's savings (累計): R5 published at 3,000,000円, then the R5 result revised down.
    measure = Measure.objects.get(plan=seed_plan, indicators__is_cumulative=True)
    r5 = IndicatorYear.objects.get(indicator__measure=measure, fiscal_year=2023)
    r5.result_value = Decimal(3_000_000)
    r5.save()
    note = ProgressNote.objects.get(report=world["report"], measure=measure)
    admin = administrator("kanri")
    workflow.save_note(admin, note, expected_version=1, text="", results={r5.pk: Decimal(1_000_000)})
    client.force_login(admin)
    page = client.get(edit_url(note)).content.decode()
    assert "公表済みの累計（300万円）より減っています" in page


def test_entry_page_with_warnings_is_valid_html(client, world, tmp_path):
    from tests.public.test_html_validity import checker

    command = checker()
    workflow.save_note(world["sato"], world["note"], expected_version=1, text="a",
                       results={world["overtime"].pk: Decimal(1854)}, explanations={world["overtime"].pk: "理由"})
    pages = {}
    client.force_login(world["sato"])
    pages["staff.html"] = client.get(edit_url(world["note"])).content
    workflow.submit(world["sato"], ProgressNote.objects.get(pk=world["note"].pk))
    client.force_login(world["office"])
    pages["reviewer.html"] = client.get(edit_url(world["note"])).content
    for name, content in pages.items():
        assert "確認してください".encode() in content
        (tmp_path / name).write_bytes(content)
    result = subprocess.run([*command, *(str(tmp_path / name) for name in pages)], capture_output=True, text=True)
    messages = [m["message"] for m in json.loads(result.stderr or '{"messages": []}')["messages"]
                if m.get("type") == "error"]
    # Known before this change, on the reviewer's page only (its two forms; the narrative's heading label): not ours.
    known = {"Duplicate ID “id_version”.",
             "The value of the “for” attribute of the “label” element must be the ID of a non-hidden form control."}
    assert [m for m in messages if m not in known] == []


def test_a_milestone_result_reads_reached_or_not_as_published(client, world):
    # Measure 1's indicator ① has stages; a stage at or past the target's is the highest band.
    note = ProgressNote.objects.get(report=world["report"], measure__number=1)
    year = IndicatorYear.objects.select_related("indicator", "target_stage").get(
        indicator__measure__number=1, indicator__slot=1, fiscal_year=2024)
    stages = list(year.indicator.stages.order_by("position"))
    below = [stage for stage in stages if stage.position < year.target_stage.position]
    assert below  # 検討80% is before the year's target, 条例への反映
    client.force_login(world["sato"])
    for stage, label in ((year.target_stage, "達成"), (below[0], "未達成")):
        workflow.save_note(world["sato"], ProgressNote.objects.get(pk=note.pk), expected_version=None, text="",
                           results={year.pk: stage})
        cell = grade_cell(client.get(edit_url(note)).content.decode(), year)
        assert label in cell.split() and "達成率" not in cell


def test_an_edit_conflict_names_the_result_and_its_explanation_apart(world):
    from reports.changes import NOT_ENTERED, EditConflict

    year = world["overtime"]
    workflow.save_note(world["sato"], world["note"], expected_version=1, text="",
                       results={year.pk: Decimal(1854)}, explanations={year.pk: "4月〜6月分のみ"})
    other = staff("suzuki", department("総務部", "職員課"))
    with pytest.raises(EditConflict) as conflict:
        workflow.save_note(other, ProgressNote.objects.get(pk=world["note"].pk), expected_version=1, text="",
                           results={year.pk: Decimal(88000)})
    changes = {(c.label, c.before, c.after) for c in conflict.value.changes}
    assert ("指標① 令和6年度の結果", NOT_ENTERED, "1,854時間") in changes
    assert ("指標① 令和6年度の結果の説明", "", "4月〜6月分のみ") in changes
