"""The admin of the reporting cycle: reports opened, watched and published by the reform office;
notes entered by department staff and returned or approved by reviewers.

Rights come from plans.permissions and every change goes through reports.workflow.
"""

from __future__ import annotations

import functools

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from core.formatting import format_value
from plans import permissions
from plans.admin import ScopedAdminMixin

from . import admin_reminders  # noqa: F401  (registers the reminder admin)
from . import dashboard, entry_checks, workflow
from .admin_forms import NoteForm, ReviewForm, explanation_name, result_rows
from .admin_submit_all import submit_all_view
from .history import changes_since_return, note_timeline, person_name
from .models import ProgressNote, ProgressReport
from .report_forms import CONFIRM_FIELD, ProgressReportForm, preselected_plan


def status_tag(note: ProgressNote) -> str:
    return format_html('<span class="status-tag status-{}">{}</span>', note.status, note.get_status_display())


def refused(request, message: str, *, back_url: str, back_label: str) -> TemplateResponse:
    """A refused action as a page in the admin's look, in Japanese, with a way back (status 403),
    rather than Django's bare 403."""
    context = {**admin.site.each_context(request), "title": "この操作はできません", "message": message,
               "back_url": back_url, "back_label": back_label}
    return TemplateResponse(request, "admin/reports/refused.html", context, status=403)


# --- progress reports: opened, watched and published by the reform office ---------------------


@admin.register(ProgressReport)
class ProgressReportAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ("__str__", "plan", "due_date", "state", "dashboard_link")
    list_filter = ("plan",)
    list_select_related = ("plan",)
    change_form_template = "admin/reports/progressreport/change_form.html"
    form = ProgressReportForm

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("plan", "as_of", "due_date", CONFIRM_FIELD)
        if obj.is_published:
            return ("plan", "as_of", "due_date", "published_at", "published_by")
        return ("plan", "as_of", "due_date", CONFIRM_FIELD, "published_at", "published_by")

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if "plan" not in initial and (plan := preselected_plan(request.user)) is not None:
            initial["plan"] = plan.pk
        return initial

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        if obj.is_published:
            return ("plan", "as_of", "due_date", "published_at", "published_by")
        return ("plan", "published_at", "published_by")

    @admin.display(description="状態")
    def state(self, report):
        return "公表済み" if report.is_published else "受付中（公表前）"

    @admin.display(description="審査")
    def dashboard_link(self, report):
        url = reverse("admin:reports_progressreport_dashboard", args=[report.pk])
        return format_html('<a href="{}">進捗の一覧を見る</a>', url)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            workflow.open_report(request.user, obj)

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(
            request, f"{obj}を作成しました。各推進項目の記述（作成中）を用意しました。担当課が入力を始められます。",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:reports_progressreport_dashboard", args=[obj.pk]))

    def get_urls(self):
        return [
            path("<path:object_id>/dashboard/", self.admin_site.admin_view(self.dashboard_view),
                 name="reports_progressreport_dashboard"),
            path("<path:object_id>/publish/", self.admin_site.admin_view(self.publish_view),
                 name="reports_progressreport_publish"),
        ] + super().get_urls()

    def _report(self, request, object_id) -> ProgressReport:
        return self.get_object_or_404(request, object_id, self.get_queryset(request).select_related("plan"))

    def dashboard_view(self, request, object_id):
        report = self._report(request, object_id)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{report} 推進項目ごとの進捗",
            "opts": self.model._meta,
            "report": report,
            "overview": dashboard.report_overview(report),
            "can_publish": permissions.can(request.user, permissions.PUBLISH, report),
        }
        return TemplateResponse(request, "admin/reports/progressreport/dashboard.html", context)

    def publish_view(self, request, object_id):
        """Confirm and publish: a preview, the unapproved measures and the required choice of what
        happens to them; afterwards, a link to the public page."""
        report = self._report(request, object_id)
        dashboard_url = reverse("admin:reports_progressreport_dashboard", args=[report.pk])
        if report.is_published:
            return refused(request, f"{report}はすでに公表されています。公表した報告は、もう一度公表することも変更することもできません。",
                           back_url=dashboard_url, back_label="進捗の一覧に戻る")
        if not permissions.can(request.user, permissions.PUBLISH, report):
            return refused(request, permissions.reason_refused(request.user, permissions.PUBLISH, report),
                           back_url=dashboard_url, back_label="進捗の一覧に戻る")
        error = None
        choice = request.POST.get("unapproved", "")
        if request.method == "POST":
            try:
                report = workflow.publish(request.user, report, unapproved=choice)
            except ValidationError as refusal:
                error = " ".join(m for ms in getattr(refusal, "message_dict", {"": refusal.messages}).values() for m in ms)
            except (ValueError, permissions.NotAllowed) as refusal:
                return refused(request, getattr(refusal, "message", None) or str(refusal),
                               back_url=dashboard_url, back_label="進捗の一覧に戻る")
            else:
                if report.plan.published_at is None:  # its plan is not public yet: no page to link to
                    done = format_html("{}を公表しました。計画がまだ公開されていないため、公開サイトには計画の公開後に表示されます。", report)
                else:
                    done = format_html(
                        '{}を公表しました。承認済みの記述と結果が公開サイトに表示されます。<a href="{}">公開サイトでこの報告を見る</a>',
                        report, reverse("public:report", args=[report.plan.slug, report.as_of]))
                self.message_user(request, done, messages.SUCCESS)
                return HttpResponseRedirect(dashboard_url)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{report}を公表する",
            "opts": self.model._meta,
            "report": report,
            "overview": dashboard.report_overview(report),
            "choices": ProgressReport.Unapproved.choices,
            "choice": choice,
            "error": error,
        }
        return TemplateResponse(request, "admin/reports/progressreport/publish_confirm.html", context)


