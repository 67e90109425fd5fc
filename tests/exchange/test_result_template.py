"""Result templates: staff fill results offline; uploads are checked, previewed and saved all or nothing."""

from decimal import Decimal

import pytest
from django.urls import reverse

from exchange import result_template
from reports.models import ResultEntry
from reports import workflow
from reports.models import ProgressNote
from tests.workflow_helpers import staff

from .helpers import edited, open_xlsx, pending_upload_id


def rows_by_key(sheet):
    return {(r[0].value, r[2].value, r[4].value): r for r in sheet.iter_rows(min_row=2)}


def fill(data, results=None, narratives=None):
    def edit(workbook):
        rows = rows_by_key(workbook["結果"])
        for key, value in (results or {}).items():
            rows[key][6].value = value
        for row in workbook["活動経過"].iter_rows(min_row=2):
            if row[0].value in (narratives or {}):
                row[2].value = narratives[row[0].value]
    return edited(data, edit)


def test_template_holds_only_the_users_measures_with_targets_locked(report, people):
    workbook = open_xlsx(result_template.template_workbook(people["shokuin"], report))
    assert workbook.sheetnames == ["形式", "結果", "活動経過"]
    rows = rows_by_key(workbook["結果"])
    assert {key[0] for key in rows} == {1, 2}  # 職員課 leads measures 1 and 2
    assert set(key[2] for key in rows) == {"令和5年度", "令和6年度"}  # years up to the report's
    overtime = rows[(2, "①", "令和5年度")]
    assert overtime[5].value == 95000 and overtime[5].number_format == '#,##0"時間"'
    assert overtime[5].protection.locked and not overtime[6].protection.locked
    assert workbook["結果"].protection.sheet
    validations = workbook["結果"].data_validations.dataValidation
    stage_list = next(v for v in validations if v.type == "list")
    assert stage_list.formula1 == '"未着手,検討80%,条例への反映,実施"'
    # a value cell takes a unit and full-width digits (as its instructions say): a prompt, no stop-type check
    numeric = next(v for v in validations if v.type is None)
    assert "G4" in str(numeric.sqref) and numeric.showInputMessage and not numeric.showErrorMessage
    assert [r[0].value for r in workbook["活動経過"].iter_rows(min_row=2)] == [1, 2]
    kodomo = open_xlsx(result_template.template_workbook(people["kodomo"], report))
    assert {key[0] for key in rows_by_key(kodomo["結果"])} == {11}


def test_filled_template_saves_through_the_workflow(report, people):
    user = people["shokuin"]
    data = fill(result_template.template_workbook(user, report),
                results={(2, "①", "令和5年度"): "３４，０６８時間", (2, "②", "令和5年度"): 18, (1, "①", "令和5年度"): "条例への反映"},
                narratives={2: "Excel で入力した記述"})
    upload = result_template.read_upload(user, report, data)
    assert upload.ok, upload.problems
    assert {(c.what, c.after) for c in upload.changes} >= {
        ("指標① 時間外勤務時間　令和5年度", "34,068時間"), ("活動経過・今後の予定", "Excel で入力した記述")}
    assert not ResultEntry.objects.exists()  # the preview saved nothing
    assert result_template.save_upload(user, upload.as_session()) == 2
    note = ProgressNote.objects.get(report=report, measure__number=2)
    assert note.text == "Excel で入力した記述"
    assert sorted(e.value for e in note.result_entries.all()) == [Decimal(18), Decimal(34068)]
    assert note.history.first().history_user == user
    assert ProgressNote.objects.get(report=report, measure__number=1).result_entries.get().stage.label == "条例への反映"


