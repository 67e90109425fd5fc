"""Settings, read from the environment (see README.md, "Settings").

Development defaults apply only when DJANGO_DEBUG is on; without it the
project refuses to start unless a secret key and allowed hosts are given.
"""

from pathlib import Path
import os

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


DEBUG = env_flag("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if DEBUG:
    SECRET_KEY = SECRET_KEY or "insecure-development-key-do-not-use-in-production"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]
else:
    if not SECRET_KEY:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is off.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tables2",
    "simple_history",
    "axes",
    "csp",
    "django_rq",  # background jobs on the Redis of REDIS_URL (exchange/jobs.py, `manage.py rqworker default`)
    # The project's apps, lowest layer first (see README "Architecture"); core is a plain package.
    "plans",
    "indicators",
    "reports",
    "public",
    "exchange",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the request: oversized bodies (413) and too many fields (400) are
    # refused with a Japanese page, DEBUG on or off (see kisarazu_reform/middleware.py).
    "kisarazu_reform.middleware.RequestLimitsMiddleware",
    # ETags on every answer, and 304 when the browser's copy is current (public.page_cache).
    "django.middleware.http.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Public pages for readers who are not logged in, from the cache (needs request.user).
    "public.page_cache.PageCacheMiddleware",
    # Every 403 logged once, with the user and path, without a traceback.
    "kisarazu_reform.middleware.ForbiddenLogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout response.
    "axes.middleware.AxesMiddleware",
]

# Login throttling (django-axes): after DJANGO_AXES_FAILURE_LIMIT failed logins for one user
# name from one address, that pair is locked out; after DJANGO_AXES_ADDRESS_FAILURE_LIMIT failed
# logins from one address whatever the user names (password spraying), the address is. Both for
# AXES_COOLOFF_TIME hours. Axes counts both (the two lockout parameter sets below); its callable
# failure limit (kisarazu_reform.login_limits) says which limit applies. Axes' backend must
# come first; it checks the lockout and otherwise leaves authentication to Django's.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_FAILURE_LIMIT = int(os.environ.get("DJANGO_AXES_FAILURE_LIMIT", "5"))
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("DJANGO_AXES_ADDRESS_FAILURE_LIMIT", "30"))
AXES_FAILURE_LIMIT = "kisarazu_reform.login_limits.failure_limit"
AXES_COOLOFF_TIME = float(os.environ.get("DJANGO_AXES_COOLOFF_HOURS", "1"))  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/lockout.html"
# Addresses are read from REMOTE_ADDR: behind a reverse proxy every client shares the proxy's address,
# since gunicorn sets REMOTE_ADDR to its peer (forwarded_allow_ips covers the scheme only); see
# docs/operations.md, "Client addresses behind a proxy".

ROOT_URLCONF = "kisarazu_reform.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "public.context_processors.publisher",
            ],
        },
    },
]

WSGI_APPLICATION = "kisarazu_reform.wsgi.application"

# SQLite in the project folder is the embedded default, so that a newcomer
# needs no database server; production sets DATABASE_URL=postgres://...
# Connections kept between requests (DJANGO_CONN_MAX_AGE) are checked before each request
# uses them, so a worker reconnects by itself after the database restarts (docs/operations.md).
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and os.environ.get("DATABASE_PREPARED_STATEMENTS", "1") != "0":
    # Values bound by the server, and a query run five times on a connection prepared there: PostgreSQL
    # then reuses one plan for it where that plan is as good as a fresh one (the measure page's lookups:
    # planning had been most of their database time); a plan page's queries, whose best plan depends on
    # the plan's size, are still planned each time. DATABASE_PREPARED_STATEMENTS=0 behind a pooler in
    # transaction mode (PgBouncer), which cannot keep prepared statements.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 5})
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several worker processes share the file: a transaction takes the write lock when it begins, so two
    # saves wait for each other instead of one failing with "database is locked" when both read first.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語")]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production serves what collectstatic wrote: compressed, with hashed names that WhiteNoise
    # sends with a year-long Cache-Control; development and tests read the source folders.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage" if DEBUG
                    else "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

# Cookies travel over HTTPS only in production; DJANGO_SECURE_COOKIES=0 turns
# that off for a production-like server on plain http (e.g. browser tests).
SECURE_COOKIES = env_flag("DJANGO_SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
# Only admin users have sessions (the public site sets none). A session ends after
# DJANGO_SESSION_IDLE_HOURS without a request (a working day by default): every request renews it.
SESSION_COOKIE_AGE = int(float(os.environ.get("DJANGO_SESSION_IDLE_HOURS", "8")) * 3600)
SESSION_SAVE_EVERY_REQUEST = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# Caches: Redis when REDIS_URL is set (shared by every worker and server), otherwise each
# process keeps its own in memory. Public pages are kept for PAGE_CACHE_SECONDS; 0 turns the
# page cache off. Keys carry the version of the public content, so a change is seen at once
# (public/page_cache.py, docs/operations.md "The page cache").
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 1000}},
}
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "600"))

