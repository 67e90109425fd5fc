"""The page cache: public pages kept whole for readers who are not logged in.

A citizen's request for a public page (a view of public.views) is answered from Django's cache
when the same page was built before for the same public content and the same day:

- the key holds the version of the public content (reports.content_version), which every change
  to public data moves (a publication, an edit in the admin, an import), so after a change no
  reader gets the page as it was; and today's date, since pages grade "as of today";
- logged-in users are never served from it, and what is built for them is never kept (their pages
  may show what citizens must not see); admin pages and downloads are not public.views;
- only complete 200 answers that set no cookie and are not marked private or never_cache
  (search: every query is a page of its own, and would crowd out the pages many read) are kept, for PAGE_CACHE_SECONDS
  (0 turns the cache off; the cache backend is settings.CACHES, Redis when REDIS_URL is set).

Every public page gets an ETag and `Cache-Control: no-cache`, so browsers and proxies keep it but
ask each time whether it is still current; Django's ConditionalGetMiddleware then answers 304.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.utils.cache import patch_cache_control, set_response_etag

from reports import content_version

from .pages import parts

logger = logging.getLogger(__name__)

CACHED_VIEW_MODULES = frozenset({"public.views"})
HEADER = "X-Page-Cache"  # hit or miss: for operators and tests


def page_key(request) -> str:
    """The cache key of a page: content version, today, host and the full path with its query."""
    address = f"{request.get_host()}{request.get_full_path()}"
    digest = hashlib.sha256(address.encode()).hexdigest()
    version, changed_at = content_version.stamp()
    # With the time the version moved: a database restored from a backup counts again from an
    # older number, and must not meet pages kept for the same number before the restore.
    moved = changed_at.timestamp() if changed_at else 0
    return f"page:{version}.{moved:.6f}:{parts.today().isoformat()}:{digest}"


def _is_public_page(view_func) -> bool:
    return getattr(view_func, "__module__", None) in CACHED_VIEW_MODULES


def _may_keep(response) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not {"private", "no-store"} & {part.strip() for part in response.get("Cache-Control", "").split(",")}
    )


class PageCacheMiddleware:
    """Serves and keeps public pages for anonymous readers (after AuthenticationMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not getattr(request, "_is_public_page", False) or response.get(HEADER) == "hit":
            return response
        if request.user.is_authenticated:
            patch_cache_control(response, private=True, no_cache=True)
        elif _may_keep(response):
            set_response_etag(response)
            patch_cache_control(response, no_cache=True)
            key = getattr(request, "_page_cache_key", None)
            if key is not None:
                response[HEADER] = "miss"
                try:
                    cache.set(key, response, settings.PAGE_CACHE_SECONDS)
                except Exception:  # a cache that is down (Redis restarting) costs speed, never the page
                    logger.warning("page cache: could not keep %s", request.path, exc_info=True)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not _is_public_page(view_func) or request.method not in ("GET", "HEAD"):
            return None
        request._is_public_page = True
        if request.user.is_authenticated or settings.PAGE_CACHE_SECONDS <= 0:
            return None
        key = page_key(request)
        try:
            cached = cache.get(key)
        except Exception:  # the cache is down: build the page as if it were not kept
            logger.warning("page cache: could not read %s", request.path, exc_info=True)
            cached = None
        if cached is not None:
            cached[HEADER] = "hit"
            return cached
        request._page_cache_key = key
        return None
