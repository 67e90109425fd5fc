"""Requests refused before any view runs, and refusals logged once.

RequestLimitsMiddleware answers, with a Japanese page and the same status whether
DEBUG is on or off:

- 413 when the body is larger than a request may be (CONTENT_LENGTH, checked before
  anything is read: a 50 MB upload is never written to a temporary file). Workbook
  uploads may carry EXCHANGE_MAX_UPLOAD_REQUEST_BYTES (the file and the form around it),
  anything else DATA_UPLOAD_MAX_MEMORY_SIZE;
- 400 when the query string or the form has more fields than
  DATA_UPLOAD_MAX_NUMBER_FIELDS (or files than DATA_UPLOAD_MAX_NUMBER_FILES), or the
  form cannot be parsed (a multipart body without a boundary, a charset other than UTF-8).

Why here and not in Django's exception handling: Django turns TooManyFieldsSent into a
400, but with DEBUG on its technical error page reads request.GET again, which raises
again, and the client gets a bare 500 (Django ticket #35673). Parsing the query string
and the form once, first, makes every later reader (views, middleware, axes, error pages)
see data that is already parsed.

ForbiddenLogMiddleware logs every 403 once, at WARNING on the logger
"django.security.forbidden", with the user, address, path and reason, and no traceback
(Django logs a PermissionDenied with its traceback, and CSRF failures without the user).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import QueryDict, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.views.defaults import permission_denied

forbidden_log = logging.getLogger("django.security.forbidden")

# Workbook uploads: the URL names that take a file of up to EXCHANGE_MAX_UPLOAD_BYTES.
UPLOAD_URL_NAMES = {"exchange_admin:result-upload", "exchange_admin:plan-import"}

def _size_label(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"


def _is_upload_url(request) -> bool:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return match.view_name in UPLOAD_URL_NAMES


def refused(request, status: int, heading: str, message: str, reason: str):
    """The Japanese page for a request refused before any view ran, logged once without a traceback."""
    logging.getLogger(f"django.security.{reason}").warning(
        "Refused (%s): %s %s from %s", status, request.method, request.path, request.META.get("REMOTE_ADDR", "")
    )
    response = render(request, "400.html", {"heading": heading, "message": message}, status=status)
    response._has_been_logged = True
    return response


class RequestLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.refuse_oversized(request) or self.parse(request)
        return response or self.get_response(request)

    def refuse_oversized(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # as Django reads it: no body
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is None or length <= limit:
            return None
        if _is_upload_url(request):
            if length <= settings.EXCHANGE_MAX_UPLOAD_REQUEST_BYTES:
                return None
            message = (
                f"アップロードできるファイルは {_size_label(settings.EXCHANGE_MAX_UPLOAD_BYTES)} までです。"
                "ファイルを小さくするか分けてから、もう一度アップロードしてください。"
            )
        else:
            message = f"送信できるデータは {_size_label(limit)} までです。入力を短くしてから、もう一度送信してください。"
        return refused(request, 413, "送信されたデータが大きすぎます", message, "RequestDataTooBig")

    def parse(self, request):
        """Read the query string and the form once, here, so that no later reader meets an error."""
        try:
            request.GET  # noqa: B018 (parsed and kept on the request)
            if request.method == "POST":
                request.POST  # noqa: B018
        except RequestDataTooBig:
            return refused(
                request, 413, "送信されたデータが大きすぎます",
                f"送信できるデータは {_size_label(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)} までです。"
                "入力を短くしてから、もう一度送信してください。",
                "RequestDataTooBig",
            )
        except (TooManyFieldsSent, TooManyFilesSent) as error:
            if "GET" not in request.__dict__:
                request.GET = QueryDict()  # the page below must not parse it again
            request._mark_post_parse_error()
            return refused(
                request, 400, "送信された項目が多すぎます",
                f"一度に送信できる項目は {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:,} 個までです。"
                "アドレス（URL）やフォームを確かめて、ページを開き直してから操作してください。",
                type(error).__name__,
            )
        except (MultiPartParserError, BadRequest, SuspiciousOperation, UnreadablePostError) as error:
            request._mark_post_parse_error()
            return refused(
                request, 400, "送信された内容を読み取れませんでした",
                "ページを開き直してから、もう一度送信してください。",
                type(error).__name__,
            )
        return None


def log_forbidden(request, response, reason: str = "") -> None:
    """Log a 403 once: user, address, path and reason, at WARNING, without a traceback."""
    if getattr(response, "_has_been_logged", False):
        return
    user = getattr(request, "user", None)
    name = user.get_username() if user is not None and user.is_authenticated else "(anonymous)"
    forbidden_log.warning(
        "Forbidden (403): user=%s address=%s %s %s%s",
        name, request.META.get("REMOTE_ADDR", ""), request.method, request.path,
        f" reason={reason}" if reason else "",
    )
    response._has_been_logged = True


class ForbiddenLogMiddleware:
    """Every 403 answered with the Japanese 403 page and logged once (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 403:
            log_forbidden(request, response)
        return response

    def process_exception(self, request, exception):
        if not isinstance(exception, PermissionDenied):
            return None
        response = permission_denied(request, exception)
        log_forbidden(request, response, str(exception))
        return response


def csrf_failure(request, reason=""):
    """A form sent without a valid CSRF token (often a page left open past the session): say what to do."""
    response = render(request, "403.html", {
        "exception": "フォームの有効期限が切れたか、正しくない送信です。ページを開き直してから、もう一度送信してください。",
    }, status=403)
    log_forbidden(request, response, f"CSRF: {reason}")
    return response
