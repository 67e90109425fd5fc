"""The version of the public content: a number that moves with every change citizens could see.

The page cache (public.page_cache) and kept files (exchange.kept_files) put it in their keys,
so after a publication, an admin edit or an import no reader gets what was there before.

Every save, delete or many-to-many change of a model in the apps that hold public data
(plans, indicators, reports) moves it, once its transaction commits: after the commit, so
the version row is never held locked across a transaction (two editors would otherwise
wait on each other), and a rolled-back change moves nothing. Bulk writes send no signals:
code that writes in bulk calls `changed()` itself (the plan import, publication).
Models that never reach a public page (the action log, proposed results, history rows)
are left out, so that entry days do not empty the cache.
"""

from __future__ import annotations

from django.apps import apps as global_apps
from django.db import transaction
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from core.prepared import prepared

from .models import Action, PublicContentVersion, ResultEntry

PUBLIC_APPS = frozenset({"plans", "indicators", "reports"})
NOT_PUBLIC = (Action, ResultEntry, PublicContentVersion)


def current() -> int:
    """The version now: one small query."""
    return PublicContentVersion.objects.filter(pk=1).values_list("version", flat=True).first() or 0


def _move() -> None:
    if not PublicContentVersion.objects.filter(pk=1).update(version=F("version") + 1, changed_at=timezone.now()):
        # A database without the row (a flushed test database): create it, already moved.
        PublicContentVersion.objects.get_or_create(pk=1, defaults={"version": 1})


def changed() -> None:
    """Public content changed: move the version when the current transaction commits (now, outside one)."""
    transaction.on_commit(_move)


def is_public_model(model) -> bool:
    meta = model._meta
    return (
        # Not the models a migration builds for its own use (they send signals too, and the
        # version's table may not exist yet at that point of `migrate`).
        meta.apps is global_apps
        and meta.app_label in PUBLIC_APPS
        and not issubclass(model, NOT_PUBLIC)
        # simple-history's rows are written beside the change they record.
        and not meta.model_name.startswith("historical")
    )


@receiver(post_save, dispatch_uid="reports.content_version.saved")
@receiver(post_delete, dispatch_uid="reports.content_version.deleted")
@receiver(m2m_changed, dispatch_uid="reports.content_version.m2m")
def _public_model_changed(sender, **kwargs) -> None:
    if is_public_model(sender):
        changed()


@prepared()
def _stamp():
    return PublicContentVersion.objects.filter(pk=1).values_list("version", "changed_at")


def stamp() -> tuple[int, object]:
    """The version with the time it moved: one small prepared query (every page-cache hit asks it, and
    building the queryset had cost a hit as much as the rest of it). Unlike the number alone, it is
    never the same for two different contents, even after the row was lost and counted again from 1
    (a flushed test database), so what is kept in one process's memory can be keyed by it."""
    found = _stamp()
    return found[0] if found else (0, None)
