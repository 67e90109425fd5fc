from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """The reporting cycle: progress reports, notes, proposed results, publication and history."""

    name = "reports"
    verbose_name = "進捗状況報告"

    def ready(self):
        from . import content_version, receivers  # noqa: F401  (connects the receivers)
