from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import GradeBand


@admin.register(GradeBand)
class GradeBandAdmin(SimpleHistoryAdmin):
    """The reform office sets each plan's grade bands (defaults: 達成 / 概ね達成 / 未達成)."""

    list_display = ("plan", "label", "min_rate")
    list_filter = ("plan",)
    ordering = ("plan", "-min_rate")
