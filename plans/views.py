from django.http import Http404
from django.shortcuts import render

from . import selectors
from .models import Plan


def home(request):
    plan = Plan.objects.current()
    if plan is None:
        raise Http404("公開されている計画はまだありません。")
    return render(
        request,
        "plans/home.html",
        {"plan": plan, "pillars": selectors.pillars_with_measures(plan)},
    )
