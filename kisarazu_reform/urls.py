from django.contrib import admin
from django.urls import include, path

from plans.admin import view_on_site
from public.preview import report_preview

from .health import healthz

admin.site.site_header = "経営改革推進計画 管理画面"
admin.site.site_title = "経営改革推進計画 管理画面"
admin.site.index_title = "管理メニュー"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/exchange/", include("exchange.admin_urls")),  # before the admin's catch-all
    # Before the admin's own "view on site": only public pages, looked up like every admin page.
    path("admin/r/<int:content_type_id>/<path:object_id>/", admin.site.admin_view(view_on_site)),
    # The reform office's preview of an open report's public page (public/preview.py): an admin page.
    path("admin/reports/progressreport/<int:pk>/preview/", admin.site.admin_view(report_preview),
         name="report_preview"),
    path("admin/", admin.site.urls),
    path("", include("public.urls")),
    path("", include("exchange.urls")),
]
