"""Users in each role and an open progress report on the seed plan, for workflow and permission tests."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import Group, User

from plans import permissions
from reports import workflow
from plans.models import Department, DepartmentMembership
from reports.models import ProgressReport

PASSWORD = "kisarazu-test-password-2024"


def make_user(username, *, groups=(), departments=(), superuser=False, **extra):
    user = User.objects.create_user(
        username=username, password=PASSWORD, is_staff=True, is_superuser=superuser, **extra
    )
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])  # a transactional test may have flushed them
    for department in departments:
        DepartmentMembership.objects.create(user=user, department=department)
    return user


def department(division, section):
    return Department.objects.get(division=division, section=section)


def staff(username, *departments):
    return make_user(username, groups=[permissions.STAFF_GROUP], departments=departments)


def reviewer(username, *departments):
    groups = [permissions.REVIEWER_GROUP] + ([permissions.STAFF_GROUP] if departments else [])
    return make_user(username, groups=groups, departments=departments)


def administrator(username):
    return make_user(username, groups=[permissions.ADMINISTRATOR_GROUP])


def open_report(plan, by, as_of=datetime.date(2024, 9, 1), due=datetime.date(2024, 9, 30)):
    return workflow.open_report(by, ProgressReport(plan=plan, as_of=as_of, due_date=due))
