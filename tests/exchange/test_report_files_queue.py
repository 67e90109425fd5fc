"""A published report's PDF is built in the background (exchange.jobs, django-rq): publication queues the
build once it commits, a worker builds and keeps the PDF and the workbook, and a public request for a large
report's PDF not built yet answers 「PDFを作成しています」 (503, Retry-After) without building it, queuing it
only when nothing builds it yet.

The queue is a real RQ queue on the Redis at 127.0.0.1:6379 (database 15, a test-only queue name; .ci/run
starts Redis), run by a burst SimpleWorker in this process, or a synchronous one (is_async=False). The
PDF builder is a fast stand-in that counts its calls (tests/exchange/test_report_pdf_content.py builds real PDFs)."""

import io
import os
import socket

import pytest
from django.core.management import call_command
from django.urls import reverse

from exchange import jobs, kept_files, report_pdf
from exchange.models import KeptFile, KeptFileBuild
from reports import workflow
from reports.models import ProgressReport

SEED_AS_OF = "2023-09-01"
TEST_QUEUE = "kisarazu-tests-report-files"


def redis_is_running() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.fixture
def builds(builds, monkeypatch):
    """The counted PDF builder (tests/exchange/conftest.py), on a machine that may lack PDF fonts."""
    monkeypatch.setattr(report_pdf, "missing_requirements", lambda: None)
    return builds

def make_queue(monkeypatch, settings, *, is_async=True):
    """A real RQ queue of its own on Redis database 15, used by exchange.jobs; emptied before and after."""
    if not redis_is_running():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis is not running at 127.0.0.1:6379 (.ci/run starts it)")
        pytest.skip("Redis is not running at 127.0.0.1:6379")
    from redis import Redis
    from rq import Queue

    queue = Queue(TEST_QUEUE, connection=Redis.from_url("redis://127.0.0.1:6379/15"), is_async=is_async)
    forget_jobs(queue)
    settings.BACKGROUND_JOBS = True
    monkeypatch.setattr(jobs, "queue", lambda: queue)
    return queue


def forget_jobs(queue):
    """Jobs of earlier runs gone (the database's reports reuse their ids): database 15 is the tests' own."""
    queue.empty()
    for key in queue.connection.scan_iter("rq:*"):
        queue.connection.delete(key)


@pytest.fixture
def rq_queue(monkeypatch, settings):
    queue = make_queue(monkeypatch, settings)
    yield queue
    forget_jobs(queue)


def run_worker(queue):
    from rq import SimpleWorker

    SimpleWorker([queue], connection=queue.connection).work(burst=True)


def pdf_url(report):
    return reverse("exchange:report-pdf", args=[report.plan.slug, report.as_of.isoformat()])


