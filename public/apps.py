from django.apps import AppConfig


class PublicConfig(AppConfig):
    """The public site: page builders and views for citizens, no models of its own."""

    name = "public"
    verbose_name = "市民向けサイト"

    def ready(self):
        from . import links  # noqa: F401  (connects its request signals)
