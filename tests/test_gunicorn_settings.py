"""gunicorn.conf.py: what each worker sets up after loading the app."""

import gc
import importlib.util
from pathlib import Path

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def load_conf():
    spec = importlib.util.spec_from_file_location("gunicorn_conf", CONF)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_worker_freezes_what_it_loaded_and_collects_cycles_less_often(monkeypatch):
    threshold = gc.get_threshold()
    try:
        monkeypatch.setenv("PYTHON_GC_THRESHOLD", "12345")
        load_conf().post_worker_init(worker=None)
        assert gc.get_threshold()[0] == 12345
        assert gc.get_freeze_count() > 1000  # the modules and objects loaded so far
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


def test_workers_are_recycled_rarely_and_as_configured(monkeypatch):
    monkeypatch.delenv("GUNICORN_MAX_REQUESTS", raising=False)
    assert load_conf().max_requests == 100_000
    monkeypatch.setenv("GUNICORN_MAX_REQUESTS", "5000")
    conf = load_conf()
    assert (conf.max_requests, conf.max_requests_jitter) == (5000, 500)
