from django.urls import path

from . import views

app_name = "indicators"

urlpatterns = [
    path("plans/<slug:plan_slug>/achievement/", views.achievement_rules, name="achievement"),
]
