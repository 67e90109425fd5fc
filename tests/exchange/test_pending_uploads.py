"""An upload waiting for confirmation is kept in the database for its uploader only, used once, and expires."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from exchange.models import PENDING_UPLOAD_LIFETIME, PendingUpload, PendingUploadUnavailable
from exchange.plan_workbook import export_plan
from exchange import result_template
from plans.models import Plan
from reports.models import ProgressReport, ResultEntry
from tests.workflow_helpers import department, staff

from .helpers import edited, pending_upload_id
from .test_result_template import fill

AUTH_SESSION_KEYS = {"_auth_user_id", "_auth_user_backend", "_auth_user_hash"}
NEXT_YEARS = {"令和5年度": "令和9年度", "令和6年度": "令和10年度", "令和7年度": "令和11年度", "令和8年度": "令和12年度"}


def next_plan_workbook(seed_plan) -> bytes:
    """The seed plan's workbook, edited into a plan for FY2027-2030 that can be imported."""

    def edit(workbook):
        workbook["計画"]["B2"] = "2027-2030"
        workbook["計画"]["B6"] = "令和9年度"
        workbook["計画"]["B7"] = "令和12年度"
        for row in workbook["目標値"].iter_rows(min_row=2):
            row[2].value = NEXT_YEARS[row[2].value]
    return edited(export_plan(seed_plan), edit)


def preview_plan(client, seed_plan, data=None):
    data = data or next_plan_workbook(seed_plan)
    response = client.post(reverse("exchange_admin:plan-import"), {"workbook": SimpleUploadedFile("p.xlsx", data)})
    assert "作成する内容の確認" in response.content.decode()
    return response


def preview_results(client, report, user, value=30000):
    data = fill(result_template.template_workbook(user, report), results={(2, "①", "令和5年度"): value})
    response = client.post(reverse("exchange_admin:result-upload", args=[report.pk]),
                           {"workbook": SimpleUploadedFile("r.xlsx", data)})
    assert "変更内容の確認" in response.content.decode()
    return response


def confirm(client, url, pending_id):
    return client.post(url, {"confirm": "1", "pending": pending_id}, follow=True).content.decode()


def test_a_previewed_plan_workbook_waits_in_the_database_not_in_the_session(client, seed_plan, people):
    client.force_login(people["reviewer"])
    data = next_plan_workbook(seed_plan)
    preview = preview_plan(client, seed_plan, data)
    pending = PendingUpload.objects.get(pk=pending_upload_id(preview))
    assert (pending.user, pending.kind, pending.report) == (people["reviewer"], "plan_workbook", None)
    assert bytes(pending.workbook) == data
    deadline = timezone.localtime(pending.created_at + datetime.timedelta(hours=1))
    assert f"{deadline.hour}:{deadline.minute:02d}までに確定してください" in preview.content.decode()
    assert set(client.session.keys()) <= AUTH_SESSION_KEYS
    assert len(client.session.encode(dict(client.session))) < 1000


def test_a_previewed_result_template_waits_in_the_database_not_in_the_session(client, report, people):
    user = people["shokuin"]
    client.force_login(user)
    pending = PendingUpload.objects.get(pk=pending_upload_id(preview_results(client, report, user)))
    assert (pending.user, pending.kind, pending.report) == (user, "result_template", report)
    assert pending.data == result_template.read_upload(
        user, report, fill(result_template.template_workbook(user, report), results={(2, "①", "令和5年度"): 30000})
    ).as_session()
    assert set(client.session.keys()) <= AUTH_SESSION_KEYS


def test_another_user_cannot_confirm_someone_elses_plan_workbook(client, seed_plan, people):
    client.force_login(people["reviewer"])
    pending_id = pending_upload_id(preview_plan(client, seed_plan))
    url = reverse("exchange_admin:plan-import")

    client.force_login(people["reviewer2"])  # may import plans too, but did not upload this one
    assert "確認中のアップロードが見つかりません" in confirm(client, url, pending_id)
    assert not Plan.objects.filter(slug="2027-2030").exists()

    client.force_login(people["reviewer"])  # the uploader still can
    assert "を作成しました" in confirm(client, url, pending_id)
    assert Plan.objects.filter(slug="2027-2030").exists()
    assert not PendingUpload.objects.exists()


def test_another_user_cannot_confirm_someone_elses_result_upload(client, report, people):
    client.force_login(people["shokuin"])
    pending_id = pending_upload_id(preview_results(client, report, people["shokuin"]))
    url = reverse("exchange_admin:result-upload", args=[report.pk])

    colleague = staff("sato", department("総務部", "職員課"))  # may enter the same measures
    client.force_login(colleague)
    assert "確認中のアップロードが見つかりません" in confirm(client, url, pending_id)
    assert not ResultEntry.objects.exists()

    client.force_login(people["shokuin"])
    assert "件の推進項目の結果・記述を保存しました" in confirm(client, url, pending_id)
    assert ResultEntry.objects.get().value == 30000


