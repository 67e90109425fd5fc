"""Text as people paste it: control characters are normalised at input, long texts refused with the limit.

Every write path agrees: the admin's forms (the note entry and review forms, the plan
content forms) and the models' validation (reports.workflow, workbook uploads).
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.text import LONG_TEXT_MAX_LENGTH, normalize_text
from plans.models import Measure, Plan
from reports import workflow
from reports.models import ProgressNote

PASTED = "第1段落\x0b改行\x0cページ\r\n次の行\rその次\u2028行\u2029段落\u0085NEL\x00NUL\x1b[0mESC\x07\x7f\x9bタブ\tあり"
STORED = "第1段落\n改行\nページ\n次の行\nその次\n行\n段落\nNELNUL[0mESCタブ\tあり"


@pytest.mark.parametrize(
    "text, expected",
    [
        (PASTED, STORED),
        ("a\r\n\r\nb", "a\n\nb"),
        ("keep\ttabs\nand lines", "keep\ttabs\nand lines"),
        ("全角　スペース・絵文字😀・記号①²", "全角　スペース・絵文字😀・記号①²"),
        ("\ufffe\uffff\U0010ffff\ud800x", "x"),
        ("", ""),
        (None, None),
    ],
)
def test_normalize_text(text, expected):
    assert normalize_text(text) == expected


def note_of(report, number):
    return ProgressNote.objects.get(report=report, measure__number=number)


def edit_url(note):
    return reverse("admin:reports_progressnote_change", args=[note.pk])


def test_the_note_form_stores_pasted_text_normalised(client, report, people):
    note = note_of(report, 2)
    client.force_login(people["shokuin"])
    response = client.post(edit_url(note), {"version": note.version, "text": PASTED, "_save": "1"})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.text == STORED


def test_the_review_form_stores_the_comment_normalised(client, report, people):
    note = note_of(report, 2)
    workflow.save_note(people["shokuin"], note, expected_version=1, text="記述", results={})
    note = workflow.submit(people["shokuin"], note)
    client.force_login(people["reviewer"])
    response = client.post(edit_url(note), {"version": note.version, "comment": "理由\x0bを\x00書く\r\n以上", "_return": "1"})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.status == "returned" and note.review_comment == "理由\nを書く\n以上"


def test_plan_content_forms_store_text_normalised(client, seed_plan, people):
    measure = Measure.objects.get(plan=seed_plan, number=2)
    client.force_login(people["reviewer"])
    url = reverse("admin:plans_measure_change", args=[measure.pk])
    data = {
        "plan": seed_plan.pk, "pillar": measure.pillar_id, "number": measure.number,
        "title": "題名\x0b改行\x00", "subtitle": "", "current_situation": "現状\x0cと\r\n課題", "approach": "方向\u2028性",
        "assignments-TOTAL_FORMS": "0", "assignments-INITIAL_FORMS": "0",
        "assignments-MIN_NUM_FORMS": "0", "assignments-MAX_NUM_FORMS": "1000",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    measure.refresh_from_db()
    assert (measure.title, measure.current_situation, measure.approach) == ("題名\n改行", "現状\nと\n課題", "方向\n性")


def test_every_write_path_normalises_through_the_model(report, people):
    """reports.workflow (used by the admin and the workbook upload alike) validates the model: same text."""
    note = workflow.save_note(people["shokuin"], note_of(report, 2), expected_version=1, text=PASTED, results={})
    assert ProgressNote.objects.get(pk=note.pk).text == STORED
    plan = Plan.objects.get(slug="2023-2026")
    plan.introduction = "はじめに\x0b本文\x00"
    plan.full_clean()
    assert plan.introduction == "はじめに\n本文"


# --- lengths: limited at input, refused with the limit, never truncated ---------------------------


def test_the_note_form_states_and_enforces_the_limit(client, report, people):
    note = note_of(report, 2)
    client.force_login(people["shokuin"])
    page = client.get(edit_url(note)).content.decode()
    assert "10,000字まで" in page and f'maxlength="{LONG_TEXT_MAX_LENGTH}"' in page
    too_long = "あ" * (LONG_TEXT_MAX_LENGTH + 1)
    response = client.post(edit_url(note), {"version": note.version, "text": too_long, "_save": "1"})
    assert response.status_code == 200
    assert "活動経過・今後の予定は10,000字以内で入力してください（いまは10001字です）。" in response.content.decode()
    note.refresh_from_db()
    assert note.text == "" and note.version == 1


def test_line_breaks_from_a_browser_count_once(client, report, people):
    """A browser sends each line break as \\r\\n: the limit counts the stored "\\n"."""
    note = note_of(report, 2)
    client.force_login(people["shokuin"])
    text = ("あ" * 99 + "\r\n") * 99 + "あ" * 100  # 10,099 sent, 10,000 characters once stored
    response = client.post(edit_url(note), {"version": note.version, "text": text, "_save": "1"})
    assert response.status_code == 302
    note.refresh_from_db()
    assert len(note.text) == LONG_TEXT_MAX_LENGTH


def test_the_review_comment_is_limited(client, report, people):
    note = note_of(report, 2)
    workflow.save_note(people["shokuin"], note, expected_version=1, text="記述", results={})
    note = workflow.submit(people["shokuin"], note)
    client.force_login(people["reviewer"])
    response = client.post(edit_url(note), {
        "version": note.version, "comment": "い" * (LONG_TEXT_MAX_LENGTH + 1), "_return": "1"})
    assert response.status_code == 200
    assert "審査コメントは10,000字以内で入力してください" in response.content.decode()
    note.refresh_from_db()
    assert note.status == "submitted" and note.review_comment == ""


def test_the_model_refuses_what_is_too_long_on_every_path(report, people):
    note = note_of(report, 2)
    with pytest.raises(ValidationError) as refused:
        workflow.save_note(people["shokuin"], note, expected_version=1, text="あ" * (LONG_TEXT_MAX_LENGTH + 1),
                           results={})
    assert refused.value.message_dict["text"] == [
        "活動経過・今後の予定は10,000字以内で入力してください（いまは10001字です）。"]
    note.refresh_from_db()
    assert note.text == "" and note.version == 1
    workflow.save_note(people["shokuin"], note, expected_version=1, text="記述", results={})
    note = workflow.submit(people["shokuin"], note)
    with pytest.raises(ValidationError, match="審査コメントは10,000字以内"):
        workflow.return_with_comment(people["reviewer"], note, "い" * (LONG_TEXT_MAX_LENGTH + 1))
    assert ProgressNote.objects.get(pk=note.pk).status == "submitted"


@pytest.mark.parametrize("field, label", [
    ("introduction", "はじめに"),
])
def test_long_plan_texts_are_refused_in_the_admin(client, seed_plan, people, field, label):
    client.force_login(people["reviewer"])
    url = reverse("admin:plans_plan_change", args=[seed_plan.pk])
    page = client.get(url).content.decode()
    assert "10,000字まで" in page
    plan = Plan.objects.get(pk=seed_plan.pk)
    with pytest.raises(ValidationError, match=f"{label}は10,000字以内"):
        setattr(plan, field, "あ" * (LONG_TEXT_MAX_LENGTH + 1))
        plan.full_clean()


def test_long_measure_texts_are_refused(seed_plan):
    measure = Measure.objects.get(plan=seed_plan, number=1)
    measure.current_situation = "う" * (LONG_TEXT_MAX_LENGTH + 1)
    measure.approach = "え" * LONG_TEXT_MAX_LENGTH
    with pytest.raises(ValidationError) as refused:
        measure.full_clean()
    assert set(refused.value.message_dict) == {"current_situation"}
