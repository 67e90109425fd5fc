from django.urls import path, register_converter

from . import views
from .feeds import ReportFeed

app_name = "public"


class IsoDateConverter:
    """A report's date in the URL: /reports/2023-09-01/."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value.isoformat() if hasattr(value, "isoformat") else str(value)


register_converter(IsoDateConverter, "isodate")

urlpatterns = [
    path("", views.home, name="home"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/<slug:plan_slug>/", views.plan_detail, name="plan"),
    path("plans/<slug:plan_slug>/introduction/", views.introduction, name="introduction"),
    path("plans/<slug:plan_slug>/pillars/<int:number>/", views.pillar_detail, name="pillar"),
    path("plans/<slug:plan_slug>/measures/", views.measure_list, name="measure_list"),
    path("plans/<slug:plan_slug>/measures/<int:number>/", views.measure_detail, name="measure"),
    path("plans/<slug:plan_slug>/achievement/", views.achievement_rules, name="achievement"),
    path("plans/<slug:plan_slug>/reports/", views.report_list, name="report_list"),
    path("plans/<slug:plan_slug>/reports/<isodate:as_of>/", views.report_detail, name="report"),
    path("plans/<slug:plan_slug>/reports/feed/", ReportFeed(), name="plan_report_feed"),
    path("departments/", views.department_list, name="department_list"),
    path("departments/<int:pk>/", views.department_detail, name="department"),
    path("search/", views.search, name="search"),
    path("reports/feed/", ReportFeed(), name="report_feed"),
]
