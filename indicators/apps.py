from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = "指標"

    def ready(self):
        from . import receivers  # noqa: F401  (connects the signal handlers)
