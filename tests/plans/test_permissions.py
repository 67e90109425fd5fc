"""The permission matrix: every role × every action, on their own and on others' objects.

One table says who may do what (EXPECTED); the tests check plans.permissions against it,
then that crafted requests to the admin get 403 or 404 where the table says no.
"""

import datetime
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser, User
from axes.models import AccessAttempt
from django.urls import reverse

from indicators.models import IndicatorYear
from plans import permissions
from reports import workflow
from plans.admin import ScopedAdminMixin
from plans.models import Department, DepartmentMembership, Measure, Plan
from reports.models import ProgressNote, ProgressReport
from tests.workflow_helpers import administrator, department, make_user, open_report, reviewer, staff

ROLES = ("anonymous", "no_role", "staff_own", "staff_other", "reviewer", "admin")
A = permissions.ACTIONS  # view, add, change, delete, submit, return, approve, publish
OWN_DEPT = ("staff_own",)
REVIEW = ("reviewer", "admin")

# target -> {action: roles allowed}; an action not listed is allowed to nobody.
EXPECTED = {
    "draft_note_own": {"view": OWN_DEPT + REVIEW, "change": ("staff_own", "admin"), "submit": ("staff_own", "admin")},
    # "other": the other department's (staff_other is in charge of measure 11)
    "draft_note_other": {"view": ("staff_other",) + REVIEW, "change": ("staff_other", "admin"),
                         "submit": ("staff_other", "admin")},
    "submitted_note_own": {"view": OWN_DEPT + REVIEW, "return": REVIEW, "approve": REVIEW},
    "submitted_note_third": {"view": REVIEW, "return": REVIEW, "approve": REVIEW},
    # the administrator entered its text: four eyes, they may return it but not approve it
    "submitted_note_admin_wrote": {"view": REVIEW, "return": REVIEW, "approve": ("reviewer",)},
    "approved_note_own": {"view": OWN_DEPT + REVIEW, "return": REVIEW},
    "published_note_own": {"view": OWN_DEPT + REVIEW},
    "result_entry_own": {"view": OWN_DEPT + REVIEW, "add": ("staff_own", "admin"), "change": ("staff_own", "admin"),
                         "delete": ("staff_own", "admin"), "submit": ("staff_own", "admin")},
    "result_entry_third": {"view": REVIEW, "add": ("admin",), "change": ("admin",), "delete": ("admin",),
                           "submit": ("admin",)},
    "measure_own": {"view": OWN_DEPT + REVIEW, "add": REVIEW, "change": REVIEW},
    "measure_other": {"view": ("staff_other",) + REVIEW, "add": REVIEW, "change": REVIEW},
    "measure_unpublished_plan": {"view": REVIEW, "add": REVIEW, "change": REVIEW, "delete": ("admin",)},
    "indicator_year_own": {"view": REVIEW, "add": REVIEW, "change": REVIEW},
    "plan": {"view": REVIEW, "add": REVIEW, "change": REVIEW},
    "open_report": {"view": REVIEW, "add": REVIEW, "change": REVIEW, "delete": ("admin",), "publish": REVIEW},
    "published_report": {"view": REVIEW, "add": REVIEW},
    "membership": {"view": ("admin",), "add": ("admin",), "change": ("admin",), "delete": ("admin",)},
    "user": {"view": ("admin",), "add": ("admin",), "change": ("admin",), "delete": ("admin",)},
    "login_attempt": {"view": ("admin",), "delete": ("admin",)},  # unlocking is deleting
}


