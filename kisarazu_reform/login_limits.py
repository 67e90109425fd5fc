"""Login throttling limits for django-axes: per user name and address, and per address.

Axes counts failed logins for each of its lockout parameter sets (settings:
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]) and locks
out when the largest count reaches AXES_FAILURE_LIMIT, which may be a callable:
this one. The address's count (every user name tried from it) is always the
larger, so the limit says which count matters:

- while the user name has failed fewer than LOGIN_FAILURE_LIMIT times from the
  address, the address's own limit (LOGIN_ADDRESS_FAILURE_LIMIT) applies: trying
  many user names from one address (password spraying) locks the address out;
- once it has, LOGIN_FAILURE_LIMIT applies: that user name is locked out from the
  address, while other user names from it still log in until the address's limit.
"""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.helpers import get_client_ip_address, get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def name_failures(request, credentials=None) -> int:
    """Failed logins with this user name from this address within the cool-off time, as axes counts them."""
    attempts = AccessAttempt.objects.filter(
        username=get_client_username(request, credentials),
        ip_address=getattr(request, "axes_ip_address", None) or get_client_ip_address(request),
    )
    if settings.AXES_COOLOFF_TIME is not None:
        attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def failure_limit(request, credentials=None) -> int:
    """AXES_FAILURE_LIMIT: the limit for the address's count (see the module's docstring)."""
    if name_failures(request, credentials) >= settings.LOGIN_FAILURE_LIMIT:
        return settings.LOGIN_FAILURE_LIMIT
    return settings.LOGIN_ADDRESS_FAILURE_LIMIT
