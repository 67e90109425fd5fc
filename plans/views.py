"""The public site: what citizens read, without logging in.

Views parse the URL, call one selector (plans/selectors.py) and render. What is
public is decided in plans/publication.py, grades come from indicators/achievement.py.
"""

import datetime

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django_tables2 import RequestConfig

from . import selectors
from .tables import MeasureFilterForm, MeasureTable


def _plan(slug):
    return get_object_or_404(selectors.plans(), slug=slug)


def home(request):
    """The current plan at a glance (the plan page of the plan whose period holds today)."""
    today = selectors.today()
    plan = selectors.current_plan(today)
    if plan is None:
        raise Http404("公開されている計画はまだありません。")
    overview = selectors.plan_overview(plan, today=today)
    return render(request, "plans/plan.html", {"plan": plan, "overview": overview, "is_home": True})


def plan_list(request):
    """Every plan, past and present, with its published progress reports."""
    return render(request, "plans/plan_list.html", {"entries": selectors.plan_archive(today=selectors.today())})


def plan_detail(request, plan_slug):
    plan = _plan(plan_slug)
    overview = selectors.plan_overview(plan, today=selectors.today())
    return render(request, "plans/plan.html", {"plan": plan, "overview": overview, "is_home": False})


def introduction(request, plan_slug):
    plan = _plan(plan_slug)
    return render(request, "plans/introduction.html", {"plan": plan, "pillars": plan.pillars.order_by("number")})


def pillar_detail(request, plan_slug, number):
    plan = _plan(plan_slug)
    detail = selectors.pillar_detail(plan, number, today=selectors.today())
    if detail is None:
        raise Http404("この柱はありません。")
    return render(request, "plans/pillar.html", {"plan": plan, "pillar": detail.pillar, "detail": detail})


def measure_list(request, plan_slug):
    plan = _plan(plan_slug)
    listing = selectors.measure_list(plan, today=selectors.today())
    form = MeasureFilterForm(request.GET or None, pillars=listing.pillars, departments=listing.departments)
    rows = listing.filtered(**form.filters())
    table = MeasureTable(rows, caption=f"推進項目の一覧（評価は{listing.fiscal_year_label}）")
    RequestConfig(request, paginate=False).configure(table)
    return render(
        request,
        "plans/measure_list.html",
        {"plan": plan, "listing": listing, "form": form, "table": table, "rows": rows},
    )


def measure_detail(request, plan_slug, number):
    plan = _plan(plan_slug)
    detail = selectors.measure_detail(plan, number, today=selectors.today())
    if detail is None:
        raise Http404("この推進項目はありません。")
    return render(request, "plans/measure.html", {"plan": plan, "detail": detail, "measure": detail.measure})


def report_list(request, plan_slug):
    plan = _plan(plan_slug)
    return render(request, "plans/report_list.html", {"plan": plan, "reports": selectors.plan_reports(plan)})


def report_detail(request, plan_slug, as_of):
    plan = _plan(plan_slug)
    try:
        day = datetime.date.fromisoformat(as_of)
    except ValueError:
        raise Http404("日付は 2023-09-01 の形で指定してください。") from None
    detail = selectors.report_detail(plan, day)
    if detail is None:
        raise Http404("この日付の進捗状況報告は公表されていません。")
    return render(request, "plans/report.html", {"plan": plan, "detail": detail, "report": detail.report})


def department_list(request):
    return render(request, "plans/department_list.html", {"groups": selectors.department_index()})


def department_detail(request, pk):
    department = get_object_or_404(selectors.public_departments(), pk=pk)
    detail = selectors.department_detail(department, today=selectors.today())
    return render(request, "plans/department.html", {"department": department, "detail": detail})
