"""Kept files: downloads built once, then served from the database by every app server.

A file is kept under a key that names everything its bytes depend on, so a kept file is never
stale and nothing has to delete it for correctness:

- a published report's workbook: the report and its publication time (a published report is
  frozen) and REPORT_WORKBOOK_FORMAT;
- a published report's PDF: the same, with REPORT_PDF_FORMAT; it takes long to build (most of a minute
  for 200 measures), so it is built once under a claim (KeptFileBuild, get_or_build_once): a second
  builder waits for the first one's file instead of building it again. A large report's is built by a
  background job (exchange.jobs), never inside a request;
- open data: the public content version (reports.content_version, moved by every change of
  public data once it commits), today's date (grades depend on it) and OPENDATA_FORMAT.

A draft report's workbook or PDF is never kept: it changes with every entry.

Superseded files are deleted when a newer one of the same kind (and report) is stored, so the
table holds about one file per published report and one per open data format.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import time
from collections.abc import Callable

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from reports import content_version
from reports.models import ProgressReport

from . import opendata
from .models import KeptFile, KeptFileBuild
from .report_pdf import report_pdf
from .report_workbook import report_workbook

# Bump when a change of the code changes what the workbook or open data hold: files kept by
# the previous release are then no longer asked for (and are superseded on the next build).
REPORT_WORKBOOK_FORMAT = 2  # 2: rows as tall as their wrapped texts, printing whole
REPORT_PDF_FORMAT = 1
OPENDATA_FORMAT = 1

logger = logging.getLogger(__name__)

OPENDATA_BUILDERS = {
    KeptFile.Kind.OPENDATA_CSV: opendata.as_csv,
    KeptFile.Kind.OPENDATA_JSON: opendata.as_json,
}


def get_or_build(key: str, build: Callable[[], bytes], *, kind: str,
                 report: ProgressReport | None = None) -> bytes:
    """The bytes kept under `key`; when there are none, `build()`'s, kept for the next request.

    Two workers building the same key at once both succeed: the second store is ignored and each
    returns what it built.
    """
    kept = KeptFile.objects.filter(key=key).values_list("content", flat=True).first()
    if kept is not None:
        return bytes(kept)  # PostgreSQL hands back a memoryview
    started = timezone.now()
    content = build()
    try:
        _keep(key, content, kind=kind, report=report, started=started)
    except DatabaseError:
        # Keeping only saves the next build: a database that refuses the write now (SQLite busy
        # with another writer, say) must not cost the reader a download that is already built.
        logger.exception("Could not keep %s; it will be built again on the next request", key)
    return content


# A build claimed longer ago than this is taken to have died (its worker killed) and is taken over.
KEPT_FILE_BUILD_TIMEOUT = datetime.timedelta(minutes=10)
# How often a request waiting for another's build looks for the file.
WAIT_INTERVAL_SECONDS = 0.25


def _kept(key: str) -> bytes | None:
    kept = KeptFile.objects.filter(key=key).values_list("content", flat=True).first()
    return None if kept is None else bytes(kept)  # PostgreSQL hands back a memoryview


def is_kept(key: str) -> bool:
    return KeptFile.objects.filter(key=key).exists()


def is_being_built(key: str) -> bool:
    """Whether a live build holds the claim on `key` (one older than KEPT_FILE_BUILD_TIMEOUT has died)."""
    return KeptFileBuild.objects.filter(key=key, started_at__gte=timezone.now() - KEPT_FILE_BUILD_TIMEOUT).exists()


def _claim(key: str) -> bool:
    """Whether this request may build `key`: it inserted the claim, or took over one that died."""
    now = timezone.now()
    KeptFileBuild.objects.filter(key=key, started_at__lt=now - KEPT_FILE_BUILD_TIMEOUT).delete()
    try:
        with transaction.atomic():
            KeptFileBuild.objects.create(key=key, started_at=now)
    except IntegrityError:
        return False  # another request builds it
    return True


def get_or_build_once(key: str, build: Callable[[], bytes], *, kind: str,
                      report: ProgressReport | None = None) -> bytes:
    """The bytes kept under `key`; when there are none, built by exactly one request and kept.

    For files that take long to build: the first request claims the key (KeptFileBuild) and builds;
    any other request for the same key meanwhile, in any process or server, waits for its file. If that
    build fails, its claim goes and the next waiter builds; a claim left by a worker killed mid-build is
    taken over after KEPT_FILE_BUILD_TIMEOUT.
    """
    while True:
        kept = _kept(key)
        if kept is not None:
            return kept
        if _claim(key):
            break
        time.sleep(WAIT_INTERVAL_SECONDS)
    try:
        kept = _kept(key)  # kept between our look and our claim: the builder finished just then
        if kept is not None:
            return kept
        started = timezone.now()
        content = build()
        try:
            _keep(key, content, kind=kind, report=report, started=started)
        except DatabaseError:
            logger.exception("Could not keep %s; it will be built again on the next request", key)
        return content
    finally:
        KeptFileBuild.objects.filter(key=key).delete()


def _keep(key: str, content: bytes, *, kind: str, report: ProgressReport | None,
          started: datetime.datetime) -> None:
    with transaction.atomic():
        # Inserted first, then the deletions: two workers never wait on each other in opposite orders.
        KeptFile.objects.bulk_create(
            [KeptFile(key=key, kind=kind, report=report, content=content, created_at=started)],
            ignore_conflicts=True,  # another worker kept the same key first: its bytes are as good
        )
        # Superseded: files of the same kind whose build began before this one's. A build begun
        # later (a newer content version, a newer day) is left alone even if it was stored first.
        KeptFile.objects.filter(kind=kind, report=report, created_at__lt=started).exclude(key=key).delete()


def etag(key: str) -> str:
    """The ETag of the file kept under `key` (quoted): revalidating costs the key, never a build."""
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def report_workbook_key(report: ProgressReport) -> str | None:
    """The key of a published report's workbook; None for a report not yet published (never kept)."""
    if not report.is_published:
        return None
    return f"report_workbook:{report.pk}:{report.published_at.isoformat()}:v{REPORT_WORKBOOK_FORMAT}"


def report_workbook_file(report: ProgressReport) -> bytes:
    """The report's workbook: a published report's built once and kept, a draft's built each time."""
    key = report_workbook_key(report)
    if key is None:
        return report_workbook(report)
    return get_or_build(key, lambda: report_workbook(report), kind=KeptFile.Kind.REPORT_WORKBOOK, report=report)


def report_pdf_key(report: ProgressReport) -> str | None:
    """The key of a published report's PDF; None for a report not yet published (never kept)."""
    if not report.is_published:
        return None
    return f"report_pdf:{report.pk}:{report.published_at.isoformat()}:v{REPORT_PDF_FORMAT}"


def report_pdf_file(report: ProgressReport) -> bytes:
    """The report's PDF: a published report's built once (one build at a time) and kept, a draft's built each time."""
    key = report_pdf_key(report)
    if key is None:
        return report_pdf(report)
    return get_or_build_once(key, lambda: report_pdf(report), kind=KeptFile.Kind.REPORT_PDF, report=report)


def opendata_key(kind: str, today: datetime.date) -> str:
    return f"{kind}:{content_version.current()}:{today.isoformat()}:v{OPENDATA_FORMAT}"


def opendata_file(kind: str, key: str, today: datetime.date) -> bytes:
    """Open data as of `today` in one format (a KeptFile.Kind), kept under `key` (opendata_key)."""
    build = OPENDATA_BUILDERS[kind]
    return get_or_build(key, lambda: build(today).encode("utf-8"), kind=kind)
