"""Demo log-ins for trying the admin: run by `make run`, never by migrations, never in production.

Creates each account only when its user name is free: an account that exists is left as it
is (its password, role and departments may have been changed since, the superuser's too),
so `make run` can run every day. README.md lists the accounts.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from plans import permissions
from plans.models import Department, DepartmentMembership


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    last_name: str
    first_name: str
    role: str
    groups: tuple[str, ...] = ()
    departments: tuple[tuple[str, str], ...] = ()  # (division, section); ("健康こども部", "") = every section
    superuser: bool = False


ACCOUNTS = (
    DemoAccount("shokuin", "minato-sakura-2024", "総務", "花子", "担当課職員（総務部職員課）",
                groups=(permissions.STAFF_GROUP,), departments=(("総務部", "職員課"),)),
    DemoAccount("kodomo", "hikari-umi-2024", "健康", "太郎", "担当課職員（健康こども部の各課）",
                groups=(permissions.STAFF_GROUP,), departments=(("健康こども部", ""),)),
    DemoAccount("keiei", "kaizen-tsubame-2024", "改革", "次郎", "経営改革課（審査・公表）",
                groups=(permissions.REVIEWER_GROUP,)),
    DemoAccount("kanri", "kanrisha-kaede-2024", "管理", "三郎", "管理者",
                groups=(permissions.ADMINISTRATOR_GROUP,), superuser=True),
)


class Command(BaseCommand):
    help = "Creates the demo accounts that do not exist yet (development only: refuses when DJANGO_DEBUG is off)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo accounts are for development only: DJANGO_DEBUG is off, nothing was created.")
        User = get_user_model()
        with transaction.atomic():
            for account in ACCOUNTS:
                if User.objects.filter(username=account.username).exists():
                    self.stdout.write(f"Demo account {account.username} exists: left as it is")
                    continue
                departments = []
                for division, section in account.departments:
                    found = Department.objects.filter(division=division)
                    if section:
                        found = found.filter(section=section)
                    if not found:
                        raise CommandError(f"Department {division}{section} not found: load the seed plan first.")
                    departments.extend(found)
                user = User(
                    username=account.username, last_name=account.last_name, first_name=account.first_name,
                    is_staff=True, is_active=True, is_superuser=account.superuser,
                )
                validate_password(account.password, user)
                user.set_password(account.password)
                user.save()
                user.groups.set([Group.objects.get_or_create(name=name)[0] for name in account.groups])
                for department in departments:
                    DepartmentMembership.objects.get_or_create(user=user, department=department)
                self.stdout.write(f"Created demo account {account.username} ({account.role})")
