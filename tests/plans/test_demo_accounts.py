"""`make run` creates the demo accounts once and never resets them afterwards."""

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import CommandError

from plans import permissions
from plans.management.commands.create_demo_accounts import ACCOUNTS


def test_a_changed_password_or_role_survives_the_next_start(seed_plan, settings):
    settings.DEBUG = True
    call_command("create_demo_accounts", verbosity=0)
    kanri = User.objects.get(username="kanri")
    kanri.set_password("a-new-secret-of-the-administrator")
    kanri.save()
    keiei = User.objects.get(username="keiei")
    keiei.groups.set([Group.objects.get(name=permissions.STAFF_GROUP)])
    keiei.first_name = "変更後"
    keiei.save()

    call_command("create_demo_accounts", verbosity=0)  # the next `make run`

    kanri.refresh_from_db()
    assert kanri.check_password("a-new-secret-of-the-administrator") and kanri.is_superuser
    keiei.refresh_from_db()
    assert keiei.first_name == "変更後"
    assert list(keiei.groups.values_list("name", flat=True)) == [permissions.STAFF_GROUP]


def test_a_missing_account_is_created_and_the_others_left_alone(seed_plan, settings):
    settings.DEBUG = True
    call_command("create_demo_accounts", verbosity=0)
    User.objects.filter(username="kodomo").delete()
    shokuin = User.objects.get(username="shokuin")
    shokuin.set_password("changed-by-shokuin-2025")
    shokuin.save()
    call_command("create_demo_accounts", verbosity=0)
    account = next(a for a in ACCOUNTS if a.username == "kodomo")
    assert User.objects.get(username="kodomo").check_password(account.password)
    assert User.objects.get(username="shokuin").check_password("changed-by-shokuin-2025")


def test_refused_without_debug(seed_plan, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="development only"):
        call_command("create_demo_accounts", verbosity=0)
    assert not User.objects.exists()