@pytest.fixture
def world(seed_plan):
    shokuin = department("総務部", "職員課")
    users = {
        "anonymous": AnonymousUser(),
        "no_role": make_user("norole"),
        "staff_own": staff("own", shokuin),
        "staff_other": staff("other", *Department.objects.filter(division="健康こども部")),
        "reviewer": reviewer("rev"),
        "admin": administrator("adm"),
    }
    helper = staff("helper", *Department.objects.all())
    report = open_report(seed_plan, users["reviewer"])
    notes = {n.measure.number: n for n in report.notes.select_related("measure")}
    # 職員課 leads measures 1 and 2; 健康こども部 measure 11; 市民部 measure 12.
    for number in (2, 12, 13):
        workflow.save_note(helper, notes[number], expected_version=1, text="記述", results={})
        workflow.submit(helper, notes[number])
    workflow.approve(users["admin"], notes[13])
    # 下水道推進室 alone has measure 5: nobody's here. The administrator writes, a colleague submits.
    workflow.save_note(users["admin"], notes[5], expected_version=1, text="管理者が記入", results={})
    workflow.submit(helper, notes[5])
    own_year = IndicatorYear.objects.get(indicator__measure__number=1, fiscal_year=2023)
    workflow.save_note(helper, notes[1], expected_version=1, text="",
                       results={own_year.pk: own_year.indicator.stages.first()})
    other_year = IndicatorYear.objects.get(indicator__measure__number=12, indicator__slot=1, fiscal_year=2023)
    other_entry_note = notes[14]
    year_14 = IndicatorYear.objects.get(indicator__measure__number=14, indicator__slot=1, fiscal_year=2023)
    workflow.save_note(helper, other_entry_note, expected_version=1, text="", results={year_14.pk: Decimal(10)})
    published = ProgressReport.objects.get(plan=seed_plan, published_at__isnull=False)
    # measure 13 (福祉部) is nobody's here; treat its approved note as "own" for staff_own by membership.
    DepartmentMembership.objects.create(user=users["staff_own"], department=department("福祉部", "障がい福祉課"))
    new_plan = Plan.objects.create(slug="next", title="次期計画", municipality="市", first_fiscal_year=2027,
                                   last_fiscal_year=2030)
    pillar = new_plan.pillars.create(number=1, name="ヒト")
    targets = {
        "draft_note_own": ProgressNote.objects.get(pk=notes[1].pk),
        "draft_note_other": ProgressNote.objects.get(pk=notes[11].pk),
        "submitted_note_own": ProgressNote.objects.get(pk=notes[2].pk),
        "submitted_note_third": ProgressNote.objects.get(pk=notes[12].pk),
        "submitted_note_admin_wrote": ProgressNote.objects.get(pk=notes[5].pk),
        "approved_note_own": ProgressNote.objects.get(pk=notes[13].pk),
        "published_note_own": published.notes.get(measure__number=1),
        "result_entry_own": ProgressNote.objects.get(pk=notes[1].pk).result_entries.get(),
        "result_entry_third": ProgressNote.objects.get(pk=notes[14].pk).result_entries.get(),
        "measure_own": seed_plan.measures.get(number=1),
        "measure_other": seed_plan.measures.get(number=11),
        "measure_unpublished_plan": Measure.objects.create(plan=new_plan, pillar=pillar, number=1, title="新"),
        "indicator_year_own": own_year,
        "plan": seed_plan,
        "open_report": report,
        "published_report": published,
        "membership": DepartmentMembership.objects.filter(user=users["staff_own"]).first(),
        "user": users["staff_own"],
        "login_attempt": AccessAttempt.objects.create(username="x", ip_address="127.0.0.1", failures_since_start=1),
    }
    del other_year
    return users, targets


@pytest.mark.parametrize("target_name", sorted(EXPECTED))
def test_permission_matrix(world, target_name):
    users, targets = world
    target = targets[target_name]
    expected = EXPECTED[target_name]
    holes = []
    for role in ROLES:
        user = users[role]
        for action in A:
            allowed = permissions.can(user, action, target)
            if allowed != (role in expected.get(action, ())):
                holes.append(f"{role} {action} {target_name}: {'allowed' if allowed else 'refused'}")
            if not allowed:
                with pytest.raises(permissions.NotAllowed):
                    permissions.require(user, action, target)
    assert not holes, "\n".join(holes)


def test_inactive_users_lose_every_right(world):
    users, targets = world
    user = users["admin"]
    user.is_active = False
    permissions.forget(user)
    assert not any(permissions.can(user, action, targets["open_report"]) for action in A)


def test_lists_show_only_what_the_role_may_see(world):
    users, targets = world
    own_numbers = set(permissions.scope(users["staff_own"], Measure.objects.all()).values_list("number", flat=True))
    assert own_numbers == {1, 2, 13}  # 職員課 leads 1 and 2, shares nothing else; 福祉部 has 13
    other = set(permissions.scope(users["staff_other"], ProgressNote.objects.filter(report__published_at__isnull=True))
                .values_list("measure__number", flat=True))
    assert other == {11}  # the 健康こども部 sections share measure 11
    assert permissions.scope(users["reviewer"], Measure.objects.all()).count() == Measure.objects.count()
    assert not permissions.scope(users["no_role"], Measure.objects.all()).exists()
    assert not permissions.scope(users["staff_own"], IndicatorYear.objects.all()).exists()


def test_every_admin_class_asks_the_permission_module():
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, ScopedAdminMixin), f"{model.__name__} admin bypasses plans.permissions"


