"""「まとめて提出」: staff submit all their draft notes at once, after one confirmation page.

The page lists the drafts reports.dashboard.drafts_to_submit finds, each with the version shown;
confirming posts that list to reports.workflow.submit_all, which submits all of it or none.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from . import dashboard, workflow


def _report_id(request) -> int | None:
    value = request.POST.get("report") or request.GET.get("report") or ""
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


def _confirmed(request) -> dict[int, int] | None:
    """The notes the user confirmed, as {note id: version seen}; None when the form was tampered with."""
    confirmed = {}
    for item in request.POST.getlist("note"):
        pk, _, version = item.partition(":")
        if not (pk.isascii() and pk.isdigit() and version.isascii() and version.isdigit()
                and len(pk) < 19 and len(version) < 10):
            return None
        confirmed[int(pk)] = int(version)
    return confirmed


def submit_all_view(model_admin, request):
    report_id = _report_id(request)
    refusals: list[tuple[str, str]] = []
    if request.method == "POST":
        confirmed = _confirmed(request)
        try:
            if not confirmed:
                raise ValidationError("提出する推進項目が選ばれていません。一覧を確かめて、もう一度提出してください。")
            submitted = workflow.submit_all(request.user, confirmed)
        except workflow.NotSubmitted as refused:
            refusals = refused.refusals
        except ValidationError as refused:
            refusals = [("", " ".join(refused.messages))]
        else:
            model_admin.message_user(
                request, f"{len(submitted)}件の推進項目を経営改革課に提出しました。", messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:index"))
    drafts = dashboard.drafts_to_submit(request.user, report_id)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "作成中の推進項目をまとめて提出",
        "opts": model_admin.model._meta,
        "drafts": drafts,
        "report_id": report_id,
        "refusals": refusals,
    }
    return TemplateResponse(request, "admin/reports/progressnote/submit_all.html", context)
