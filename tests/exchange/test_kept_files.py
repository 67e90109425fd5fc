"""Kept files: a published report's workbook and open data are built once and then served as kept;
a change of public data shows at once; a draft's workbook is built on every download."""

import csv
import datetime
import io
import json
import types
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import DatabaseError
from django.urls import reverse

from exchange import kept_files, opendata
from exchange.models import KeptFile
from exchange.opendata import SCHEMA
from exchange.report_workbook import report_workbook
from reports import publication, workflow
from reports.models import ProgressNote, ProgressReport

from .helpers import sheet_values

CSV, JSON = KeptFile.Kind.OPENDATA_CSV, KeptFile.Kind.OPENDATA_JSON


@pytest.fixture
def builds(monkeypatch):
    """How many times each file was built: the builders, counted (and still building)."""
    counts = {"workbook": 0, "csv": 0, "json": 0}

    def counted(name, build):
        def wrapper(*args):
            counts[name] += 1
            return build(*args)
        return wrapper

    monkeypatch.setattr(kept_files, "report_workbook", counted("workbook", report_workbook))
    monkeypatch.setitem(kept_files.OPENDATA_BUILDERS, CSV, counted("csv", kept_files.OPENDATA_BUILDERS[CSV]))
    monkeypatch.setitem(kept_files.OPENDATA_BUILDERS, JSON, counted("json", kept_files.OPENDATA_BUILDERS[JSON]))
    return counts


def published_workbook_url(plan):
    return reverse("exchange:report-xlsx", args=[plan.slug, "2023-09-01"])


def summary_row(content: bytes, number: int, slot: str, year: str) -> list:
    return next(r for r in sheet_values(content)["一覧"][2:] if r[0] == number and r[3] == slot and r[5] == year)


def test_a_published_reports_workbook_is_built_once_then_served_as_kept(client, seed_plan, builds):
    url = published_workbook_url(seed_plan)
    first = client.get(url)
    second = client.get(url)
    assert first.status_code == second.status_code == 200
    assert builds["workbook"] == 1
    assert second.content == first.content
    assert sheet_values(second.content) == sheet_values(first.content)
    assert sheet_values(second.content)["No.1"][0][:2] == ["取組視点", "5つの柱① ヒト"]
    report = ProgressReport.objects.get(plan=seed_plan, as_of=datetime.date(2023, 9, 1))
    assert list(KeptFile.objects.values_list("kind", "report")) == [(KeptFile.Kind.REPORT_WORKBOOK, report.pk)]
    assert "attachment" in second["Content-Disposition"]

    # A client that has it asks again with its ETag: 304, nothing built, nothing sent.
    revalidated = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert revalidated.status_code == 304 and revalidated.content == b""
    assert builds["workbook"] == 1


def test_a_published_reports_workbook_is_built_again_after_its_format_changes(client, seed_plan, builds, monkeypatch):
    url = published_workbook_url(seed_plan)
    old = client.get(url)
    monkeypatch.setattr(kept_files, "REPORT_WORKBOOK_FORMAT", kept_files.REPORT_WORKBOOK_FORMAT + 1)
    new = client.get(url)
    assert builds["workbook"] == 2
    assert new["ETag"] != old["ETag"]
    assert client.get(url, headers={"If-None-Match": old["ETag"]}).status_code == 200
    assert KeptFile.objects.count() == 1  # the previous format's file is superseded


def test_a_drafts_workbook_shows_a_result_proposed_after_the_first_download(client, report, people, builds):
    url = reverse("exchange:report-xlsx", args=[report.plan.slug, report.as_of.isoformat()])
    client.force_login(people["reviewer"])
    before = client.get(url)
    assert before.status_code == 200
    assert summary_row(before.content, 2, "①", "令和5年度")[7] is None

    overtime = report.plan.measures.get(number=2).indicators.get(slot=1).years.get(fiscal_year=2023)
    workflow.save_note(people["shokuin"], ProgressNote.objects.get(report=report, measure__number=2),
                       expected_version=1, text="時間外勤務を削減しました。", results={overtime.pk: Decimal(34068)})
    after = client.get(url)
    assert summary_row(after.content, 2, "①", "令和5年度")[7] == 34068
    assert builds["workbook"] == 2
    assert not KeptFile.objects.exists()


