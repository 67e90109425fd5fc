"""The admin, in Japanese, of plan content and users: the reform office keeps plans, administrators users.

Every class asks plans.permissions what a user may see and do: nothing here
decides a rule. The scoped mixins below are shared by every app's admin.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from . import permissions
from .models import Department, DepartmentMembership, Measure, MeasureDepartment, Pillar, Plan


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
