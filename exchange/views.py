import datetime
import logging
from urllib.parse import quote

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.cache import get_conditional_response

from plans import permissions
from reports import publication
from reports.models import ProgressReport

from . import jobs, kept_files, opendata, report_pdf
from .models import KeptFile
from .report_workbook import report_filename

logger = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def opendata_page(request):
    return render(request, "exchange/opendata.html", {
        "schema": opendata.SCHEMA, "licence": opendata.LICENCE, "licence_url": opendata.LICENCE_URL,
        "credit": opendata.credit(),
    })


def _kept_download(request, key: str, content, content_type: str) -> HttpResponse:
    """A kept file's response, with its key's ETag: a client that has it already gets a 304, and no build."""
    etag = kept_files.etag(key)
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        return not_modified
    response = HttpResponse(content(), content_type=content_type)
    response["ETag"] = etag
    return response


def _opendata(request, kind: str, content_type: str) -> HttpResponse:
    today = timezone.localdate()
    key = kept_files.opendata_key(kind, today)
    return _kept_download(request, key, lambda: kept_files.opendata_file(kind, key, today), content_type)


def opendata_csv(request):
    """The CSV with Japanese column headers, or with the machine names (the JSON's keys) for ?header=en."""
    if request.GET.get("header") != "en":
        response = _opendata(request, KeptFile.Kind.OPENDATA_CSV, "text/csv; charset=utf-8")
        return _attachment(response, "kisarazu_reform_indicators.csv")
    today = timezone.localdate()
    key = kept_files.opendata_key(KeptFile.Kind.OPENDATA_CSV, today)

    def content():
        kept = kept_files.opendata_file(KeptFile.Kind.OPENDATA_CSV, key, today).decode("utf-8")
        return opendata.with_machine_names(kept).encode("utf-8")
    response = _kept_download(request, f"{key}:header=en", content, "text/csv; charset=utf-8")
    return _attachment(response, "kisarazu_reform_indicators_en.csv")


def opendata_json(request):
    return _opendata(request, KeptFile.Kind.OPENDATA_JSON, "application/json; charset=utf-8")


def _report(plan_slug: str, as_of: str) -> ProgressReport:
    """The plan's report of that date (yyyy-mm-dd), else 404. Its own copy (large) loads only if a file
    is built from it, not when the file is served as kept."""
    try:
        day = datetime.date.fromisoformat(as_of)
    except ValueError:
        raise Http404("日付が正しくありません。")
    reports = ProgressReport.objects.select_related("plan").defer("published_content")
    return get_object_or_404(reports, plan__slug=plan_slug, as_of=day)


def report_download(request, plan_slug, as_of):
    """A published report for anyone; a report not yet published only for those who may review it."""
    report = _report(plan_slug, as_of)
    if not publication.is_public_report(report) and not permissions.can(request.user, permissions.VIEW, report):
        raise Http404("この進捗状況報告はまだ公表されていません。")
    key = kept_files.report_workbook_key(report)
    if key is None:  # a draft changes with every entry: built each time, never kept nor revalidated
        response = HttpResponse(kept_files.report_workbook_file(report), content_type=XLSX)
    else:
        response = _kept_download(request, key, lambda: kept_files.report_workbook_file(report), XLSX)
    return _attachment(response, report_filename(report))



def pdf_unavailable(request, unavailable: report_pdf.PdfUnavailable) -> HttpResponse:
    """The page shown instead of a PDF this server cannot make: what the administrator must install."""
    return render(request, "exchange/pdf_unavailable.html", {"message": unavailable.message}, status=503)


def pdf_being_built(request, report: ProgressReport) -> HttpResponse:
    """The page shown while a large report's PDF is built in the background: come back shortly.

    503 with Retry-After: the PDF is not there yet (a crawler comes back later; nothing keeps this page)."""
    response = render(request, "exchange/pdf_building.html", {"report": report}, status=503)
    response["Retry-After"] = str(PDF_RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    response._has_been_logged = True  # expected, not a server error: Django would log every 503 as ERROR
    return response


PDF_RETRY_AFTER_SECONDS = 30


def report_pdf_download(request, plan_slug, as_of):
    """A published report's PDF, for anyone: built once, then served as kept.

    A small report's PDF is built by the first request for it (a few seconds); a large one's never inside a
    request (it would outlast GUNICORN_TIMEOUT): publication queued its build (exchange.jobs), and until it
    is kept the request queues it again if nothing is building it and answers 「PDFを作成しています」.
    A report not yet published has no PDF here (the reform office gets its draft from the admin)."""
    report = _report(plan_slug, as_of)
    if not publication.is_public_report(report):
        raise Http404("この進捗状況報告はまだ公表されていません。")
    key = kept_files.report_pdf_key(report)
    if not kept_files.is_kept(key) and not jobs.builds_in_request(report):
        not_modified = get_conditional_response(request, etag=kept_files.etag(key))
        if not_modified is not None:
            return not_modified  # the reader has this very file already
        unavailable = report_pdf.missing_requirements()
        if unavailable is not None:
            return pdf_unavailable(request, unavailable)
        if not jobs.enqueue_report_files(report) and not kept_files.is_being_built(key):
            logger.warning("The PDF of report %s is not built and no queue builds it (BACKGROUND_JOBS off): "
                           "run `manage.py build_report_pdfs`", report.pk)
        return pdf_being_built(request, report)
    try:
        response = _kept_download(request, key, lambda: kept_files.report_pdf_file(report), report_pdf.PDF)
    except report_pdf.PdfUnavailable as unavailable:
        return pdf_unavailable(request, unavailable)
    return _inline(response, report_pdf.report_pdf_filename(report))


def _inline(response: HttpResponse, filename: str) -> HttpResponse:
    """Opened in the browser's PDF viewer, saved under the report's name."""
    if response.status_code == 200:
        response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    return response