@pytest.mark.parametrize("kind", ["plan", "results"])
def test_an_expired_pending_upload_is_refused_and_deleted(client, report, people, seed_plan, kind):
    if kind == "plan":
        client.force_login(people["reviewer"])
        pending_id, url = pending_upload_id(preview_plan(client, seed_plan)), reverse("exchange_admin:plan-import")
    else:
        client.force_login(people["shokuin"])
        pending_id = pending_upload_id(preview_results(client, report, people["shokuin"]))
        url = reverse("exchange_admin:result-upload", args=[report.pk])
    PendingUpload.objects.filter(pk=pending_id).update(
        created_at=timezone.now() - PENDING_UPLOAD_LIFETIME - datetime.timedelta(seconds=1))

    page = confirm(client, url, pending_id)
    assert "確認の期限が切れました。何も保存していません。もう一度ファイルを選んでアップロードしてください。" in page
    assert not Plan.objects.filter(slug="2027-2030").exists()
    assert not ResultEntry.objects.exists()
    assert not PendingUpload.objects.exists()


def test_a_pending_upload_within_its_hour_is_accepted(client, seed_plan, people):
    client.force_login(people["reviewer"])
    pending_id = pending_upload_id(preview_plan(client, seed_plan))
    PendingUpload.objects.filter(pk=pending_id).update(
        created_at=timezone.now() - PENDING_UPLOAD_LIFETIME + datetime.timedelta(minutes=1))
    assert "を作成しました" in confirm(client, reverse("exchange_admin:plan-import"), pending_id)


def test_expired_uploads_are_deleted_at_the_next_upload(client, report, people):
    old = PendingUpload.objects.create(user=people["kodomo"], kind="result_template", report=report, data={"notes": {}},
                                       created_at=timezone.now() - PENDING_UPLOAD_LIFETIME)
    recent = PendingUpload.objects.create(user=people["kodomo"], kind="result_template", report=report,
                                          data={"notes": {}})
    client.force_login(people["shokuin"])
    new_id = pending_upload_id(preview_results(client, report, people["shokuin"]))
    assert set(PendingUpload.objects.values_list("pk", flat=True)) == {recent.pk, PendingUpload.objects.get(pk=new_id).pk}
    assert not PendingUpload.objects.filter(pk=old.pk).exists()


def test_a_pending_upload_is_used_once(client, report, people):
    client.force_login(people["shokuin"])
    pending_id = pending_upload_id(preview_results(client, report, people["shokuin"]))
    url = reverse("exchange_admin:result-upload", args=[report.pk])
    assert "件の推進項目の結果・記述を保存しました" in confirm(client, url, pending_id)
    assert "確認中のアップロードが見つかりません" in confirm(client, url, pending_id)  # a second click
    assert ResultEntry.objects.get().value == 30000


def test_a_pending_upload_belongs_to_its_report(client, report, people):
    """A result upload previewed for one report is not found for another one."""
    client.force_login(people["shokuin"])
    pending_id = pending_upload_id(preview_results(client, report, people["shokuin"]))
    published = ProgressReport.objects.exclude(pk=report.pk).get()  # the seed's published report
    with pytest.raises(PendingUploadUnavailable, match="確認中のアップロードが見つかりません"):
        PendingUpload.objects.take(people["shokuin"], "result_template", pending_id, report=published)
    with pytest.raises(PendingUploadUnavailable):
        PendingUpload.objects.take(people["shokuin"], "plan_workbook", pending_id)
    assert PendingUpload.objects.take(people["shokuin"], "result_template", pending_id, report=report).data


@pytest.mark.parametrize("pending_id", ["", "not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_a_confirmation_without_a_known_upload_says_what_to_do(client, seed_plan, people, pending_id):
    client.force_login(people["reviewer"])
    page = confirm(client, reverse("exchange_admin:plan-import"), pending_id)
    assert "確認中のアップロードが見つかりません。もう一度ファイルを選んでください。" in page


def test_dropping_a_pending_upload_deletes_it_and_saves_nothing(client, report, people):
    client.force_login(people["shokuin"])
    pending_id = pending_upload_id(preview_results(client, report, people["shokuin"]))
    url = reverse("exchange_admin:result-upload", args=[report.pk])
    page = client.post(url, {"cancel": "1", "pending": pending_id}, follow=True).content.decode()
    assert "保存せずに破棄しました" in page
    assert not PendingUpload.objects.exists() and not ResultEntry.objects.exists()
    assert "確認中のアップロードが見つかりません" in confirm(client, url, pending_id)
