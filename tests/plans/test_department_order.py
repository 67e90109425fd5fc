"""Departments in the city's order (issue 12 point 4): the order the reform office sets in the admin,
seeded in the source's order, on the department list, the measure list's filter and the admin."""

from __future__ import annotations

import re

from django.urls import reverse

from plans.models import Department

SOURCE_ORDER = ["総務部職員課", "市長公室経営改革課", "資産管理部財産活用課", "関係各課", "都市整備部下水道推進室"]


def divisions_listed(html: str) -> list[str]:
    return re.findall(r'<h2 id="division-\d+">([^<]+)</h2>', html)


def test_the_seed_keeps_the_sources_order(seed_plan):
    assert [str(d) for d in Department.objects.all()][:5] == SOURCE_ORDER


def test_the_public_site_lists_departments_in_the_citys_order_not_by_character_code(client, seed_plan):
    divisions = divisions_listed(client.get("/departments/").content.decode())
    assert divisions[:3] == ["総務部", "市長公室", "資産管理部"]  # character-code order would start 企画部
    options = re.findall(r'<option value="\d+">([^<]+)</option>',
                         client.get(f"/plans/{seed_plan.slug}/measures/").content.decode())
    assert options[options.index("総務部職員課"):][:3] == ["総務部職員課", "市長公室経営改革課", "資産管理部財産活用課"]


def test_the_reform_office_sets_the_order_in_the_admin(client, seed_plan, people):
    kikaku = Department.objects.get(section="企画課")
    client.force_login(people["admin"])
    changelist = reverse("admin:plans_department_changelist")
    page = client.get(changelist)
    assert page.status_code == 200 and 'name="form-0-position"' in page.content.decode()
    formset = page.context["cl"].formset
    data = {f"form-{name}": value for name, value in
            [("TOTAL_FORMS", len(formset.forms)), ("INITIAL_FORMS", len(formset.forms)),
             ("MIN_NUM_FORMS", 0), ("MAX_NUM_FORMS", 1000)]}
    for index, form in enumerate(formset.forms):
        department = form.instance
        data[f"form-{index}-id"] = department.pk
        data[f"form-{index}-position"] = 0 if department == kikaku else department.position
    data["_save"] = "保存"
    response = client.post(changelist, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    client.logout()
    assert Department.objects.get(pk=kikaku.pk).position == 0
    assert divisions_listed(client.get("/departments/").content.decode())[0] == "企画部"


def test_a_new_department_goes_after_the_others(seed_plan):
    last = max(d.position for d in Department.objects.all())
    added = Department.objects.create(division="教育部", section="生涯学習課")
    assert added.position == last + 1
    assert list(Department.objects.all())[-1] == added
