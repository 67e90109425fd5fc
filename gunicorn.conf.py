"""gunicorn settings for `make serve` and production (README "Production"), read from the environment."""

import os

bind = os.environ.get("GUNICORN_BIND") or f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# Sync workers: one request each; two per core is the usual start (README "Production").
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Recycle workers now and then, so that a slow leak never grows without bound.
max_requests = 5000
max_requests_jitter = 500
# Logs to standard output, like the application's own.
accesslog = "-"
errorlog = "-"
# Only this proxy may say which client and scheme a request came from (X-Forwarded-For/-Proto):
# django-axes reads the client's address from REMOTE_ADDR, which gunicorn sets from it.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
