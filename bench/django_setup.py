"""Set-up shared by the in-process benchmarks: Django on a throwaway database, migrated.

    from bench.django_setup import start
    start(use_database_url=args.use_database_url)   # then import models
"""

from __future__ import annotations

import os
import tempfile


def start(*, use_database_url: bool = False) -> None:
    """Django with development settings on a fresh SQLite file (or on DATABASE_URL when asked), migrated:
    a benchmark never touches your data."""
    if not use_database_url:
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    os.environ.setdefault("DJANGO_DEBUG", "1")
    # Publications here never queue jobs on a Redis that a real worker (with another database) reads.
    os.environ["BACKGROUND_JOBS"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kisarazu_reform.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
