from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    """Data in and out: workbooks (progress reports, plans, result templates) and open data."""

    name = "exchange"
    verbose_name = "データ入出力"
