"""「まとめて提出」: staff submit all their drafts at once, all or nothing, after one confirmation page."""

import pytest
from django.urls import reverse

from reports import dashboard, workflow
from reports.models import Action, ProgressNote
from tests.workflow_helpers import department, staff


def note(report, number):
    return ProgressNote.objects.get(report=report, measure__number=number)


def write(user, report, number, text="取組を進めました。"):
    current = note(report, number)
    return workflow.save_note(user, current, expected_version=current.version, text=text, results={})


@pytest.fixture
def drafts(report, people):
    """職員課 has written measures 1 and 2; 子育て支援課 has written 11."""
    return {n: write(people["kodomo" if n == 11 else "shokuin"], report, n) for n in (1, 2, 11)}


def confirmed(*notes):
    return {n.pk: n.version for n in notes}


def test_offers_the_users_written_drafts_and_lists_unwritten_ones_apart(report, people, drafts):
    offered = dashboard.drafts_to_submit(people["shokuin"])
    assert [n.measure.number for n in offered.ready] == [1, 2]
    assert offered.unwritten == []
    kodomo = dashboard.drafts_to_submit(people["kodomo"], report.pk)
    assert [n.measure.number for n in kodomo.ready] == [11]
    assert dashboard.drafts_to_submit(people["reviewer"]).ready == []  # no department, nothing of theirs


def test_submits_each_note_with_the_history_and_action_a_single_submit_leaves(report, people, drafts):
    user = people["shokuin"]
    submitted = workflow.submit_all(user, confirmed(drafts[1], drafts[2]))
    assert [n.measure.number for n in submitted] == [1, 2]
    for number in (1, 2):
        fresh = note(report, number)
        assert (fresh.status, fresh.submitted_by) == ("submitted", user)
        action = Action.objects.get(note=fresh, kind=Action.Kind.SUBMIT)
        assert action.user == user and action.changes["status"] == {"before": "draft", "after": "submitted"}
        assert action.note_version == fresh.version
        record = fresh.history.order_by("-history_id").first()
        assert (record.history_user, record.history_change_reason, record.status) == (user, "提出", "submitted")
    assert note(report, 11).status == "draft"  # not confirmed: left as it was


def test_another_departments_note_refuses_all_and_submits_nothing(report, people, drafts):
    with pytest.raises(workflow.NotSubmitted) as refused:
        workflow.submit_all(people["shokuin"], confirmed(drafts[1], drafts[2], drafts[11]))
    assert [label for label, _ in refused.value.refusals] == [str(drafts[11].measure)]
    assert "担当している推進項目ではありません" in refused.value.refusals[0][1]
    assert set(ProgressNote.objects.filter(report=report).values_list("status", flat=True)) == {"draft"}
    assert not Action.objects.filter(kind=Action.Kind.SUBMIT).exists()


def test_a_note_submitted_meanwhile_by_a_colleague_is_named_and_nothing_is_submitted(report, people, drafts):
    colleague = staff("colleague", department("総務部", "職員課"))
    seen = confirmed(drafts[1], drafts[2])  # the confirmation page as the user saw it
    workflow.submit(colleague, drafts[2])
    with pytest.raises(workflow.NotSubmitted) as refused:
        workflow.submit_all(people["shokuin"], seen)
    [(label, reason)] = refused.value.refusals
    assert label == str(drafts[2].measure) and "提出済み" in reason
    assert note(report, 1).status == "draft"
    assert list(Action.objects.filter(kind=Action.Kind.SUBMIT).values_list("user__username", flat=True)) == ["colleague"]


def test_a_note_changed_since_confirmation_is_refused(report, people, drafts):
    seen = confirmed(drafts[1], drafts[2])
    write(people["shokuin"], report, 1, text="確認した後に書き直した")
    with pytest.raises(workflow.NotSubmitted) as refused:
        workflow.submit_all(people["shokuin"], seen)
    assert [label for label, _ in refused.value.refusals] == [str(drafts[1].measure)]
    assert note(report, 2).status == "draft"


def test_a_draft_without_narrative_is_refused(report, people, drafts):
    empty = note(report, 1)
    workflow.save_note(people["shokuin"], empty, expected_version=empty.version, text="", results={})
    assert [n.measure.number for n in dashboard.drafts_to_submit(people["shokuin"]).unwritten] == [1]
    with pytest.raises(workflow.NotSubmitted) as refused:
        workflow.submit_all(people["shokuin"], confirmed(note(report, 1), note(report, 2)))
    assert "入力してから提出" in refused.value.refusals[0][1]


def test_returned_notes_are_not_offered(report, people, drafts):
    submitted = workflow.submit(people["shokuin"], drafts[1])
    workflow.return_with_comment(people["reviewer"], submitted, "数字を直してください。")
    assert [n.measure.number for n in dashboard.drafts_to_submit(people["shokuin"]).ready] == [2]


def test_confirmation_page_then_submission(client, report, people, drafts):
    client.force_login(people["shokuin"])
    start = client.get(reverse("admin:index")).content.decode()
    url = reverse("admin:reports_progressnote_submit_all")
    assert f'{url}?report={report.pk}' in start
    page = client.get(url, {"report": report.pk}).content.decode()
    assert "提出する推進項目（2件）" in page and str(drafts[1].measure) in page and str(drafts[11].measure) not in page
    assert ProgressNote.objects.filter(status="submitted").count() == 0  # showing the page submits nothing
    done = client.post(url, {"report": report.pk, "note": [f"{n.pk}:{n.version}" for n in (drafts[1], drafts[2])]})
    assert done.status_code == 302 and done["Location"] == reverse("admin:index")
    assert set(ProgressNote.objects.filter(status="submitted").values_list("measure__number", flat=True)) == {1, 2}


def test_crafted_post_for_another_department_is_refused_on_the_page(client, report, people, drafts):
    client.force_login(people["shokuin"])
    url = reverse("admin:reports_progressnote_submit_all")
    page = client.post(url, {"note": [f"{drafts[1].pk}:{drafts[1].version}", f"{drafts[11].pk}:{drafts[11].version}"]})
    html = page.content.decode()
    assert page.status_code == 200 and "どの推進項目も提出していません" in html and "担当している推進項目ではありません" in html
    assert not ProgressNote.objects.filter(status="submitted").exists()
    assert client.post(url, {"note": ["abc"]}).status_code == 200
    assert not ProgressNote.objects.filter(status="submitted").exists()


def test_upload_of_a_result_workbook_leads_to_the_confirmation(client, report, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.exchange.test_result_template import fill, pending_upload_id

    client.force_login(people["shokuin"])
    download = client.get(reverse("exchange_admin:result-template", args=[report.pk]))
    url = reverse("exchange_admin:result-upload", args=[report.pk])
    preview = client.post(url, {"workbook": SimpleUploadedFile("r.xlsx", fill(download.content, results={(2, "①", "令和5年度"): 30000}))})
    saved = client.post(url, {"confirm": "1", "pending": pending_upload_id(preview)})
    assert saved["Location"] == reverse("admin:reports_progressnote_submit_all") + f"?report={report.pk}"