# --- crafted requests ---------------------------------------------------------------------------


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def test_crafted_requests_to_other_departments_get_403_or_404(client, world):
    users, targets = world
    client.force_login(users["staff_other"])
    for name in ("draft_note_own", "submitted_note_own", "measure_own", "indicator_year_own", "open_report",
                 "published_report", "plan", "user"):
        obj = targets[name]
        url = change_url(obj)
        assert client.get(url).status_code in (403, 404), name
        response = client.post(url, {"version": 1, "text": "乗っ取り", "_save": "1", "title": "x"})
        assert response.status_code in (403, 404), name
        delete = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_delete", args=[obj.pk])
        assert client.post(delete, {"post": "yes"}).status_code in (403, 404), name
    note = targets["draft_note_own"]
    assert client.get(reverse("admin:reports_progressnote_history", args=[note.pk])).status_code == 404
    assert client.post(reverse("admin:reports_progressreport_publish", args=[targets["open_report"].pk])).status_code == 404
    note.refresh_from_db()
    assert note.text == "" and note.version == 2
    measure = targets["measure_own"]
    measure.refresh_from_db()
    assert measure.title == "人事評価制度の充実"


def test_crafted_requests_beyond_the_role_get_403(client, world):
    users, targets = world
    client.force_login(users["staff_own"])
    submitted = targets["submitted_note_own"]
    # Staff cannot approve or return, even their own measure's note.
    for action in ("_approve", "_return"):
        response = client.post(change_url(submitted), {"version": submitted.version, "comment": "x", action: "1"})
        assert response.status_code == 403
    # Nor edit a submitted or published note, nor change their own measure's texts or add notes.
    assert client.post(change_url(submitted), {"version": submitted.version, "text": "x", "_save": "1"}).status_code == 403
    published = targets["published_note_own"]
    assert client.post(change_url(published), {"version": published.version, "text": "x", "_save": "1"}).status_code == 403
    assert client.post(change_url(targets["measure_own"]), {"title": "x"}).status_code == 403
    assert client.post(reverse("admin:reports_progressnote_add"), {}).status_code == 403
    assert client.get(reverse("admin:reports_progressreport_add")).status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == "submitted" and submitted.text == "記述"

    client.force_login(users["reviewer"])
    published_report = targets["published_report"]
    assert client.post(reverse("admin:reports_progressreport_publish", args=[published_report.pk])).status_code == 403
    assert client.post(
        reverse("admin:reports_progressreport_delete", args=[targets["open_report"].pk]), {"post": "yes"}
    ).status_code == 403
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    draft = targets["draft_note_own"]
    assert client.post(change_url(draft), {"version": draft.version, "text": "x", "_save": "1"}).status_code == 403

    client.force_login(users["admin"])
    assert client.post(
        reverse("admin:plans_measure_delete", args=[targets["measure_own"].pk]), {"post": "yes"}
    ).status_code == 403  # its plan has a published report
    assert client.post(
        reverse("admin:reports_progressreport_delete", args=[published_report.pk]), {"post": "yes"}
    ).status_code == 403
    assert ProgressReport.objects.filter(pk=published_report.pk).exists()


def test_staff_lists_in_the_admin_show_only_their_measures(client, world):
    users, targets = world
    client.force_login(users["staff_other"])
    page = client.get(reverse("admin:reports_progressnote_changelist")).content.decode()
    assert "No.11 " in page and "No.1 " not in page and "No.2 " not in page
    page = client.get(reverse("admin:index")).content.decode()
    assert "指標" not in page.split("担当している推進項目の入力状況")[0]  # no plan-content menus before the panel
    assert reverse("admin:indicators_indicatoryear_changelist") not in page
    assert client.get(reverse("admin:indicators_indicatoryear_changelist")).status_code == 403


def test_login_without_role_sees_a_message_and_nothing_else(client, world):
    users, _ = world
    client.force_login(users["no_role"])
    page = client.get(reverse("admin:index")).content.decode()
    assert "役割が登録されていません" in page
    assert client.get(reverse("admin:reports_progressnote_changelist")).status_code == 403


def test_groups_are_created_by_migration(db):
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= set(permissions.ROLE_GROUPS)


def test_demo_accounts_match_their_roles(seed_plan, settings):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="development only"):
        call_command("create_demo_accounts", verbosity=0)
    assert not User.objects.exists()
    settings.DEBUG = True
    call_command("create_demo_accounts", verbosity=0)
    call_command("create_demo_accounts", verbosity=0)  # idempotent
    assert User.objects.count() == 4
    roles = {u.username: permissions.roles(u) for u in User.objects.all()}
    assert roles["shokuin"].is_staff_member and roles["shokuin"].department_ids == {department("総務部", "職員課").pk}
    assert roles["kodomo"].department_ids == set(Department.objects.filter(division="健康こども部").values_list("pk", flat=True))
    assert len(roles["kodomo"].department_ids) == 4
    assert roles["keiei"].is_reviewer and not roles["keiei"].is_administrator
    assert roles["kanri"].is_administrator
    from plans.management.commands.create_demo_accounts import ACCOUNTS

    for account in ACCOUNTS:
        assert User.objects.get(username=account.username).check_password(account.password)
    _ = datetime
