"""Links the public pages print once an item (a measure, a department, a pillar), without a
reverse() each: a page of 200 measures prints some 700 of them, and reverse() costs more than
the rest of a measure's card.

The URL is reversed once with a marker in place of its last argument, and the marker is then
replaced by each item's number. The result is reverse()'s own (script prefix included), for
URLs whose last argument is an integer.
"""

from __future__ import annotations

import threading
from functools import lru_cache

from django.core.signals import request_finished, request_started
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse

MARKER = 987654321

# The script prefix and URLconf of the request being served, read once when it starts: reading
# them (asgiref locals) for each of a page's 800 links cost a tenth of a 200-measure page. Django
# sets the prefix before request_started; this site sets no per-request URLconf (request.urlconf).
_request = threading.local()


@receiver(request_started, dispatch_uid="public.links.request_started")
def _remember(**kwargs) -> None:
    _request.key = (get_script_prefix(), get_urlconf())


@receiver(request_finished, dispatch_uid="public.links.request_finished")
def _forget(**kwargs) -> None:
    _request.key = None


def _key() -> tuple:
    key = getattr(_request, "key", None)
    return key if key is not None else (get_script_prefix(), get_urlconf())


@lru_cache(maxsize=512)
def _pattern(prefix: str, urlconf, name: str, fixed: tuple) -> tuple[str, str]:
    url = reverse(name, urlconf=urlconf, args=[*fixed, MARKER])
    before, _, after = url.rpartition(str(MARKER))
    return before, after


def url(name: str, *args) -> str:
    """reverse(name, args=args) where the last argument is an integer."""
    *fixed, last = args
    before, after = _pattern(*_key(), name, tuple(fixed))
    return f"{before}{int(last)}{after}"


def measure(plan_slug: str, number: int) -> str:
    return url("public:measure", plan_slug, number)


def pillar(plan_slug: str, number: int) -> str:
    return url("public:pillar", plan_slug, number)


def department(pk: int) -> str:
    return url("public:department", pk)


@lru_cache(maxsize=1024)
def _reversed(prefix: str, urlconf, name: str, args: tuple) -> str:
    return reverse(name, urlconf=urlconf, args=list(args))


def page(name: str, *args) -> str:
    """reverse(name, args=args), reversed once per process for each page: every public page prints
    the same dozen links to the site's and the plan's pages, and each {% url %} cost a reverse()."""
    return _reversed(*_key(), name, args)
