"""Background builds of a published report's files, on django-rq (the Redis of REDIS_URL).

A large report's PDF takes a minute or more, longer than gunicorn lets a request run (GUNICORN_TIMEOUT),
so it is never built inside a public request: publication queues it (reports.signals.report_published,
received in exchange.receivers), and a request for a PDF not built yet queues it too if nothing is
building it, then answers 「PDFを作成しています」. A worker (`manage.py rqworker default`) runs the job;
the job builds through kept_files, under its build claim, so a PDF is never built twice whoever asks.

Without a queue (settings.BACKGROUND_JOBS off: no REDIS_URL, as in development and tests) nothing is
queued: a small report's PDF is still built by the request that first asks for it
(REPORT_PDF_IN_REQUEST_MAX_MEASURES), a large one by `manage.py build_report_pdfs`.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings

from plans.models import Measure
from reports.models import ProgressReport

from . import kept_files, report_pdf

QUEUE = "default"
# Queued, waiting on another job, or running: a build is underway and another one is not queued.
UNDERWAY = {"queued", "started", "deferred", "scheduled"}

logger = logging.getLogger(__name__)


def builds_in_request(report: ProgressReport) -> bool:
    """Whether a request may build this report's PDF itself: its plan is small enough for a few seconds."""
    return Measure.objects.filter(plan_id=report.plan_id).count() <= settings.REPORT_PDF_IN_REQUEST_MAX_MEASURES


def job_id(report: ProgressReport) -> str:
    """One job per published report and PDF format: queuing it again while it is underway does nothing."""
    key = kept_files.report_pdf_key(report)
    return f"report-files-{report.pk}-{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def queue():
    import django_rq

    return django_rq.get_queue(QUEUE)


def enqueue_report_files(report: ProgressReport) -> bool:
    """Queue the build of a published report's PDF and workbook, unless the PDF is kept or being built
    or its job is underway already. Returns whether a build is queued or underway; False when there is
    no queue (BACKGROUND_JOBS off) or the queue cannot be reached (logged; the publication stands)."""
    key = kept_files.report_pdf_key(report)
    if key is None or not settings.BACKGROUND_JOBS:
        return False
    if kept_files.is_kept(key):
        return False
    if kept_files.is_being_built(key):
        return True
    from redis.exceptions import RedisError

    try:
        q = queue()
        existing = q.fetch_job(job_id(report))
        if existing is not None and existing.get_status(refresh=False) in UNDERWAY:
            return True
        q.enqueue(build_report_files, report.pk, job_id=job_id(report),
                  job_timeout=int(kept_files.KEPT_FILE_BUILD_TIMEOUT.total_seconds()),
                  result_ttl=3600, failure_ttl=7 * 24 * 3600,
                  description=f"PDF and workbook of report {report.pk} ({report.plan.slug} {report.as_of})")
    except RedisError:
        logger.exception("Could not queue the files of report %s; `manage.py build_report_pdfs` builds them", report.pk)
        return False
    return True


def build_report_files(report_id: int) -> str:
    """The job: build and keep a published report's PDF (once, under its claim) and its workbook."""
    report = ProgressReport.objects.select_related("plan").defer("published_content").filter(pk=report_id).first()
    if report is None or not report.is_published:
        return "not published"
    try:
        pdf = kept_files.report_pdf_file(report)
    except report_pdf.PdfUnavailable as unavailable:
        logger.error("Report %s: no PDF on this worker: %s", report.pk, unavailable.hint)
        pdf = b""
    workbook = kept_files.report_workbook_file(report)
    return f"report {report.pk}: PDF {len(pdf):,} bytes, workbook {len(workbook):,} bytes"
