from django.contrib import admin
from django.urls import path

from . import admin_views

app_name = "exchange_admin"

urlpatterns = [
    path("reports/<int:report_id>/result-template.xlsx", admin.site.admin_view(admin_views.result_template_download), name="result-template"),
    path("reports/<int:report_id>/result-upload/", admin.site.admin_view(admin_views.result_upload), name="result-upload"),
    path("reports/<int:report_id>/not-submitted.xlsx", admin.site.admin_view(admin_views.not_submitted_download),
         {"extension": "xlsx"}, name="not-submitted-xlsx"),
    path("reports/<int:report_id>/not-submitted.csv", admin.site.admin_view(admin_views.not_submitted_download),
         {"extension": "csv"}, name="not-submitted-csv"),
    path("reports/<int:report_id>/draft.pdf", admin.site.admin_view(admin_views.report_draft_pdf), name="report-draft-pdf"),
    path("plans/import/", admin.site.admin_view(admin_views.plan_import), name="plan-import"),
    path("plans/<slug:plan_slug>/plan-workbook.xlsx", admin.site.admin_view(admin_views.plan_export), name="plan-export"),
]
