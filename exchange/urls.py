from django.urls import path

from . import views

app_name = "exchange"

urlpatterns = [
    path("opendata/", views.opendata_page, name="opendata"),
    path("opendata/indicators.csv", views.opendata_csv, name="opendata-csv"),
    path("opendata/indicators.json", views.opendata_json, name="opendata-json"),
    path("plans/<slug:plan_slug>/reports/<str:as_of>/progress-report.xlsx", views.report_download, name="report-xlsx"),
    path("plans/<slug:plan_slug>/reports/<str:as_of>/progress-report.pdf", views.report_pdf_download, name="report-pdf"),
]