# --- progress notes: staff enter, reviewers return or approve -----------------------------------


@admin.register(ProgressNote)
class ProgressNoteAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ("measure_label", "report", "status_label", "last_update")
    list_display_links = ("measure_label",)
    list_filter = ("status", "report")
    search_fields = ("measure__title", "text")
    list_select_related = ("measure", "report__plan", "updated_by")
    ordering = ("-report__as_of", "measure__number")

    @admin.display(description="推進項目", ordering="measure__number")
    def measure_label(self, note):
        return str(note.measure)

    @admin.display(description="状態", ordering="status")
    def status_label(self, note):
        return status_tag(note)

    @admin.display(description="最終更新", ordering="updated_at")
    def last_update(self, note):
        if note.updated_at is None:
            return "—"
        return f"{timezone.localtime(note.updated_at):%Y年%-m月%-d日 %H:%M}（{person_name(note.updated_by)}）"

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": "推進項目ごとの活動経過・結果の入力", **(extra_context or {})})

    def get_queryset(self, request):
        # What the entry page shows of a note; the object lookup itself is the scoped mixin's (find_object).
        return super().get_queryset(request).select_related(
            "report__plan", "measure", "submitted_by", "reviewed_by", "updated_by")

    def _note(self, request, object_id) -> ProgressNote:
        note = self.get_object(request, object_id)
        if note is None:
            raise Http404(self.not_found_message())
        return note

    # --- the progress entry page: GET shows it; each button posts to its own action URL --------

    ENTRY_ACTIONS = ("save", "submit", "return", "approve")

    def get_urls(self):
        return [
            path("submit-all/", self.admin_site.admin_view(functools.partial(submit_all_view, self)),
                 name="reports_progressnote_submit_all"),
        ] + [
            path(f"<path:object_id>/{name}/", self.admin_site.admin_view(getattr(self, f"{name}_view")),
                 name=f"reports_progressnote_{name}")
            for name in self.ENTRY_ACTIONS
        ] + [
            path("<path:object_id>/check/", self.admin_site.admin_view(self.check_view),
                 name="reports_progressnote_check"),
        ] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The progress entry page: results and narrative, submit, and the reform office's review.

        Its buttons post to save/, submit/, return/ and approve/, one small view each; a form
        posted to the page itself (a page opened before those existed) goes to the view its
        button names.
        """
        if request.method == "POST":
            name = next((name for name in self.ENTRY_ACTIONS if f"_{name}" in request.POST), "save")
            return getattr(self, f"{name}_view")(request, object_id)
        return self._entry_page(request, self._note(request, object_id))

    def save_view(self, request, object_id):
        """Save a draft of the results and the narrative."""
        def act(user, note, form):
            note = workflow.save_note(user, note, expected_version=form.cleaned_data["version"],
                                      text=form.cleaned_data["text"], results=form.results(),
                                      explanations=form.explanations())
            return note, "下書きを保存しました（まだ提出していません）。", self._page_url(note.pk)
        return self._enter(request, object_id, permissions.CHANGE, act)

    def submit_view(self, request, object_id):
        """Save and send to the reform office, in one transaction: both or neither."""
        def act(user, note, form):
            note = workflow.save_note(user, note, expected_version=form.cleaned_data["version"],
                                      text=form.cleaned_data["text"], results=form.results(),
                                      explanations=form.explanations())
            note = workflow.submit(user, note, expected_version=note.version)
            return note, f"{note.measure}を経営改革課に提出しました。", reverse("admin:index")
        return self._enter(request, object_id, permissions.SUBMIT, act)

    def return_view(self, request, object_id):
        """Send the note back to its department with the reviewer's comment."""
        def act(user, note, form):
            note = workflow.return_with_comment(user, note, form.cleaned_data["comment"],
                                                expected_version=form.cleaned_data["version"])
            return note, f"{note.measure}を差し戻しました。担当課の画面にコメントが表示されます。", self._dashboard_url(note)
        return self._review(request, object_id, permissions.RETURN, act)

    def approve_view(self, request, object_id):
        """Approve the note: it goes public with its report."""
        def act(user, note, form):
            note = workflow.approve(user, note, expected_version=form.cleaned_data["version"],
                                    comment=form.cleaned_data["comment"])
            return note, f"{note.measure}を承認しました。報告の公表時に公開されます。", self._dashboard_url(note)
        return self._review(request, object_id, permissions.APPROVE, act)

    def check_view(self, request, object_id):
        """The grade and warnings of results as typed, without saving: JSON for the entry page's script
        (static/reports/result_check.js), from the same parsing, grading and checks as the saved page."""
        note = self._note(request, object_id)
        rows = result_rows(note)
        form = NoteForm(note, rows, data=request.GET)
        form.is_valid()  # the narrative and version are not sent: only the results' own errors count
        typed = [name for name in form.result_fields if name in request.GET]
        proposed = {int(name.removeprefix("result_")): form.cleaned_data.get(name)
                    for name in typed if name not in form.errors}
        checks = entry_checks.check_rows(note, rows, proposed)
        body = {
            name: ({"error": " ".join(form.errors[name])} if name in form.errors
                   else checks[int(name.removeprefix("result_"))].as_json())
            for name in typed
        }
        return JsonResponse({"results": body})

    def _enter(self, request, object_id, action, act):
        if request.method != "POST":  # an action URL opened directly: the page it belongs to (404 if none)
            return HttpResponseRedirect(self._page_url(self._note(request, object_id).pk))
        note = self._allowed(request, object_id, action)
        if not isinstance(note, ProgressNote):
            return note  # refused
        rows = result_rows(note)
        return self._perform(request, note, act, "form", lambda data: NoteForm(note, rows, data=data), rows=rows)

    def _review(self, request, object_id, action, act):
        if request.method != "POST":
            return HttpResponseRedirect(self._page_url(self._note(request, object_id).pk))
        note = self._allowed(request, object_id, action)
        if not isinstance(note, ProgressNote):
            return note  # refused
        return self._perform(request, note, act, "review_form", lambda data: ReviewForm(data=data))

    def _allowed(self, request, object_id, action):
        """The note (404 outside the user's scope), if the user may do `action` to it, else the refusal
        page saying why (403), with a way back to the note."""
        note = self._note(request, object_id)
        if not permissions.can(request.user, action, note):
            return refused(request, permissions.reason_refused(request.user, action, note),
                           back_url=self._page_url(note.pk), back_label="この推進項目のページに戻る")
        return note

    def _perform(self, request, note, act, form_key, make_form, **page):
        """Run one action from the posted form: redirect when it went through, else the page again.

        The one place that turns what the workflow refuses into the page: an edit conflict
        (the other person's changes shown, the input kept, the form moved to the current
        version), a refused value (at its field) or a refused right (above the form).
        """
        form = make_form(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    note, done, next_url = act(request.user, note, form)
            except workflow.EditConflict as conflict:
                data = request.POST.copy()
                data["version"] = str(ProgressNote.objects.get(pk=note.pk).version)
                form = make_form(data)
                form.is_valid()
                fresh = self._note(request, str(note.pk))
                return self._entry_page(request, fresh, **{form_key: form}, **page, conflict=conflict)
            except ValidationError as error:
                form.add_workflow_errors(error)
            except permissions.NotAllowed as error:
                form.add_error(None, error.message)
            else:
                self.message_user(request, done, messages.SUCCESS)
                return HttpResponseRedirect(next_url)
        return self._entry_page(request, note, **{form_key: form}, **page)

    def _page_url(self, object_id) -> str:
        return reverse("admin:reports_progressnote_change", args=[object_id])

    @staticmethod
    def _dashboard_url(note) -> str:
        return reverse("admin:reports_progressreport_dashboard", args=[note.report_id])

    def _entry_page(self, request, note, *, rows=None, form=None, review_form=None, conflict=None):
        """The page, as the user may use it now: their input and any refusal kept."""
        user = request.user
        rights = {action: permissions.can(user, action, note) for action in (
            permissions.CHANGE, permissions.SUBMIT, permissions.RETURN, permissions.APPROVE)}
        rows = rows if rows is not None else result_rows(note)
        form = form if form is not None else NoteForm(note, rows)
        review_form = review_form if review_form is not None else ReviewForm(initial={"version": note.version})
        entries = {e.indicator_year_id: e for e in note.result_entries.select_related("stage")}
        # The saved results as they will be published, graded and checked (reports.entry_checks).
        checks = entry_checks.check_rows(note, rows, {pk: e.stage or e.value for pk, e in entries.items()})
        for group in rows:
            for row in group.years:
                row.bound = form[row.field_name]
                row.explanation = form[explanation_name(row.year.pk)] if not group.indicator.is_milestone else None
                entry = entries.get(row.year.pk)
                row.entry = entry
                row.check = checks[row.year.pk]
                row.entry_text = format_value(group.indicator, entry.value, entry.stage) if entry else ""
        previous = (
            ProgressNote.objects.filter(
                measure_id=note.measure_id, status=ProgressNote.Status.APPROVED,
                report__published_at__isnull=False, report__as_of__lt=note.report.as_of,
            ).select_related("report").order_by("-report__as_of").first()
        )
        context = {
            **self.admin_site.each_context(request),
            "title": f"{note.measure}",
            "subtitle": str(note.report),
            "opts": self.model._meta,
            "original": note,
            "note": note,
            "status_tag": status_tag(note),
            "departments": [a.department for a in note.measure.assignments.select_related("department")],
            "rows": rows,
            "has_numeric_rows": any(not group.indicator.is_milestone for group in rows),  # the number hint is theirs
            "form": form,
            "review_form": review_form,
            "conflict": conflict,
            "can_change": rights[permissions.CHANGE],
            "can_submit": rights[permissions.SUBMIT],
            "can_return": rights[permissions.RETURN],
            "can_approve": rights[permissions.APPROVE],
            # Why the entry form is closed, for those who could otherwise enter (a reviewer never does).
            "refusal": (
                permissions.reason_refused(user, permissions.CHANGE, note)
                if permissions.roles(user).is_administrator or permissions.in_charge(user, note.measure_id)
                else None
            ),
            "previous": previous,
            # What changed since the reviewer returned it: for those who review it again.
            "since_return": (changes_since_return(note)
                             if rights[permissions.RETURN] or rights[permissions.APPROVE] else None),
            "days_left": dashboard.days_left(note.report),
            "has_view_permission": True,
            "check_url": reverse("admin:reports_progressnote_check", args=[note.pk]),
        }
        return TemplateResponse(request, "admin/reports/progressnote/edit.html", context)

    def history_view(self, request, object_id, extra_context=None):
        """Every change to the note and its results: who, when, why, before and after."""
        note = self._note(request, object_id)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{note.measure} 変更履歴",
            "subtitle": str(note.report),
            "opts": self.model._meta,
            "original": note,
            "note": note,
            "timeline": note_timeline(note),
        }
        return TemplateResponse(request, "admin/reports/progressnote/timeline.html", context)
