"""Workbook uploads and downloads for staff and the reform office, inside the admin.

Views parse input, call one domain function, render; rights come from plans.permissions.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from plans import permissions
from plans.models import Plan
from reports.models import ProgressReport
from reports.workflow import EditConflict

from . import kept_files, outstanding, plan_workbook, report_pdf, result_template
from .cells import ExportRefused
from .models import PendingUpload, PendingUploadUnavailable
from .views import XLSX, _attachment, _inline, pdf_unavailable

# The confirmation form names its pending upload (exchange.models.PendingUpload) in this field.
PENDING_FIELD = "pending"


def _context(request, title, **extra):
    return {**admin.site.each_context(request), "title": title, **extra}


def _open_report(report_id) -> ProgressReport:
    return get_object_or_404(ProgressReport.objects.select_related("plan"), pk=report_id, published_at__isnull=True)


def result_template_download(request, report_id):
    report = _open_report(report_id)
    if not result_template.editable_notes(request.user, report):
        raise permissions.NotAllowed("この報告で入力できる推進項目がありません。")
    try:
        workbook = result_template.template_workbook(request.user, report)
    except ExportRefused as refused:
        messages.error(request, f"結果入力ブックを作れませんでした：{refused.message}")
        return redirect("exchange_admin:result-upload", report.pk)
    response = HttpResponse(workbook, content_type=XLSX)
    return _attachment(response, result_template.template_filename(report))


def result_upload(request, report_id):
    """Upload a filled template: preview with every problem located, then save all or nothing."""
    report = _open_report(report_id)
    notes = result_template.editable_notes(request.user, report)
    if not notes:
        raise permissions.NotAllowed("この報告で入力できる推進項目がありません。")
    upload = pending = None
    if request.method == "POST" and "cancel" in request.POST:
        PendingUpload.objects.drop(request.user, request.POST.get(PENDING_FIELD))
        messages.info(request, "アップロードした内容は保存せずに破棄しました。")
        return redirect(request.path)
    if request.method == "POST" and "confirm" in request.POST:
        try:
            pending = PendingUpload.objects.take(request.user, PendingUpload.Kind.RESULT_TEMPLATE,
                                                 request.POST.get(PENDING_FIELD), report=report)
            saved = result_template.save_upload(request.user, pending.data)
        except PendingUploadUnavailable as unavailable:
            messages.error(request, unavailable.message)
        except EditConflict as conflict:
            messages.error(request, conflict.message + " 何も保存していません。")
        except (ValidationError, permissions.NotAllowed) as error:
            text = "; ".join(error.messages) if isinstance(error, ValidationError) else error.message
            messages.error(request, f"保存できませんでした（何も保存していません）：{text}")
        else:
            messages.success(request, f"{saved}件の推進項目の結果・記述を保存しました。"
                                      "続けてまとめて提出するか、「提出しないで戻る」で後にできます。")
            return redirect(reverse("admin:reports_progressnote_submit_all") + f"?report={report.pk}")
        return redirect(request.path)
    if request.method == "POST" and request.FILES.get("workbook"):
        upload = result_template.read_upload(request.user, report, request.FILES["workbook"])
        if upload.ok and upload.notes and upload.changes:  # else there is nothing to confirm
            pending = PendingUpload.objects.keep(request.user, PendingUpload.Kind.RESULT_TEMPLATE, report=report,
                                                 data=upload.as_session())
    return render(request, "exchange/admin/result_upload.html", _context(
        request, f"結果入力ブックのアップロード（{report}）", report=report, notes=notes, upload=upload, pending=pending,
    ))


def plan_import(request):
    """The reform office sets up a whole plan from a plan workbook: preview, then create all or nothing."""
    permissions.require(request.user, permissions.ADD, Plan)
    preview = pending = None
    if request.method == "POST" and "cancel" in request.POST:
        PendingUpload.objects.drop(request.user, request.POST.get(PENDING_FIELD))
        messages.info(request, "アップロードした計画ブックは使わずに破棄しました。")
        return redirect(request.path)
    if request.method == "POST" and "confirm" in request.POST:
        try:
            taken = PendingUpload.objects.take(request.user, PendingUpload.Kind.PLAN_WORKBOOK,
                                               request.POST.get(PENDING_FIELD))
        except PendingUploadUnavailable as unavailable:
            messages.error(request, unavailable.message)
            return redirect(request.path)
        result = plan_workbook.import_plan(bytes(taken.workbook), user=request.user)
        if result.ok:
            messages.success(request, f"「{result.created}」を作成しました。")
            return redirect(reverse("admin:plans_plan_change", args=[result.created.pk]))
        preview = result
    elif request.method == "POST" and request.FILES.get("workbook"):
        data = request.FILES["workbook"].read()
        preview = plan_workbook.read_plan_workbook(data)
        if preview.ok:
            pending = PendingUpload.objects.keep(request.user, PendingUpload.Kind.PLAN_WORKBOOK, workbook=data)
    return render(request, "exchange/admin/plan_import.html", _context(request, "計画ブックから計画を作成", preview=preview, pending=pending))


def plan_export(request, plan_slug):
    plan = get_object_or_404(Plan, slug=plan_slug)
    permissions.require(request.user, permissions.VIEW, plan)
    try:
        workbook = plan_workbook.export_plan(plan)
    except ExportRefused as refused:
        messages.error(request, f"計画ブックを書き出せませんでした：{refused.message}")
        return redirect(reverse("admin:plans_plan_change", args=[plan.pk]))
    response = HttpResponse(workbook, content_type=XLSX)
    return _attachment(response, f"計画ブック_{plan.slug}.xlsx")


def not_submitted_download(request, report_id, extension):
    """The reform office's list of departments and measures not yet submitted, with whom to contact."""
    report = _open_report(report_id)
    permissions.require(request.user, permissions.VIEW, report)
    if extension == "xlsx":
        response = HttpResponse(outstanding.as_xlsx(report), content_type=XLSX)
    else:
        response = HttpResponse(outstanding.as_csv(report), content_type="text/csv; charset=utf-8")
    return _attachment(response, outstanding.filename(report, extension))


def report_draft_pdf(request, report_id):
    """A report's PDF for the reform office's review meeting: marked 案 on every page, built on every
    download from the live plan, the proposed results and every note, never kept. A published report
    has its public PDF."""
    report = get_object_or_404(ProgressReport.objects.select_related("plan"), pk=report_id)
    permissions.require(request.user, permissions.VIEW, report)
    if report.is_published:
        return redirect("exchange:report-pdf", report.plan.slug, report.as_of.isoformat())
    try:
        content = kept_files.report_pdf_file(report)
    except report_pdf.PdfUnavailable as unavailable:
        return pdf_unavailable(request, unavailable)
    response = HttpResponse(content, content_type=report_pdf.PDF)
    response["Cache-Control"] = "private, no-store"  # a draft changes with every entry
    return _inline(response, report_pdf.report_pdf_filename(report))
