"""The admin, in Japanese, for department staff, the reform office and administrators.

Every class asks plans.permissions what a user may see and do, and every change
to progress goes through plans.workflow: nothing here decides a rule.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from indicators.formatting import format_value

from . import dashboard, permissions, workflow
from .admin_forms import NoteForm, ReviewForm, result_rows
from .history import note_timeline, person_name
from .models import (
    Department,
    DepartmentMembership,
    Measure,
    MeasureDepartment,
    Pillar,
    Plan,
    ProgressNote,
    ProgressReport,
)


class ScopedAdminMixin:
    """Rights from plans.permissions, for lists, pages and crafted requests alike.

    An object outside the user's scope is a 404 (Django's admin would redirect);
    an action the role does not allow is a 403.
    """

    def get_queryset(self, request):
        return permissions.scope(request.user, super().get_queryset(request))

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # A past version is for reading: saving it would bypass the workflow, its checks and its history.
        if request.method == "POST":
            raise PermissionDenied("変更履歴の画面から元に戻すことはできません。")
        return super().history_form_view(request, object_id, version_id, extra_context)

    def has_module_permission(self, request):
        return permissions.can(request.user, permissions.VIEW, self.model)

    def has_view_permission(self, request, obj=None):
        return permissions.can(request.user, permissions.VIEW, obj if obj is not None else self.model)

    def has_add_permission(self, request, *args):
        return permissions.can(request.user, permissions.ADD, self.model)

    def has_change_permission(self, request, obj=None):
        return permissions.can(request.user, permissions.CHANGE, obj if obj is not None else self.model)

    def has_delete_permission(self, request, obj=None):
        return permissions.can(request.user, permissions.DELETE, obj if obj is not None else self.model)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404(f"{opts.verbose_name}（ID {object_id}）は見つからないか、表示する権限がありません。")

    def save_model(self, request, obj, form, change):
        obj.full_clean()
        super().save_model(request, obj, form, change)


class ScopedInlineMixin:
    """Inline rows follow the rights on their own model; deleting follows the parent's rules too."""

    def has_view_permission(self, request, obj=None):
        return permissions.can(request.user, permissions.VIEW, self.model)

    def has_add_permission(self, request, obj=None):
        return permissions.can(request.user, permissions.ADD, self.model)

    def has_change_permission(self, request, obj=None):
        return permissions.can(request.user, permissions.CHANGE, self.model)

    def has_delete_permission(self, request, obj=None):
        target = obj if obj is not None else self.model
        return permissions.can(request.user, permissions.DELETE, self.model) and permissions.can(
            request.user, permissions.DELETE, target
        )


def status_tag(note: ProgressNote) -> str:
    return format_html('<span class="status-tag status-{}">{}</span>', note.status, note.get_status_display())


# --- plan content: the reform office keeps it, staff read their own measures -------------------


class PillarInline(ScopedInlineMixin, admin.TabularInline):
    model = Pillar
    extra = 0


@admin.register(Plan)
class PlanAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ("title", "period_label", "municipality", "slug", "published_at")
    inlines = [PillarInline]
    readonly_fields = ("plan_workbook",)

    @admin.display(description="計画ブック（Excel）")
    def plan_workbook(self, plan):
        if not plan.pk:
            return "保存すると書き出せます。"
        return format_html(
            '<a href="{}">計画ブックを書き出す</a>（次期計画の様式としても使えます。'
            '<a href="{}">計画ブックから計画を作成する</a>）',
            reverse("exchange_admin:plan-export", args=[plan.slug]), reverse("exchange_admin:plan-import"),
        )


@admin.register(Pillar)
class PillarAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ("__str__", "plan")
    list_filter = ("plan",)
    list_select_related = ("plan",)


@admin.register(Department)
class DepartmentAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ("division", "section")
    search_fields = ("division", "section")


class MeasureDepartmentInline(ScopedInlineMixin, admin.TabularInline):
    model = MeasureDepartment
    extra = 0
    autocomplete_fields = ("department",)


