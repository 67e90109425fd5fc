"""Who may see and change what: the one place that decides it.

Every admin class (get_queryset, has_*_permission), every workflow function and
every view asks here; nothing else looks at groups or departments.

Roles are Django groups (created by migration plans/0003):

- 担当課職員 (department staff): with their department memberships
  (DepartmentMembership), they see the measures their departments are in
  charge of and, in the open progress report, enter those measures' results
  and narratives and submit them. A measure shared by several departments is
  editable by each. They change nothing else: no targets, no plan texts.
- 経営改革課（審査） (reform-office reviewers): see everything; keep the plan's
  texts, indicators and targets; open progress reports; return, approve and
  publish. A reviewer who is also a member of a department enters that
  department's progress like any staff member, but never approves a note they
  submitted themselves, nor one whose text or results they entered (four eyes:
  the note names its authors, `note.author_ids()`, from the action log of the
  reports app; this module asks the note and imports nothing of that app).
- 管理者 (administrators), and superusers: all of the above, on every
  department, plus users and memberships, and deleting.

Whatever the role, nothing of a published report changes, nothing approved is
edited (a reviewer returns it first), official results are written only by
publication, and nothing a published report depends on is deleted.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Model, OuterRef, QuerySet

from .models import DepartmentMembership, MeasureDepartment

STAFF_GROUP = "担当課職員"
REVIEWER_GROUP = "経営改革課（審査）"
ADMINISTRATOR_GROUP = "管理者"
ROLE_GROUPS = (STAFF_GROUP, REVIEWER_GROUP, ADMINISTRATOR_GROUP)

VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"
SUBMIT, RETURN, APPROVE, PUBLISH = "submit", "return", "approve", "publish"
ACTIONS = (VIEW, ADD, CHANGE, DELETE, SUBMIT, RETURN, APPROVE, PUBLISH)

# Models that make up a plan: reviewers keep them, staff read their own measures.
PLAN_CONTENT = {
    "plans.plan", "plans.pillar", "plans.department", "plans.measure", "plans.measuredepartment",
    "indicators.indicator", "indicators.milestonestage", "indicators.indicatoryear", "indicators.gradeband",
}


class NotAllowed(PermissionDenied):
    """A user tried what their role does not allow; the message says why, in Japanese."""

    def __init__(self, message: str = "この操作をする権限がありません。"):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Roles:
    is_administrator: bool = False
    is_reviewer: bool = False
    is_staff_member: bool = False
    department_ids: frozenset[int] = frozenset()

    @property
    def is_anyone(self) -> bool:
        return self.is_administrator or self.is_reviewer or self.is_staff_member


NOBODY = Roles()


def roles(user) -> Roles:
    """The user's roles, read once per user object (a request's user lives for one request)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOBODY
    cached = getattr(user, "_reform_roles", None)
    if cached is not None:
        return cached
    groups = set(user.groups.filter(name__in=ROLE_GROUPS).values_list("name", flat=True))
    is_administrator = user.is_superuser or ADMINISTRATOR_GROUP in groups
    is_staff_member = STAFF_GROUP in groups
    department_ids = (
        frozenset(DepartmentMembership.objects.filter(user=user).values_list("department_id", flat=True))
        if is_staff_member
        else frozenset()
    )
    result = Roles(
        is_administrator=is_administrator,
        is_reviewer=is_administrator or REVIEWER_GROUP in groups,
        is_staff_member=is_staff_member,
        department_ids=department_ids,
    )
    user._reform_roles = result
    return result


def forget(user) -> None:
    """Drop the cached roles after changing a user's groups or memberships."""
    if hasattr(user, "_reform_roles"):
        del user._reform_roles


def _label(model_or_obj) -> str:
    return model_or_obj._meta.label_lower


def in_charge(user, measure_id: int | None) -> bool:
    """Whether one of the user's departments is in charge of the measure."""
    r = roles(user)
    if measure_id is None or not r.department_ids:
        return False
    return MeasureDepartment.objects.filter(measure_id=measure_id, department_id__in=r.department_ids).exists()


def _plan_id(obj) -> int | None:
    label = _label(obj)
    if label == "plans.plan":
        return obj.pk
    if label in ("plans.pillar", "plans.measure", "reports.progressreport", "indicators.gradeband"):
        return obj.plan_id
    if label in ("plans.measuredepartment", "indicators.indicator", "reports.progressnote"):
        return obj.measure.plan_id
    if label in ("indicators.indicatoryear", "indicators.milestonestage"):
        return obj.indicator.measure.plan_id
    return None


def _plan_has_published_report(plan_id) -> bool:
    # Reports live in a higher layer (reports): named by string, never imported.
    ProgressReport = apps.get_model("reports", "ProgressReport")
    return plan_id is not None and ProgressReport.objects.filter(plan_id=plan_id, published_at__isnull=False).exists()


def can(user, action: str, target) -> bool:
    """Whether the user may do `action` to `target`: an object, or a model class for "any object of it"."""
    return reason_refused(user, action, target) is None


def require(user, action: str, target) -> None:
    """Raise NotAllowed, with the reason in Japanese, unless the user may do it."""
    reason = reason_refused(user, action, target)
    if reason is not None:
        raise NotAllowed(reason)


