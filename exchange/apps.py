from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    """Data in and out: workbooks (progress reports, plans, result templates) and open data."""

    name = "exchange"
    verbose_name = "データ入出力"

    def ready(self):
        from . import receivers  # noqa: F401  (connects the receivers)
