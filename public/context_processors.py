"""What every page's header shows whatever the page: the municipality that publishes the site."""

from __future__ import annotations

from django.db import DatabaseError
from django.utils.functional import SimpleLazyObject

from reports import publication


def _municipality() -> str:
    # The header's decoration must not turn a 404 or 403 into a server error when the database
    # cannot answer (down, or not migrated yet): the page then names no municipality.
    try:
        plan = publication.publisher()
    except DatabaseError:
        return ""
    return plan.municipality if plan is not None else ""


def publisher(request) -> dict:
    """`site_municipality` for pages that show no plan (the plan list, departments, search, open data). Lazy:
    read (one query) only by a page that prints it; a plan's page prints its own plan's municipality."""
    return {"site_municipality": SimpleLazyObject(_municipality)}