def reason_refused(user, action: str, target) -> str | None:
    """None when allowed, else why not (in Japanese, for messages)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    r = roles(user)
    denied = "この操作をする権限がありません。"
    if not r.is_anyone:
        return denied
    is_object = isinstance(target, Model)
    label = _label(target)

    if label in PLAN_CONTENT:
        if action == VIEW:
            if r.is_reviewer:
                return None
            if r.is_staff_member and label == "plans.measure":
                return None if not is_object or in_charge(user, target.pk) else denied
            return denied
        if action in (ADD, CHANGE):
            return None if r.is_reviewer else denied
        if action == DELETE:
            if label == "plans.measuredepartment":  # reassigning departments loses nothing published
                return None if r.is_reviewer else denied
            if not r.is_administrator:
                return denied
            if is_object and label != "plans.department" and _plan_has_published_report(_plan_id(target)):
                return "公表済みの進捗状況報告がある計画のデータは削除できません。"
            return None
        return denied

    if label == "reports.progressreport":
        if action == VIEW:
            return None if r.is_reviewer else denied
        if action == ADD:
            return None if r.is_reviewer else denied
        if action in (CHANGE, PUBLISH, DELETE):
            if action == DELETE and not r.is_administrator:
                return denied
            if not r.is_reviewer:
                return denied
            if is_object and target.is_published:
                return "公表済みの進捗状況報告は変更できません。"
            return None
        return denied

    if label in ("reports.progressnote", "reports.resultentry"):
        note = target if label == "reports.progressnote" else None
        if is_object and note is None:
            note = target.progress_note
        if action == VIEW:
            if r.is_reviewer:
                return None
            if r.is_staff_member:
                return None if not is_object or in_charge(user, note.measure_id) else denied
            return denied
        if label == "reports.progressnote" and action in (ADD, DELETE):
            return "記述は進捗状況報告を作成すると推進項目ごとに用意されます。追加・削除はできません。"
        if action in (ADD, CHANGE, DELETE, SUBMIT):
            if not (r.is_administrator or r.is_staff_member):
                return denied
            if not is_object:
                return None
            if not (r.is_administrator or in_charge(user, note.measure_id)):
                return "担当している推進項目ではありません。"
            if note.report.is_published:
                return "公表済みの進捗状況報告は変更できません。"
            if not note.is_editable_status:
                return f"「{note.get_status_display()}」の記述は変更・提出できません。" + (
                    "経営改革課の審査を待ってください。" if note.status == note.Status.SUBMITTED
                    else "変更が必要なときは経営改革課に差戻しを依頼してください。"
                )
            return None
        if label == "reports.resultentry":
            return denied
        if action in (RETURN, APPROVE):
            if not r.is_reviewer:
                return denied
            if not is_object:
                return None
            if note.report.is_published:
                return "公表済みの進捗状況報告は変更できません。"
            if action == RETURN and note.status not in (note.Status.SUBMITTED, note.Status.APPROVED):
                return "差し戻せるのは提出済みか承認済みの記述だけです。"
            if action == APPROVE:
                if note.status != note.Status.SUBMITTED:
                    return "承認できるのは提出済みの記述だけです。"
                if note.submitted_by_id is not None and note.submitted_by_id == user.pk:
                    return "自分で提出した記述は承認できません。ほかの審査担当者に依頼してください。"
                if user.pk in note.author_ids():
                    return "この記述を自分で入力・編集しています。ほかの審査担当者に承認を依頼してください。"
            return None
        return denied

    if label.startswith("axes."):  # login-throttling records: read them, unlock by deleting
        return None if action in (VIEW, DELETE) and r.is_administrator else denied

    if label in ("plans.departmentmembership", "auth.user", "auth.group"):
        if action in (VIEW, ADD, CHANGE, DELETE):
            return None if r.is_administrator else denied
        return denied

    if label == "reports.publishedindicatoryear":
        return None if action == VIEW and r.is_reviewer else denied

    if label == "reports.reminderpreference":  # everyone keeps their own; administrators anyone's
        if r.is_administrator:
            return None
        own = is_object and target.user_id == user.pk
        return None if own and action in (VIEW, CHANGE) else denied

    if label == "reports.sentreminder":  # what the reminder command sent: read, never written here
        return None if action == VIEW and r.is_reviewer else denied

    return denied


def scope(user, queryset: QuerySet) -> QuerySet:
    """The rows of `queryset` the user may see."""
    model = queryset.model
    label = _label(model)
    if not can(user, VIEW, model):
        return queryset.none()
    r = roles(user)
    if r.is_reviewer:
        return queryset
    charged = MeasureDepartment.objects.filter(department_id__in=r.department_ids)
    if label == "plans.measure":
        return queryset.filter(Exists(charged.filter(measure_id=OuterRef("pk"))))
    if label == "reports.progressnote":
        return queryset.filter(Exists(charged.filter(measure_id=OuterRef("measure_id"))))
    if label == "reports.resultentry":
        return queryset.filter(Exists(charged.filter(measure_id=OuterRef("progress_note__measure_id"))))
    return queryset.none()


def department_ids(user) -> frozenset[int]:
    return roles(user).department_ids


def department_staff(departments) -> dict[int, list]:
    """The staff members of each department (active, may log in): whom to ask for its progress."""
    memberships = (
        DepartmentMembership.objects.filter(
            department_id__in=list(departments), user__is_active=True, user__is_staff=True,
            user__groups__name=STAFF_GROUP,
        ).select_related("user").order_by("department_id", "user__last_name", "user__first_name", "user__username")
    )
    people: dict[int, list] = {}
    for membership in memberships.distinct():
        people.setdefault(membership.department_id, []).append(membership.user)
    return people


def reform_office():
    """The reform office's reviewers (active, may log in): who reviews the notes departments submit."""
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    return User.objects.filter(is_active=True, is_staff=True, groups__name=REVIEWER_GROUP).distinct().order_by("pk")
