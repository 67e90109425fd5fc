"""The three roles as Django groups (see plans/permissions.py): configuration, not demo data.

Rights come from plans.permissions, not from model permissions, so the groups carry none.
"""

from django.db import migrations

ROLE_GROUPS = ("担当課職員", "経営改革課（審査）", "管理者")


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLE_GROUPS:
        Group.objects.get_or_create(name=name)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_GROUPS, user__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("plans", "0002_workflow_and_memberships"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
