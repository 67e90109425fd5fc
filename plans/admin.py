"""The admin, in Japanese, of plan content and users: the reform office keeps plans, administrators users.

Every class asks plans.permissions what a user may see and do: nothing here
decides a rule. The scoped mixins below are shared by every app's admin.
"""

from __future__ import annotations

import datetime
import unicodedata

from django import forms
from django.contrib import admin
from django.contrib.admin import widgets as admin_widgets
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from core import fiscal_years
from core.parsing import ParseError, parse_quantity, refuse_other_digits
from core.text import normalize_text

from . import permissions
from .models import Department, DepartmentMembership, Measure, MeasureDepartment, Pillar, Plan

# --- form fields of every admin form: text, numbers and digits read as everywhere else ----------


class CleanTextField(forms.CharField):
    """Text with line breaks as "\\n" and control characters dropped (core.text) before it is checked,
    so a limit counts what is stored (a browser sends each line break as two characters)."""

    def to_python(self, value):
        return super().to_python(normalize_text(value))


class QuantityField(forms.DecimalField):
    """A number typed as staff type it (１，８５４, 0.28), read by core.parsing like every other number."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_quantity(str(value), decimal_places=self.decimal_places or 0)
        except ParseError as error:
            raise ValidationError(error.message, code="invalid") from error


class WholeNumberField(forms.IntegerField):
    """An integer in half-width or full-width digits only (Python's int() would read ٣ or 𝟓)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        try:
            refuse_other_digits(text, "15、１５")
        except ParseError as error:
            raise ValidationError(error.message, code="invalid") from error
        return super().to_python(unicodedata.normalize("NFKC", text))


def with_date_forms(help_text) -> str:
    """A date field's help text followed by the forms it reads."""
    help_text = str(help_text or "")
    if help_text and not help_text.endswith(("。", "）")):
        help_text += "。"
    return help_text + fiscal_years.DATE_FORMS_HELP


class JapaneseDateField(forms.DateField):
    """A date typed as people type it (2024/9/1, 令和6年9月1日, R6.9.1, full-width too), read by
    core.fiscal_years.parse_date, the one date parser; its help text names the accepted forms."""

    # A plain text box: the admin's calendar (DateTimeShortcuts.js) writes inline styles, which the
    # site's Content-Security-Policy refuses, and people type dates here anyway.
    widget = forms.DateInput(attrs={"class": "vDateField", "size": 18, "autocomplete": "off"})

    def __init__(self, **kwargs):
        help_text = kwargs.pop("help_text", "")
        kwargs.setdefault("widget", type(self).widget)
        super().__init__(help_text=with_date_forms(help_text), **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        try:
            return fiscal_years.parse_date(value)
        except ParseError as error:
            raise ValidationError(error.message, code="invalid") from error


class JapaneseSplitDateTimeField(forms.SplitDateTimeField):
    """A date and time (公開日時): the date part read like every other date (JapaneseDateField)."""

    widget = admin_widgets.AdminSplitDateTime

    def __init__(self, **kwargs):
        help_text = kwargs.pop("help_text", "")
        kwargs.setdefault("widget", admin_widgets.AdminSplitDateTime)
        super().__init__(help_text=with_date_forms(help_text), **kwargs)
        date_field = JapaneseDateField(required=False, error_messages={"invalid": self.error_messages["invalid_date"]})
        date_field.help_text = ""
        self.fields = (date_field, *self.fields[1:])


def admin_form_class(db_field):
    """The form field class for a model field in the admin, or None for Django's own."""
    if db_field.choices:
        return None
    if type(db_field) in (models.CharField, models.TextField):
        return CleanTextField
    if type(db_field) is models.DecimalField:
        return QuantityField
    if type(db_field) is models.DateTimeField:
        return JapaneseSplitDateTimeField
    if type(db_field) is models.DateField:
        return JapaneseDateField
    if isinstance(db_field, models.IntegerField) and not isinstance(db_field, models.AutoField):
        return WholeNumberField
    return None


class ScopedFormFields:
    """Every admin form (pages and inlines) reads text and numbers through the fields above, and checks
    the model field's range (years, dates) in the form: a value out of range never reaches the object
    the page is shown again with (its title would name a fiscal year or date that has no era name)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        form_class = admin_form_class(db_field)
        if form_class is not None and "form_class" not in kwargs:
            kwargs["form_class"] = form_class
            if form_class in (QuantityField, JapaneseDateField):
                kwargs.setdefault("widget", form_class.widget)
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None:
            for validator in db_field.validators:
                if isinstance(validator, (MinValueValidator, MaxValueValidator)) and validator not in formfield.validators:
                    formfield.validators.append(validator)
        return formfield


class ScopedAdminMixin(ScopedFormFields):
    """Rights from plans.permissions, for lists, pages and crafted requests alike.

    An object outside the user's scope is a 404 (Django's admin would redirect);
    an action the role does not allow is a 403. One object lookup (find_object,
    get_object_or_404) serves Django's pages and every custom admin view: an id
    that is not one ("abc", NUL bytes, 1.5, 99999999999999999999) is a 404 too,
    on SQLite and PostgreSQL alike, and never reaches the database.
    """

    def get_queryset(self, request):
        return permissions.scope(request.user, super().get_queryset(request))

    # --- the one object lookup ----------------------------------------------------------------

    def lookup_value(self, object_id, field=None):
        """The id from a URL as a value of `field` (the primary key), or Http404 when it cannot be one."""
        field = field if field is not None else self.model._meta.pk
        text = unquote(str(object_id))
        try:
            if not text.isascii():
                raise ValueError(text)
            value = field.to_python(text)
            field.run_validators(value)  # the column's range: 99999999999999999999 is no id
        except (ValidationError, ValueError, TypeError, OverflowError):
            raise Http404(self.not_found_message()) from None
        if value is None:
            raise Http404(self.not_found_message())
        return value

    def not_found_message(self) -> str:
        return f"{self.model._meta.verbose_name}が見つからないか、表示する権限がありません。"

    def find_object(self, request, object_id, queryset=None, from_field=None):
        """The object the URL names within the user's scope (or `queryset`), or None."""
        queryset = self.get_queryset(request) if queryset is None else queryset
        model = queryset.model
        field = model._meta.pk if from_field is None else model._meta.get_field(from_field)
        try:
            value = self.lookup_value(object_id, field)
        except Http404:
            return None
        return queryset.filter(**{field.name: value}).first()

    def get_object_or_404(self, request, object_id, queryset=None):
        obj = self.find_object(request, object_id, queryset)
        if obj is None:
            raise Http404(self.not_found_message())
        return obj

    def get_object(self, request, object_id, from_field=None):
        return self.find_object(request, object_id, from_field=from_field)

    def history_view(self, request, object_id, extra_context=None):
        self.lookup_value(object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self.lookup_value(object_id)
        history_model = getattr(self.model, self.model._meta.simple_history_manager_attribute).model
        self.lookup_value(version_id, history_model._meta.pk)
        # A past version is for reading: saving it would bypass the workflow, its checks and its history.
        if request.method == "POST":
            raise PermissionDenied("変更履歴の画面から元に戻すことはできません。")
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_search_results(self, request, queryset, search_term):
        # NUL and other control characters in a search are never in the data (and PostgreSQL refuses NUL).
        return super().get_search_results(request, queryset, normalize_text(search_term))

    # --- "view on site": only pages citizens may see ------------------------------------------

    def view_on_site(self, obj):
        """The public page of `obj` when citizens may see it, else None (no link, and /admin/r/ is a 404)."""
        return None

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


class ScopedInlineMixin(ScopedFormFields):
    """Inline rows follow the rights on their own model; deleting follows the parent's rules too."""

    def view_on_site(self, obj):
        # The link of a row is the one its own admin page would show (only public pages).
        try:
            model_admin = admin.site.get_model_admin(type(obj))
        except NotRegistered:
            return None
        return model_admin.get_view_on_site_url(obj) if isinstance(model_admin, ScopedAdminMixin) else None

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

    def view_on_site(self, plan):
        return plan.get_absolute_url() if plan.published_at else None


@admin.register(Pillar)
class PillarAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ("__str__", "plan")
    list_filter = ("plan",)
    list_select_related = ("plan",)

    def view_on_site(self, pillar):
        return pillar.get_absolute_url() if pillar.plan.published_at else None


@admin.register(Department)
class DepartmentAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ("division", "section", "position")
    list_editable = ("position",)  # the reform office sets the city's order here
    search_fields = ("division", "section")

    def view_on_site(self, department):
        # The public site names only departments in charge of a measure of a published plan, and
        # gives 関係各課 (is_collective) no page.
        if department.is_collective:
            return None
        in_public_plan = Plan.objects.published().filter(measures__assignments__department=department).exists()
        return department.get_absolute_url() if in_public_plan else None


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

    def view_on_site(self, measure):
        return measure.get_absolute_url() if measure.plan.published_at else None


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


# --- "view on site" (/admin/r/<content type>/<id>/) ---------------------------------------------


def view_on_site(request, content_type_id, object_id):
    """The admin's "view on site" redirect, through the object's ModelAdmin.

    Django's own redirects any staff user to any object's get_absolute_url, which
    would tell the address of a plan not yet published. Here the object is looked
    up like on every admin page (scope, malformed ids) and the redirect goes only
    to a page citizens may see (ScopedAdminMixin.view_on_site); anything else is a 404.
    """
    content_type = ContentType.objects.filter(pk=content_type_id).first()
    model = content_type.model_class() if content_type is not None else None
    try:
        model_admin = admin.site.get_model_admin(model) if model is not None else None
    except NotRegistered:
        model_admin = None
    if not isinstance(model_admin, ScopedAdminMixin):
        raise Http404("このデータには公開サイトのページがありません。")
    obj = model_admin.get_object_or_404(request, object_id)
    url = model_admin.get_view_on_site_url(obj)
    if not url:
        raise Http404("このデータは公開サイトに表示されていません。")
    return HttpResponseRedirect(url)
