"""A published report's PDF is built once and kept: a second request, a revalidation, a request made
while another builds it (the build claim) never build it again; a failed build leaves no claim behind,
and a claim left by a worker that died is taken over. The report page and the report list link to it.

The builder is replaced by a fast stand-in that counts its calls: what is tested here is the keeping
and the claim, the same whatever the bytes (tests/exchange/test_report_pdf_content.py builds real PDFs)."""

import datetime
import io
import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from exchange import kept_files
from exchange.models import KeptFile, KeptFileBuild
from reports.models import ProgressReport

AS_OF = "2023-09-01"


def pdf_url(plan, as_of=AS_OF):
    return reverse("exchange:report-pdf", args=[plan.slug, as_of])


def seed_report(plan):
    return ProgressReport.objects.get(plan=plan, as_of=AS_OF)


def test_a_published_reports_pdf_is_built_once_then_served_as_kept(client, seed_plan, builds):
    url = pdf_url(seed_plan)
    first, second = client.get(url), client.get(url)
    assert first.status_code == second.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    assert builds == [seed_report(seed_plan).pk]
    assert second.content == first.content
    assert list(KeptFile.objects.values_list("kind", "report")) == [(KeptFile.Kind.REPORT_PDF, seed_report(seed_plan).pk)]
    assert not KeptFileBuild.objects.exists()  # the claim goes with the build

    revalidated = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert revalidated.status_code == 304 and revalidated.content == b""
    assert len(builds) == 1


def test_the_pdf_is_built_again_only_when_its_format_changes(client, seed_plan, builds, monkeypatch):
    url = pdf_url(seed_plan)
    old = client.get(url)
    monkeypatch.setattr(kept_files, "REPORT_PDF_FORMAT", kept_files.REPORT_PDF_FORMAT + 1)
    new = client.get(url)
    assert len(builds) == 2 and new["ETag"] != old["ETag"]
    assert KeptFile.objects.filter(kind=KeptFile.Kind.REPORT_PDF).count() == 1  # the old one superseded


def test_a_request_while_another_builds_waits_for_its_file_and_builds_nothing(client, seed_plan, builds, monkeypatch):
    """Another worker holds the claim; when it has kept its file, this request serves that file."""
    report = seed_report(seed_plan)
    key = kept_files.report_pdf_key(report)
    KeptFileBuild.objects.create(key=key)
    waits = []

    def other_worker_finishes(seconds):
        waits.append(seconds)
        if len(waits) == 3:  # the other build ends while this request waits
            kept_files._keep(key, b"%PDF the other worker's", kind=KeptFile.Kind.REPORT_PDF, report=report,
                             started=timezone.now())
            KeptFileBuild.objects.filter(key=key).delete()
    monkeypatch.setattr(kept_files.time, "sleep", other_worker_finishes)

    response = client.get(pdf_url(seed_plan))
    assert response.status_code == 200
    assert response.content == b"%PDF the other worker's"
    assert builds == [] and len(waits) == 3


def test_a_failed_build_leaves_no_claim_and_the_next_request_builds(client, seed_plan, builds, monkeypatch):
    def broken(report):
        raise RuntimeError("the renderer fell over")
    monkeypatch.setattr(kept_files, "report_pdf", broken)
    with pytest.raises(RuntimeError):
        client.get(pdf_url(seed_plan))
    assert not KeptFileBuild.objects.exists() and not KeptFile.objects.exists()


def test_a_claim_left_by_a_dead_worker_is_taken_over(client, seed_plan, builds, monkeypatch):
    key = kept_files.report_pdf_key(seed_report(seed_plan))
    KeptFileBuild.objects.create(key=key, started_at=timezone.now() - kept_files.KEPT_FILE_BUILD_TIMEOUT
                                 - datetime.timedelta(seconds=1))
    monkeypatch.setattr(kept_files.time, "sleep", lambda seconds: pytest.fail("waited for a dead build"))
    assert client.get(pdf_url(seed_plan)).status_code == 200
    assert len(builds) == 1 and not KeptFileBuild.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="requests in threads need PostgreSQL; SQLite serialises writes")
def test_two_simultaneous_requests_build_the_pdf_once(seed_plan, monkeypatch):
    started, release = threading.Event(), threading.Event()
    calls = []

    def slow_build(report):
        calls.append(report.pk)
        started.set()
        assert release.wait(30)
        return b"%PDF built once"
    monkeypatch.setattr(kept_files, "report_pdf", slow_build)
    monkeypatch.setattr(kept_files, "WAIT_INTERVAL_SECONDS", 0.02)
    url, results = pdf_url(seed_plan), {}

    def fetch(name):
        try:
            results[name] = Client().get(url).content
        finally:
            connections.close_all()
    first = threading.Thread(target=fetch, args=("first",))
    first.start()
    assert started.wait(30)
    second = threading.Thread(target=fetch, args=("second",))
    second.start()
    second.join(0.5)
    assert second.is_alive()  # waiting for the first build, not building
    release.set()
    first.join(30), second.join(30)
    assert results == {"first": b"%PDF built once", "second": b"%PDF built once"}
    assert len(calls) == 1


def test_a_report_not_published_has_no_public_pdf(client, report, people, builds):
    url = pdf_url(report.plan, report.as_of.isoformat())
    assert client.get(url).status_code == 404
    client.force_login(people["reviewer"])
    assert client.get(url).status_code == 404  # the reform office has its draft in the admin
    assert builds == [] and not KeptFile.objects.exists()


def test_the_report_page_and_the_report_list_link_to_the_pdf(client, seed_plan):
    url = pdf_url(seed_plan)
    page = client.get(reverse("public:report", args=[seed_plan.slug, AS_OF])).content.decode()
    listing = client.get(reverse("public:report_list", args=[seed_plan.slug])).content.decode()
    assert f'href="{url}"' in page and "PDF形式" in page
    assert f'href="{url}"' in listing


def test_a_server_without_a_japanese_font_says_what_to_install(client, seed_plan, monkeypatch):
    from exchange import report_pdf

    report_pdf.japanese_fonts.cache_clear()
    monkeypatch.setattr(report_pdf, "_weasyprint_problem", lambda: "")
    monkeypatch.setattr(report_pdf.subprocess, "run", lambda *a, **k: type("R", (), {"stdout": ""})())
    try:
        response = client.get(pdf_url(seed_plan))
    finally:
        report_pdf.japanese_fonts.cache_clear()
    assert response.status_code == 503
    page = response.content.decode()
    assert "日本語のフォント" in page and "fonts-noto-cjk" in page
    assert not KeptFile.objects.exists() and not KeptFileBuild.objects.exists()


def test_build_report_pdfs_builds_each_published_reports_pdf_once_outside_requests(client, seed_plan, builds, monkeypatch):
    from django.core.management import call_command

    from exchange import report_pdf

    monkeypatch.setattr(report_pdf, "missing_requirements", lambda: None)
    call_command("build_report_pdfs", stdout=io.StringIO())
    call_command("build_report_pdfs", stdout=io.StringIO())  # kept already: nothing to do
    assert builds == [seed_report(seed_plan).pk]
    assert client.get(pdf_url(seed_plan)).content == f"%PDF-1.7 report {seed_report(seed_plan).pk} build 1".encode()
    assert len(builds) == 1