def test_every_problem_is_located_and_nothing_is_saved(report, people):
    user = people["shokuin"]
    def spoil(workbook):
        rows = rows_by_key(workbook["結果"])
        rows[(2, "①", "令和5年度")][6].value = "-5"
        rows[(2, "①", "令和6年度")][6].value = "たくさん"
        rows[(2, "②", "令和5年度")][6].value = "=1+1"
        rows[(1, "①", "令和5年度")][6].value = "完了"
        rows[(2, "②", "令和6年度")][6].value = 12  # fine on its own
        rows[(2, "②", "令和6年度")][0].value = 11   # another department's measure
    upload = result_template.read_upload(user, report, edited(result_template.template_workbook(user, report), spoil))
    problems = {(p.sheet, p.cell): p.message for p in upload.problems}
    # rows: 2-3 measure 1 (R5, R6); 4-5 measure 2 indicator ①; 6-7 indicator ②
    assert problems[("結果", "G2")].startswith("「完了」はこの指標の段階にありません")
    assert problems[("結果", "G4")].startswith("負の数は入力できません")
    assert "数値として読めません" in problems[("結果", "G5")]
    assert problems[("結果", "G6")] == "数式は使えません。値を入力してください。"
    assert problems[("結果", "A7")].startswith("事業No.11：担当していない推進項目")
    assert len(problems) == 5
    assert not upload.ok and not ResultEntry.objects.exists()


def test_a_template_of_another_report_or_kind_is_refused(seed_plan, report, people):
    user = people["shokuin"]
    data = result_template.template_workbook(user, report)
    other = edited(data, lambda wb: wb["形式"].cell(row=2, column=2, value="2025-09-01"))
    assert "別の進捗状況報告の様式です" in str(result_template.read_upload(user, report, other).problems[0])
    header = edited(data, lambda wb: wb["結果"].cell(row=1, column=7, value="実績"))
    assert str(result_template.read_upload(user, report, header).problems[0]) == (
        "シート「結果」・1行目：見出しが様式と違います（「事業No.」「推進項目名称」「指標」「指標名」「年度」「目標値」「結果」が必要です）。"
        "管理画面からダウンロードした結果入力ブックを使ってください。")
    plan_book = edited(data, lambda wb: wb["形式"].cell(row=1, column=1, value="経営改革推進計画 計画ブック"))
    assert "結果入力ブックの様式ではありません" in str(result_template.read_upload(user, report, plan_book).problems[0])


def test_a_conflicting_edit_after_the_preview_saves_nothing(report, people):
    user = people["shokuin"]
    data = fill(result_template.template_workbook(user, report),
                results={(1, "①", "令和5年度"): "条例への反映"}, narratives={2: "アップロードの記述"})
    upload = result_template.read_upload(user, report, data)
    note = ProgressNote.objects.get(report=report, measure__number=2)
    workflow.save_note(user, note, expected_version=note.version, text="画面で先に保存", results={})
    with pytest.raises(workflow.EditConflict):
        result_template.save_upload(user, upload.as_session())
    assert not ResultEntry.objects.exists()  # measure 1's change was rolled back too
    assert ProgressNote.objects.get(pk=note.pk).text == "画面で先に保存"


def test_upload_pages_preview_then_save(client, report, people):
    user = people["shokuin"]
    client.force_login(user)
    download = client.get(reverse("exchange_admin:result-template", args=[report.pk]))
    assert download.status_code == 200
    filled = fill(download.content, results={(2, "①", "令和5年度"): 30000})
    url = reverse("exchange_admin:result-upload", args=[report.pk])
    from django.core.files.uploadedfile import SimpleUploadedFile
    preview = client.post(url, {"workbook": SimpleUploadedFile("r.xlsx", filled)})
    html = preview.content.decode()
    assert "変更内容の確認" in html and "30,000時間" in html
    assert not ResultEntry.objects.exists()
    saved = client.post(url, {"confirm": "1", "pending": pending_upload_id(preview)})
    assert saved.status_code == 302
    assert ResultEntry.objects.get().value == 30000


def test_another_department_cannot_download_or_upload(client, report, people, seed_plan):
    outsider = staff("outsider")  # staff with no department
    client.force_login(outsider)
    assert client.get(reverse("exchange_admin:result-template", args=[report.pk])).status_code == 403
    assert client.get(reverse("exchange_admin:result-upload", args=[report.pk])).status_code == 403
    client.logout()
    assert client.get(reverse("exchange_admin:result-template", args=[report.pk])).status_code == 302  # to login