def csv_records(response) -> list[dict]:
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    return [dict(zip([c.name for c in SCHEMA], row)) for row in rows[1:]]


def test_open_data_is_built_once_a_version_and_day(client, seed_plan, builds):
    csv_url, json_url = reverse("exchange:opendata-csv"), reverse("exchange:opendata-json")
    first_csv, first_json = client.get(csv_url), client.get(json_url)
    assert client.get(csv_url).content == first_csv.content
    assert client.get(json_url).content == first_json.content
    assert (builds["csv"], builds["json"]) == (1, 1)
    assert first_csv["Content-Type"] == "text/csv; charset=utf-8" and "attachment" in first_csv["Content-Disposition"]
    assert first_json["Content-Type"] == "application/json; charset=utf-8"
    assert client.get(csv_url, headers={"If-None-Match": first_csv["ETag"]}).status_code == 304
    assert client.get(json_url, headers={"If-None-Match": first_json["ETag"]}).status_code == 304
    assert (builds["csv"], builds["json"]) == (1, 1)
    assert set(KeptFile.objects.values_list("kind", flat=True)) == {CSV, JSON}


def test_open_data_shows_a_change_of_public_data_at_once(client, seed_plan, builds, django_capture_on_commit_callbacks):
    csv_url, json_url = reverse("exchange:opendata-csv"), reverse("exchange:opendata-json")
    before = client.get(csv_url)
    assert {r["plan"] for r in csv_records(before)} == {"2023-2026"}
    client.get(json_url)

    # An edit of the live plan that open data shows as it is (the plan's URL name), once it commits.
    with django_capture_on_commit_callbacks(execute=True):
        seed_plan.slug = "kisarazu-2023"
        seed_plan.save()
    renamed = client.get(csv_url)
    assert {r["plan"] for r in csv_records(renamed)} == {"kisarazu-2023"}
    assert renamed["ETag"] != before["ETag"]
    assert client.get(csv_url, headers={"If-None-Match": before["ETag"]}).status_code == 200
    assert '"plan": "kisarazu-2023"' in client.get(json_url).content.decode()

    # A measure's new title is public once a report publishes it: then open data shows it at once.
    with django_capture_on_commit_callbacks(execute=True):
        measure = seed_plan.measures.get(number=1)
        measure.title = "働き方の改革"
        measure.save()
        publication.publish_report(ProgressReport.objects.create(plan=seed_plan, as_of=datetime.date(2024, 6, 1)))
    records = json.loads(client.get(json_url).content)["records"]
    assert {r["measure_title"] for r in records if r["measure_number"] == 1} == {"働き方の改革（複線型人事制度の確立）"}
    assert {r["report_as_of"] for r in records} == {"2024-06-01"}
    assert (builds["csv"], builds["json"]) == (2, 3)
    # Only the latest of each format is kept.
    assert sorted(KeptFile.objects.values_list("kind", flat=True)) == sorted([CSV, JSON])


def test_open_data_is_built_again_on_a_new_day(client, seed_plan, builds, monkeypatch):
    url = reverse("exchange:opendata-json")
    client.get(url)
    monkeypatch.setattr("exchange.views.timezone.localdate", lambda: datetime.date(2099, 4, 1))
    client.get(url)
    assert builds["json"] == 2
    assert KeptFile.objects.get().key.split(":")[2] == "2099-04-01"


def test_a_file_kept_by_another_worker_meanwhile_is_no_error(db):
    def build_while_another_worker_keeps_it():
        kept_files.get_or_build("opendata_csv:7:2024-10-01:v1", lambda: b"the winner's", kind=CSV)
        return b"the loser's"

    content = kept_files.get_or_build("opendata_csv:7:2024-10-01:v1", build_while_another_worker_keeps_it, kind=CSV)
    assert content == b"the loser's"  # what it built, without an error
    assert bytes(KeptFile.objects.get().content) == b"the winner's"
    assert kept_files.get_or_build("opendata_csv:7:2024-10-01:v1", lambda: b"never built", kind=CSV) == b"the winner's"


def test_a_file_that_cannot_be_kept_is_still_served(client, seed_plan, monkeypatch):
    def refuse(*args, **kwargs):
        raise DatabaseError("database is locked")

    monkeypatch.setattr(kept_files, "_keep", refuse)
    response = client.get(reverse("exchange:opendata-json"))
    assert response.status_code == 200 and json.loads(response.content)["records"]
    assert not KeptFile.objects.exists()