def publish(people, report, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.publish(people["reviewer"], report)
    report.refresh_from_db()
    return report


def test_publication_queues_the_pdf_and_workbook_and_a_worker_builds_them_once(
        client, people, report, builds, rq_queue, django_capture_on_commit_callbacks):
    report = publish(people, report, django_capture_on_commit_callbacks)
    assert rq_queue.job_ids == [jobs.job_id(report)]
    assert builds == [] and not KeptFile.objects.exists()  # queued, not built by the publishing request

    run_worker(rq_queue)
    assert builds == [report.pk]
    assert set(KeptFile.objects.values_list("kind", "report")) == {
        (KeptFile.Kind.REPORT_PDF, report.pk), (KeptFile.Kind.REPORT_WORKBOOK, report.pk)}
    assert not KeptFileBuild.objects.exists()

    response = client.get(pdf_url(report))
    assert response.status_code == 200 and response.content == f"%PDF-1.7 report {report.pk} build 1".encode()
    assert jobs.enqueue_report_files(report) is False  # kept: nothing more to queue
    assert rq_queue.job_ids == [] and builds == [report.pk]


def test_a_synchronous_queue_builds_the_pdf_as_the_publication_commits(
        monkeypatch, settings, people, report, builds, django_capture_on_commit_callbacks):
    make_queue(monkeypatch, settings, is_async=False)
    report = publish(people, report, django_capture_on_commit_callbacks)
    assert builds == [report.pk]
    assert KeptFile.objects.filter(key=kept_files.report_pdf_key(report)).exists()


def test_a_publication_that_fails_queues_nothing(people, report, builds, rq_queue, django_capture_on_commit_callbacks):
    from plans import permissions

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(permissions.NotAllowed):
        workflow.publish(people["shokuin"], report)  # staff may not publish
    assert rq_queue.job_ids == [] and builds == []


def test_an_unbuilt_large_pdf_answers_the_waiting_page_and_is_queued_once(client, seed_plan, builds, rq_queue, settings):
    settings.REPORT_PDF_IN_REQUEST_MAX_MEASURES = 5  # the seed's 15 measures count as a large report here
    report = ProgressReport.objects.get(plan=seed_plan, as_of=SEED_AS_OF)

    first, second = client.get(pdf_url(report)), client.get(pdf_url(report))
    for response in (first, second):
        assert response.status_code == 503
        assert response["Retry-After"] == "30" and "no-store" in response["Cache-Control"]
        page = response.content.decode()
        assert "PDFを作成しています。しばらくしてから再度お開きください。" in page
        assert 'lang="ja"' in page and reverse("public:report", args=[seed_plan.slug, SEED_AS_OF]) in page
    assert builds == []  # never built inside the request
    assert rq_queue.job_ids == [jobs.job_id(report)]  # queued by the first request only

    run_worker(rq_queue)
    served = client.get(pdf_url(report))
    assert served.status_code == 200 and served["Content-Type"] == "application/pdf"
    assert builds == [report.pk]


def test_a_large_pdf_being_built_is_not_queued_again(client, seed_plan, builds, rq_queue, settings):
    settings.REPORT_PDF_IN_REQUEST_MAX_MEASURES = 5
    report = ProgressReport.objects.get(plan=seed_plan, as_of=SEED_AS_OF)
    KeptFileBuild.objects.create(key=kept_files.report_pdf_key(report))  # build_report_pdfs or a worker on it

    response = client.get(pdf_url(report))
    assert response.status_code == 503 and "PDFを作成しています" in response.content.decode()
    assert rq_queue.job_ids == [] and builds == []


def test_a_small_report_is_still_built_by_its_first_request(client, seed_plan, builds, rq_queue, settings):
    settings.REPORT_PDF_IN_REQUEST_MAX_MEASURES = 30
    report = ProgressReport.objects.get(plan=seed_plan, as_of=SEED_AS_OF)
    response = client.get(pdf_url(report))
    assert response.status_code == 200 and builds == [report.pk] and rq_queue.job_ids == []


def test_without_a_queue_a_large_pdf_waits_for_build_report_pdfs(client, seed_plan, builds, settings):
    settings.BACKGROUND_JOBS = False
    settings.REPORT_PDF_IN_REQUEST_MAX_MEASURES = 5
    report = ProgressReport.objects.get(plan=seed_plan, as_of=SEED_AS_OF)

    assert client.get(pdf_url(report)).status_code == 503
    assert builds == []
    call_command("build_report_pdfs", stdout=io.StringIO())
    assert client.get(pdf_url(report)).status_code == 200
    assert builds == [report.pk]


def test_a_queue_that_cannot_be_reached_never_undoes_the_publication(
        monkeypatch, settings, people, report, builds, django_capture_on_commit_callbacks):
    from redis import Redis
    from rq import Queue

    settings.BACKGROUND_JOBS = True
    monkeypatch.setattr(jobs, "queue", lambda: Queue(TEST_QUEUE, connection=Redis.from_url("redis://127.0.0.1:1/0")))
    report = publish(people, report, django_capture_on_commit_callbacks)
    assert report.is_published and builds == []


def test_the_queue_is_django_rqs_default_queue_the_worker_runs():
    queue = jobs.queue()  # not connected until used
    assert queue.name == "default" == jobs.QUEUE
