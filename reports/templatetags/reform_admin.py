"""Template tags for the admin's start page: the data comes from reports.dashboard."""

from django import template

from plans import permissions

from .. import dashboard
from ..admin import status_tag as tag
from ..history import person_name

register = template.Library()


@register.simple_tag(takes_context=True)
def start_page(context):
    """What the signed-in user has to do: their measures' notes, or every report's progress."""
    user = context["request"].user
    roles = permissions.roles(user)
    return {
        "roles": roles,
        "staff_reports": dashboard.staff_start(user) if roles.department_ids else [],
        "review_reports": dashboard.reviewer_start() if roles.is_reviewer else [],
        "no_department": roles.is_staff_member and not roles.department_ids,
        "no_role": not roles.is_anyone,
    }


@register.filter
def status_tag(note):
    return tag(note)


@register.filter
def department_names(measure):
    return "、".join(str(a.department) for a in measure.assignments.all())


@register.filter
def person(user):
    """佐藤 花子: family name first, else the user name."""
    return person_name(user) if user else "—"