@pytest.fixture
def clock(monkeypatch):
    """kept_files' clock, one second further on each time it is read."""
    ticks = iter(datetime.datetime(2024, 10, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(seconds=s)
                 for s in range(1000))
    monkeypatch.setattr(kept_files, "timezone", types.SimpleNamespace(now=lambda: next(ticks)))


def test_older_files_are_deleted_when_a_newer_one_is_kept(db, clock):
    kept_files.get_or_build("opendata_json:1:2024-10-01:v1", lambda: b"1", kind=JSON)
    kept_files.get_or_build("opendata_csv:1:2024-10-01:v1", lambda: b"1", kind=CSV)
    kept_files.get_or_build("opendata_json:2:2024-10-01:v1", lambda: b"2", kind=JSON)
    kept_files.get_or_build("opendata_json:2:2024-10-02:v1", lambda: b"3", kind=JSON)
    assert sorted(KeptFile.objects.values_list("key", flat=True)) == [
        "opendata_csv:1:2024-10-01:v1", "opendata_json:2:2024-10-02:v1"]


def test_a_slower_build_of_an_older_version_leaves_the_newer_file(db, clock):
    def older_build_finishing_last():
        # Meanwhile, another worker saw the newer version, built it and kept it.
        kept_files.get_or_build("opendata_json:9:2024-10-01:v1", lambda: b"newer", kind=JSON)
        return b"older"

    kept_files.get_or_build("opendata_json:8:2024-10-01:v1", older_build_finishing_last, kind=JSON)
    assert kept_files.get_or_build("opendata_json:9:2024-10-01:v1", lambda: b"never built", kind=JSON) == b"newer"
    kept_files.get_or_build("opendata_json:10:2024-10-01:v1", lambda: b"newest", kind=JSON)
    assert list(KeptFile.objects.values_list("key", flat=True)) == ["opendata_json:10:2024-10-01:v1"]


def test_each_published_report_keeps_its_own_workbook(client, seed_plan, builds):
    later = publication.publish_report(ProgressReport.objects.create(plan=seed_plan, as_of=datetime.date(2024, 6, 1)))
    later_url = reverse("exchange:report-xlsx", args=[seed_plan.slug, "2024-06-01"])
    for url in (published_workbook_url(seed_plan), later_url, published_workbook_url(seed_plan), later_url):
        assert client.get(url).status_code == 200
    assert builds["workbook"] == 2
    earlier = ProgressReport.objects.get(plan=seed_plan, as_of=datetime.date(2023, 9, 1))
    assert sorted(KeptFile.objects.values_list("report", flat=True)) == sorted([earlier.pk, later.pk])


def test_clear_kept_files_deletes_them_all(client, seed_plan, builds):
    client.get(published_workbook_url(seed_plan))
    client.get(reverse("exchange:opendata-csv"))
    out = io.StringIO()
    call_command("clear_kept_files", stdout=out)
    assert "Deleted 2 kept file(s)." in out.getvalue()
    assert not KeptFile.objects.exists()
    client.get(published_workbook_url(seed_plan))
    assert builds["workbook"] == 2


def test_the_csv_offers_machine_names_as_a_header_row_choice_from_the_same_kept_file(client, seed_plan, builds):
    url = reverse("exchange:opendata-csv")
    japanese, english = client.get(url), client.get(url, {"header": "en"})
    assert builds["csv"] == 1  # one build serves both
    ja_lines = japanese.content.decode("utf-8-sig").split("\r\n")
    en_lines = english.content.decode("utf-8-sig").split("\r\n")
    assert ja_lines[0].startswith("自治体名") and en_lines[0].split(",")[:2] == [c.name for c in opendata.SCHEMA][:2]
    assert en_lines[1:] == ja_lines[1:] and len(en_lines) > 10
    assert "indicators_en.csv" in english["Content-Disposition"]
    assert english["ETag"] != japanese["ETag"]
    assert client.get(url, {"header": "en"}, headers={"If-None-Match": english["ETag"]}).status_code == 304
    records = list(csv.DictReader(io.StringIO(english.content.decode("utf-8-sig"))))
    assert records[0]["measure_number"] and records[0]["fiscal_year"].isdigit()
