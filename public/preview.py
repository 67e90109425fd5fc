"""The reform office's preview of an open progress report, before publishing it.

Not a public page: it lives under /admin/ (kisarazu_reform/urls.py wraps it in the admin's
login and never_cache), is not in public.views (so the page cache never keeps it), asks robots
not to index it, and says on the page that it is a preview. Building it writes nothing.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from plans import permissions
from reports.admin import refused
from reports.models import ProgressReport

from .pages import report as report_page


@never_cache
def report_preview(request, pk):
    """The report's public page as publishing it now would show it, for those who may publish it.

    ?unapproved=omit|not_submitted shows what each choice for unapproved measures would make of it."""
    report = get_object_or_404(ProgressReport.objects.select_related("plan"), pk=pk)
    dashboard = reverse("admin:reports_progressreport_dashboard", args=[report.pk])
    if report.is_published:
        return refused(request, f"{report}はすでに公表されています。プレビューは公表前の報告だけです。",
                       back_url=dashboard, back_label="進捗の一覧に戻る")
    if not permissions.can(request.user, permissions.PUBLISH, report):
        return refused(request, "公表前の報告のプレビューは、経営改革課（報告を公表できる人）だけが見られます。",
                       back_url=reverse("admin:index"), back_label="管理画面のトップに戻る")
    choice = request.GET.get("unapproved", "")
    if choice not in ProgressReport.Unapproved.values:
        choice = ProgressReport.Unapproved.NOT_SUBMITTED
    detail = report_page.preview_detail(report, choice)
    response = render(request, "public/report_preview.html", {
        "plan": detail.plan, "detail": detail, "report": report, "choice": choice,
        "choices": ProgressReport.Unapproved.choices, "dashboard_url": dashboard,
        "publish_url": reverse("admin:reports_progressreport_publish", args=[report.pk]),
    })
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
