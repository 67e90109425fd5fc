"""gunicorn settings for `make serve` and production (README "Production"), read from the environment."""

import gc
import os

bind = os.environ.get("GUNICORN_BIND") or f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# Sync workers: one request each; two per core is the usual start (README "Production").
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Recycle workers now and then, so that a slow leak never grows without bound. Not often: a new worker
# starts with an empty local-memory page cache and pays Django's first-request set-up, and at 5,000
# requests a worker recycled every 12 s on a publication-day load, each time a 0.5-1 s stall (bench/load.py).
# Workers' memory stays flat under the benchmark (README "Benchmarks").
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "100000"))
max_requests_jitter = max_requests // 10
# Logs to standard output, like the application's own.
accesslog = "-"
errorlog = "-"
# Only this proxy may say which scheme a request came with (X-Forwarded-Proto). gunicorn sets
# REMOTE_ADDR to the connecting proxy's address, not from X-Forwarded-For (docs/operations.md).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


# Python's cycle collector walked the whole heap (Django, the app, every cache) several times a
# second under load: a third of a 200-measure page's CPU (bench/load.py). What a worker loaded at
# start-up is frozen out of its walks, and it runs after 20,000 new objects rather than 700: a page's
# own objects are freed by reference counting as it ends, and the few cycles wait a little longer.
def post_worker_init(worker):
    gc.set_threshold(int(os.environ.get("PYTHON_GC_THRESHOLD", "20000")), 10, 10)
    gc.freeze()
