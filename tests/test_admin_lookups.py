"""Admin URLs that name an object: a malformed id is a 404, never a server error.

And "view on site" (/admin/r/…) leads only to pages citizens may see.
"""

import datetime

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, reverse

from plans.models import Department, Measure, MeasureDepartment, Pillar, Plan
from reports.models import ProgressReport
from tests.workflow_helpers import make_user, open_report

# Not ids: words, NUL bytes (psycopg refuses them), decimals, out of range, other digits, emoji.
BAD_IDS = ["abc", "1\x00", "\x00", "1.5", "99999999999999999999", "-99999999999999999999", "٣", "１", "😀", "1 2"]


# Pages every superuser may open for any object that exists: a malformed id must be a 404 here.
ALWAYS_FOUND_OR_NOT = {
    "reports_progressnote_change", "reports_progressnote_history", "reports_progressreport_dashboard",
    "reports_progressreport_publish", "reports_progressreport_change", "plans_plan_change", "plans_plan_history",
    "plans_plan_delete", "plans_measure_change", "plans_measure_history", "indicators_indicatoryear_change",
    "indicators_indicatoryear_history", "auth_user_change", "auth_user_password_change",
}


@pytest.fixture
def superuser(seed_plan):
    return make_user("root", superuser=True)


def object_urls():
    """Every admin URL that takes an object id, with `bad` in place of each id."""
    for model, model_admin in admin.site._registry.items():
        for pattern in model_admin.get_urls():
            if not isinstance(pattern, URLPattern) or not pattern.name:
                continue
            groups = pattern.pattern.regex.groups
            if groups == 0:
                continue
            yield model, pattern.name, groups


def test_every_object_url_is_covered():
    names = {name for _, name, _ in object_urls()}
    assert {"reports_progressnote_change", "reports_progressnote_history", "reports_progressnote_delete",
            "reports_progressreport_dashboard", "reports_progressreport_publish",
            "plans_plan_simple_history", "auth_user_password_change"} <= names


@pytest.mark.parametrize("bad", BAD_IDS)
def test_malformed_ids_are_not_found_on_every_admin_url(superuser, bad):
    client = Client(raise_request_exception=False)
    client.force_login(superuser)
    checked = 0
    for _, name, groups in object_urls():
        try:
            url = reverse(f"admin:{name}", args=[bad] * groups)
        except NoReverseMatch:
            continue  # the URL's converter refuses it: the resolver answers 404
        # "Not found"; or refused first where nobody may do it at all (deleting notes, editing login records).
        expected = 404 if name in ALWAYS_FOUND_OR_NOT else (403, 404)
        for method in ("get", "post"):
            status = getattr(client, method)(url).status_code
            assert status == expected if expected == 404 else status in expected, (method, url, status)
        checked += 1
    assert checked > 25


@pytest.mark.parametrize("bad", ["99999999999999999999", "1%00", "abc"])
def test_malformed_ids_in_the_workbook_pages_are_not_found(superuser, bad):
    client = Client(raise_request_exception=False)
    client.force_login(superuser)
    for url in (f"/admin/exchange/reports/{bad}/result-template.xlsx", f"/admin/exchange/reports/{bad}/result-upload/",
                f"/admin/exchange/plans/{bad}/plan-workbook.xlsx", f"/admin/r/{bad}/1/"):
        assert client.get(url).status_code == 404, url


def test_well_formed_ids_still_open_their_pages(client, report, people):
    client.force_login(people["reviewer"])
    note = report.notes.get(measure__number=2)
    assert client.get(reverse("admin:reports_progressnote_change", args=[note.pk])).status_code == 200
    assert client.get(reverse("admin:reports_progressnote_history", args=[note.pk])).status_code == 200
    assert client.get(reverse("admin:reports_progressreport_dashboard", args=[report.pk])).status_code == 200
    assert client.get(reverse("admin:plans_plan_history", args=[report.plan_id])).status_code == 200
    record = report.plan.history.first()
    assert client.get(reverse("admin:plans_plan_simple_history", args=[report.plan_id, record.history_id])).status_code == 200
    # Out of the user's scope is still "not found" (staff of 職員課 and measure 11).
    client.force_login(people["shokuin"])
    other = report.notes.get(measure__number=11)
    assert client.get(reverse("admin:reports_progressnote_change", args=[other.pk])).status_code == 404


# --- "view on site": only what citizens may see --------------------------------------------------


@pytest.fixture
def unpublished(seed_plan):
    """A next plan being prepared: its pillar, measure and a department that only it names."""
    plan = Plan.objects.create(slug="2027-2030", title="次期計画", municipality="木更津市",
                               first_fiscal_year=2027, last_fiscal_year=2030)
    pillar = Pillar.objects.create(plan=plan, number=1, name="ヒト")
    measure = Measure.objects.create(plan=plan, pillar=pillar, number=1, title="新しい推進項目")
    department = Department.objects.create(division="新設部", section="準備室")
    MeasureDepartment.objects.create(measure=measure, department=department)
    return {"plan": plan, "pillar": pillar, "measure": measure, "department": department}


def on_site(obj):
    return f"/admin/r/{ContentType.objects.get_for_model(obj).pk}/{obj.pk}/"


def test_view_on_site_never_reveals_what_is_not_public(client, seed_plan, people, unpublished, superuser):
    open_report(seed_plan, people["reviewer"], as_of=datetime.date(2024, 9, 1))
    for user in (people["shokuin"], people["reviewer"], superuser):
        client.force_login(user)
        for obj in unpublished.values():
            assert client.get(on_site(obj)).status_code == 404, obj
        assert client.get(on_site(ProgressReport.objects.get(published_at__isnull=True))).status_code == 404
        # The change page offers no link to it either.
        page = client.get(reverse("admin:plans_plan_change", args=[unpublished["plan"].pk])).content.decode()
        assert 'href="/plans/2027-2030/"' not in page and "/admin/r/" not in page
    client.force_login(people["reviewer"])
    published_measure = Measure.objects.get(plan=seed_plan, number=2)
    response = client.get(on_site(published_measure))
    assert response.status_code == 302 and response["Location"] == published_measure.get_absolute_url()
    page = client.get(reverse("admin:plans_plan_change", args=[seed_plan.pk])).content.decode()
    assert f'href="{seed_plan.get_absolute_url()}"' in page


def test_crawl_view_on_site_for_every_content_type_and_object(seed_plan, people, unpublished, superuser):
    """Whatever /admin/r/ redirects to, a citizen can open; everything else is a 404."""
    open_report(seed_plan, people["reviewer"], as_of=datetime.date(2024, 9, 1))
    staff, citizen = Client(raise_request_exception=False), Client()
    staff.force_login(superuser)
    redirected = 0
    for content_type in ContentType.objects.all():
        model = content_type.model_class()
        if model is None or not model._meta.managed:
            continue  # unmanaged models have no table of rows (django-rq's dashboard)
        for pk in model._base_manager.values_list("pk", flat=True):
            response = staff.get(f"/admin/r/{content_type.pk}/{pk}/")
            assert response.status_code in (302, 404), (content_type, pk, response.status_code)
            if response.status_code == 302:
                redirected += 1
                assert citizen.get(response["Location"]).status_code == 200, (content_type, pk, response["Location"])
    assert redirected > 20  # the published plan, its pillars, measures and departments
