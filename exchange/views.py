import datetime
from urllib.parse import quote

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from plans import permissions
from reports import publication
from reports.models import ProgressReport

from . import opendata
from .report_workbook import report_filename, report_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def opendata_page(request):
    return render(request, "exchange/opendata.html", {
        "schema": opendata.SCHEMA, "licence": opendata.LICENCE, "licence_url": opendata.LICENCE_URL,
    })


def opendata_csv(request):
    response = HttpResponse(opendata.as_csv(timezone.localdate()), content_type="text/csv; charset=utf-8")
    return _attachment(response, "kisarazu_reform_indicators.csv")


def opendata_json(request):
    return HttpResponse(opendata.as_json(timezone.localdate()), content_type="application/json; charset=utf-8")


def report_download(request, plan_slug, as_of):
    """A published report for anyone; a report not yet published only for those who may review it."""
    try:
        day = datetime.date.fromisoformat(as_of)
    except ValueError:
        raise Http404("日付が正しくありません。")
    report = get_object_or_404(ProgressReport.objects.select_related("plan"), plan__slug=plan_slug, as_of=day)
    if not publication.is_public_report(report) and not permissions.can(request.user, permissions.VIEW, report):
        raise Http404("この進捗状況報告はまだ公表されていません。")
    response = HttpResponse(report_workbook(report), content_type=XLSX)
    return _attachment(response, report_filename(report))