# Background jobs (django-rq) on the same Redis: a published report's PDF and workbook are built by
# `manage.py rqworker default` right after publication (exchange/jobs.py), never inside a request.
# BACKGROUND_JOBS is on when REDIS_URL is set; without it (development, tests) nothing is queued:
# small reports' PDFs are built on their first request, large ones by `manage.py build_report_pdfs`
# (README "PDF and fonts").
BACKGROUND_JOBS = env_flag("BACKGROUND_JOBS", bool(REDIS_URL))
RQ_QUEUES = {
    "default": {
        "URL": REDIS_URL or "redis://127.0.0.1:6379/0",
        # A job still running after 10 minutes is stopped: by then its build claim would be taken over
        # (exchange.kept_files.KEPT_FILE_BUILD_TIMEOUT, which the PDF job passes as its own limit).
        "DEFAULT_TIMEOUT": 600,
    },
}
RQ = {"COMMIT_MODE": "on_db_commit"}  # a job queued inside a transaction is sent only once it commits
# No job dashboard in the admin: its pages answer to Django's model permissions rather than
# plans/permissions.py; operators read the queue with `manage.py rqstats`.
RQ_SHOW_ADMIN_LINK = False
# A published report's PDF is built inside the public request that first asks for it only when its
# plan has at most this many measures (a few seconds; gunicorn kills a request after GUNICORN_TIMEOUT);
# a larger one is queued and the request answers 「PDFを作成しています」 (503, Retry-After).
REPORT_PDF_IN_REQUEST_MAX_MEASURES = int(os.environ.get("REPORT_PDF_IN_REQUEST_MAX_MEASURES", "30"))

DJANGO_TABLES2_TEMPLATE = "components/table.html"

# History pages are for reading: reverting through them would bypass the workflow and permissions.
SIMPLE_HISTORY_REVERT_DISABLED = True

# Uploaded workbooks: the largest file and the most rows a sheet may have.
EXCHANGE_MAX_UPLOAD_BYTES = int(os.environ.get("EXCHANGE_MAX_UPLOAD_BYTES", str(5 * 1024 * 1024)))
EXCHANGE_MAX_ROWS = int(os.environ.get("EXCHANGE_MAX_ROWS", "20000"))
EXCHANGE_MAX_UNPACKED_BYTES = int(os.environ.get("EXCHANGE_MAX_UNPACKED_BYTES", str(100 * 1024 * 1024)))
# Request bodies: kisarazu_reform.middleware refuses (413) a body over DATA_UPLOAD_MAX_MEMORY_SIZE,
# or over EXCHANGE_MAX_UPLOAD_BYTES (and the form around it) on the workbook upload pages, before
# reading it. What is accepted stays in memory: no upload is written to a temporary file.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DJANGO_MAX_REQUEST_BYTES", str(2560 * 1024)))
EXCHANGE_MAX_UPLOAD_REQUEST_BYTES = EXCHANGE_MAX_UPLOAD_BYTES + 64 * 1024  # the file and the form around it
FILE_UPLOAD_MAX_MEMORY_SIZE = max(EXCHANGE_MAX_UPLOAD_REQUEST_BYTES, DATA_UPLOAD_MAX_MEMORY_SIZE)
CSRF_FAILURE_VIEW = "kisarazu_reform.middleware.csrf_failure"

# E-mail (the reminders of reports/reminders.py, `manage.py send_reminders`). EMAIL_URL names the
# server in one variable: smtp://user:password@host:587 (STARTTLS: smtp+tls://, TLS from the start:
# smtps://), console:// (printed), file:///var/mail/reform (one file per message), or the
# EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS variables one by one.
# Without either, development prints mails to the console and production uses SMTP on localhost:25.
def email_settings(url: str) -> dict:
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    backends = {"smtp": "smtp", "smtp+tls": "smtp", "smtps": "smtp", "console": "console", "file": "filebased",
                "locmem": "locmem", "dummy": "dummy"}
    if scheme not in backends:
        raise ImproperlyConfigured(f"EMAIL_URL: unknown scheme {scheme!r} (smtp, smtp+tls, smtps, console, file).")
    found = {"EMAIL_BACKEND": f"django.core.mail.backends.{backends[scheme]}.EmailBackend"}
    if scheme == "file":
        found["EMAIL_FILE_PATH"] = unquote(parts.path)
    elif backends[scheme] == "smtp":
        found.update(EMAIL_HOST=parts.hostname or "localhost",
                     EMAIL_PORT=parts.port or {"smtp": 25, "smtp+tls": 587, "smtps": 465}[scheme],
                     EMAIL_HOST_USER=unquote(parts.username or ""), EMAIL_HOST_PASSWORD=unquote(parts.password or ""),
                     EMAIL_USE_TLS=scheme == "smtp+tls", EMAIL_USE_SSL=scheme == "smtps")
    return found


if os.environ.get("EMAIL_URL"):
    globals().update(email_settings(os.environ["EMAIL_URL"]))
elif os.environ.get("EMAIL_HOST"):
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_flag("EMAIL_USE_TLS")
    EMAIL_USE_SSL = env_flag("EMAIL_USE_SSL")
elif DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "webmaster@localhost")
# The address the site is reached at, for links in e-mails (no trailing slash).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
# Reminders to departments that have not submitted: so many days before a report's deadline
# (each number once), and once a week (every so many days) while it is overdue.
REMINDER_DAYS_BEFORE_DUE = sorted({int(day) for day in env_list("REMINDER_DAYS_BEFORE_DUE") or ["7", "1"]}, reverse=True)
REMINDER_OVERDUE_EVERY_DAYS = max(1, int(os.environ.get("REMINDER_OVERDUE_EVERY_DAYS", "7")))

# Everything to standard output (the process manager or container keeps it), server errors
# of django.request with their traceback included.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{asctime} {levelname} {name} {message}", "style": "{"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
    "loggers": {"django.request": {"level": "ERROR"}},
}

# --- production behind TLS (README "Production"); each is off until the deployment says so ---
# Seconds browsers must use HTTPS only (HSTS); 0 leaves the header out. Set it once TLS works.
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("DJANGO_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = env_flag("DJANGO_HSTS_PRELOAD")
SECURE_SSL_REDIRECT = env_flag("DJANGO_SSL_REDIRECT")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer's health check may speak plain HTTP
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it from clients).
if env_flag("DJANGO_BEHIND_TLS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (django-csp) on every response: only the site's own scripts,
# styles and images; no inline code, no frames, forms post to the site itself.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