@admin.register(Measure)
class MeasureAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ("number", "title", "pillar", "department_names", "plan")
    list_display_links = ("number", "title")
    list_filter = ("plan", "pillar")
    search_fields = ("title", "subtitle")
    inlines = [MeasureDepartmentInline]
    ordering = ("plan", "number")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("plan", "pillar").prefetch_related("assignments__department")

    TEXT_FIELDS = ("number", "title", "subtitle", "current_situation", "approach")

    def get_fields(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            # Read-only for staff: the plan and pillar as text, not links into pages they cannot open.
            return ("plan_label", "pillar_label", *self.TEXT_FIELDS)
        return ("plan", "pillar", *self.TEXT_FIELDS)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return ("plan_label", "pillar_label", *self.TEXT_FIELDS)
        return ()

    @admin.display(description="計画")
    def plan_label(self, measure):
        return str(measure.plan)

    @admin.display(description="柱")
    def pillar_label(self, measure):
        return str(measure.pillar)

    @admin.display(description="担当課")
    def department_names(self, measure):
        return "、".join(str(a.department) for a in measure.assignments.all())


# --- progress reports: opened, watched and published by the reform office ---------------------


@admin.register(ProgressReport)
class ProgressReportAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ("__str__", "plan", "due_date", "state", "dashboard_link")
    list_filter = ("plan",)
    list_select_related = ("plan",)
    change_form_template = "admin/plans/progressreport/change_form.html"

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("plan", "as_of", "due_date")
        return ("plan", "as_of", "due_date", "published_at", "published_by")

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
        url = reverse("admin:plans_progressreport_dashboard", args=[report.pk])
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
        return HttpResponseRedirect(reverse("admin:plans_progressreport_dashboard", args=[obj.pk]))

    def get_urls(self):
        return [
            path("<path:object_id>/dashboard/", self.admin_site.admin_view(self.dashboard_view),
                 name="plans_progressreport_dashboard"),
            path("<path:object_id>/publish/", self.admin_site.admin_view(self.publish_view),
                 name="plans_progressreport_publish"),
        ] + super().get_urls()

    def _report(self, request, object_id) -> ProgressReport:
        report = self.get_queryset(request).filter(pk=unquote(object_id)).select_related("plan").first()
        if report is None:
            raise Http404("進捗状況報告が見つからないか、表示する権限がありません。")
        return report

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
        return TemplateResponse(request, "admin/plans/progressreport/dashboard.html", context)

    def publish_view(self, request, object_id):
        report = self._report(request, object_id)
        if not permissions.can(request.user, permissions.PUBLISH, report):
            raise PermissionDenied(permissions.reason_refused(request.user, permissions.PUBLISH, report))
        if request.method == "POST":
            try:
                workflow.publish(request.user, report)
            except (ValueError, ValidationError, permissions.NotAllowed) as error:
                self.message_user(request, getattr(error, "message", None) or str(error), messages.ERROR)
                return HttpResponseRedirect(reverse("admin:plans_progressreport_dashboard", args=[report.pk]))
            self.message_user(request, f"{report}を公表しました。承認済みの記述と結果が公開サイトに表示されます。",
                              messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:plans_progressreport_dashboard", args=[report.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"{report}を公表する",
            "opts": self.model._meta,
            "report": report,
            "overview": dashboard.report_overview(report),
        }
        return TemplateResponse(request, "admin/plans/progressreport/publish_confirm.html", context)


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

    def get_object(self, request, object_id, from_field=None):
        return (
            self.get_queryset(request)
            .select_related("report__plan", "measure", "submitted_by", "reviewed_by", "updated_by")
            .filter(pk=object_id)
            .first()
        )

    def _note(self, request, object_id) -> ProgressNote:
        note = self.get_object(request, unquote(object_id))
        if note is None:
            raise Http404("記述が見つからないか、表示する権限がありません。")
        return note

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The progress entry page: results and narrative, submit, and the reform office's review."""
        note = self._note(request, object_id)
        user = request.user
        rights = {action: permissions.can(user, action, note) for action in (
            permissions.CHANGE, permissions.SUBMIT, permissions.RETURN, permissions.APPROVE)}
        rows = result_rows(note)
        form = NoteForm(note, rows)
        review_form = ReviewForm(initial={"version": note.version})
        conflict = None

        if request.method == "POST":
            action = next((a for a in ("_submit", "_save", "_return", "_approve") if a in request.POST), "_save")
            if action in ("_save", "_submit"):
                if not rights[permissions.CHANGE]:
                    raise PermissionDenied(permissions.reason_refused(user, permissions.CHANGE, note))
                form = NoteForm(note, rows, data=request.POST)
                if form.is_valid():
                    try:
                        with transaction.atomic():
                            note = workflow.save_note(
                                user, note, expected_version=form.cleaned_data["version"],
                                text=form.cleaned_data["text"], results=form.results(),
                            )
                            if action == "_submit":
                                note = workflow.submit(user, note, expected_version=note.version)
                    except workflow.EditConflict as error:
                        conflict = error
                        data = request.POST.copy()
                        data["version"] = str(ProgressNote.objects.get(pk=note.pk).version)
                        form = NoteForm(note, rows, data=data)
                        form.is_valid()
                    except ValidationError as error:
                        form.add_workflow_errors(error)
                    except permissions.NotAllowed as error:
                        form.add_error(None, error.message)
                    else:
                        if action == "_submit":
                            self.message_user(request, f"{note.measure}を経営改革課に提出しました。", messages.SUCCESS)
                            return HttpResponseRedirect(reverse("admin:index"))
                        self.message_user(request, "下書きを保存しました（まだ提出していません）。", messages.SUCCESS)
                        return HttpResponseRedirect(request.path)
            else:
                review_action = permissions.RETURN if action == "_return" else permissions.APPROVE
                if not rights[review_action]:
                    raise PermissionDenied(permissions.reason_refused(user, review_action, note))
                review_form = ReviewForm(data=request.POST)
                if review_form.is_valid():
                    comment = review_form.cleaned_data["comment"]
                    version = review_form.cleaned_data["version"]
                    try:
                        if action == "_return":
                            note = workflow.return_with_comment(user, note, comment, expected_version=version)
                            done = f"{note.measure}を差し戻しました。担当課の画面にコメントが表示されます。"
                        else:
                            note = workflow.approve(user, note, expected_version=version, comment=comment)
                            done = f"{note.measure}を承認しました。報告の公表時に公開されます。"
                    except workflow.EditConflict as error:
                        conflict = error
                        data = request.POST.copy()
                        data["version"] = str(ProgressNote.objects.get(pk=note.pk).version)
                        review_form = ReviewForm(data=data)
                    except ValidationError as error:
                        review_form.add_error("comment" if hasattr(error, "error_dict") else None, error.messages)
                    except permissions.NotAllowed as error:
                        review_form.add_error(None, error.message)
                    else:
                        self.message_user(request, done, messages.SUCCESS)
                        return HttpResponseRedirect(
                            reverse("admin:plans_progressreport_dashboard", args=[note.report_id])
                        )
            if conflict is not None:
                note = self._note(request, object_id)
                rights = {action: permissions.can(user, action, note) for action in rights}

        entries = {e.indicator_year_id: e for e in note.result_entries.select_related("stage")}
        for group in rows:
            for row in group.years:
                row.bound = form[row.field_name]
                entry = entries.get(row.year.pk)
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
            "days_left": dashboard.days_left(note.report),
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/plans/progressnote/edit.html", context)

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
        return TemplateResponse(request, "admin/plans/progressnote/timeline.html", context)


# --- users and their departments: administrators only -------------------------------------------


class DepartmentMembershipInline(admin.TabularInline):
    model = DepartmentMembership
    extra = 1
    autocomplete_fields = ("department",)
    verbose_name = verbose_name_plural = "所属課（担当課職員として入力できる課）"

    def has_view_permission(self, request, obj=None):
        return permissions.can(request.user, permissions.VIEW, DepartmentMembership)

    def has_add_permission(self, request, obj=None):
        return permissions.can(request.user, permissions.ADD, DepartmentMembership)

    def has_change_permission(self, request, obj=None):
        return permissions.can(request.user, permissions.CHANGE, DepartmentMembership)

    def has_delete_permission(self, request, obj=None):
        return permissions.can(request.user, permissions.DELETE, DepartmentMembership)


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class ReformUserAdmin(ScopedAdminMixin, UserAdmin):
    """Users with their role (groups) and departments. Set is_staff to let them log in here."""

    inlines = [DepartmentMembershipInline]
    list_display = ("username", "last_name", "first_name", "roles_label", "departments_label", "is_active")
    list_filter = ("groups", "is_active", "department_memberships__department")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups", "department_memberships__department")

    @admin.display(description="役割")
    def roles_label(self, user):
        return "、".join(g.name for g in user.groups.all()) + ("（スーパーユーザー）" if user.is_superuser else "")

    @admin.display(description="所属課")
    def departments_label(self, user):
        return "、".join(str(m.department) for m in user.department_memberships.all())

    def save_model(self, request, obj, form, change):
        # Not ScopedAdminMixin.save_model: UserAdmin's forms validate users themselves.
        admin.ModelAdmin.save_model(self, request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        permissions.forget(form.instance)


@admin.register(Group)
class ReformGroupAdmin(ScopedAdminMixin, GroupAdmin):
    pass


# --- login throttling records (django-axes): administrators read them and unlock by deleting ----

try:
    from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
except ImportError:  # pragma: no cover - axes is a dependency
    pass
else:
    for model, base in ((AccessAttempt, AccessAttemptAdmin), (AccessLog, AccessLogAdmin),
                        (AccessFailureLog, AccessFailureLogAdmin)):
        if admin.site.is_registered(model):
            admin.site.unregister(model)
        admin.site.register(model, type(f"Scoped{base.__name__}", (ScopedAdminMixin, base), {}))
