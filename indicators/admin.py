"""Indicators, their stages and yearly targets, and grade bands: kept by the reform office.

Official results are shown but never edited here: they come only from publishing
a progress report (reports.publication), so every one of them was approved.
Rights come from plans.permissions like everywhere else.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from plans.admin import ScopedAdminMixin, ScopedInlineMixin

from .models import GradeBand, Indicator, IndicatorYear, MilestoneStage


class MilestoneStageInline(ScopedInlineMixin, admin.TabularInline):
    model = MilestoneStage
    extra = 0


class IndicatorYearInline(ScopedInlineMixin, admin.TabularInline):
    model = IndicatorYear
    extra = 0
    fields = ("fiscal_year", "target_status", "target_value", "target_stage", "result_value", "result_stage")
    readonly_fields = ("result_value", "result_stage")
    verbose_name = verbose_name_plural = "年度別の目標値（結果は公表で反映されます）"


@admin.register(Indicator)
class IndicatorAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ("__str__", "unit", "kind", "direction", "is_cumulative")
    list_filter = ("measure__plan", "kind", "direction")
    list_select_related = ("measure",)
    search_fields = ("name",)
    inlines = [MilestoneStageInline, IndicatorYearInline]


@admin.register(IndicatorYear)
class IndicatorYearAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """Targets per year, with their history; the result fields are read-only."""

    list_display = ("indicator", "fiscal_year_label", "target_status", "target_value", "target_stage",
                    "result_value", "result_stage")
    list_filter = ("indicator__measure__plan", "fiscal_year", "target_status")
    list_select_related = ("indicator__measure", "target_stage", "result_stage")
    readonly_fields = ("result_value", "result_stage")

    @admin.display(description="年度")
    def fiscal_year_label(self, year):
        return year.fiscal_year_label


@admin.register(GradeBand)
class GradeBandAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """The reform office sets each plan's grade bands (defaults: 達成 / 概ね達成 / 未達成)."""

    list_display = ("plan", "label", "min_rate")
    list_filter = ("plan",)
    ordering = ("plan", "-min_rate")
