"""The public site: what citizens read, without logging in.

Views parse the URL, call one page builder (public/pages/) and render. What is
public is decided in reports/publication.py, grades come from indicators/achievement.py.
"""

import datetime

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django_tables2 import RequestConfig

from indicators import achievement

from .pages import archive, department, measure, measure_list as measure_list_page, parts, plan as plan_page, report
from .pages import search as search_page
from .tables import MeasureFilterForm, MeasureTable


def _plan(slug):
    plan = parts.public_plan(slug)
    if plan is None:
        raise Http404("この計画は公開されていません。")
    return plan


def home(request):
    """The current plan at a glance (the plan page of the plan whose period holds today)."""
    today = parts.today()
    plan = parts.current_plan(today)
    if plan is None:
        raise Http404("公開されている計画はまだありません。")
    overview = plan_page.plan_overview(plan, today=today)
    return render(request, "public/plan.html", {"plan": plan, "overview": overview, "is_home": True})


def plan_list(request):
    """Every plan, past and present, with its published progress reports."""
    return render(request, "public/plan_list.html", {"entries": archive.plan_archive(today=parts.today())})


def plan_detail(request, plan_slug):
    plan = _plan(plan_slug)
    overview = plan_page.plan_overview(plan, today=parts.today())
    return render(request, "public/plan.html", {"plan": plan, "overview": overview, "is_home": False})


def introduction(request, plan_slug):
    plan = _plan(plan_slug)
    return render(request, "public/introduction.html", {"plan": plan, "pillars": plan.pillars.order_by("number")})


def pillar_detail(request, plan_slug, number):
    plan = _plan(plan_slug)
    detail = plan_page.pillar_detail(plan, number, today=parts.today())
    if detail is None:
        raise Http404("この柱はありません。")
    return render(request, "public/pillar.html", {"plan": plan, "pillar": detail.pillar, "detail": detail})


def measure_list(request, plan_slug):
    plan = _plan(plan_slug)
    listing = measure_list_page.measure_list(plan, today=parts.today())
    form = MeasureFilterForm(request.GET or None, pillars=listing.pillars, departments=listing.departments)
    rows = listing.filtered(**form.filters())
    table = MeasureTable(rows, caption=f"推進項目の一覧（評価は{listing.fiscal_year_label}）")
    RequestConfig(request, paginate=False).configure(table)
    return render(
        request,
        "public/measure_list.html",
        {"plan": plan, "listing": listing, "form": form, "table": table, "rows": rows},
    )


def measure_detail(request, plan_slug, number):
    plan = _plan(plan_slug)
    detail = measure.measure_detail(plan, number, today=parts.today())
    if detail is None:
        raise Http404("この推進項目はありません。")
    return render(request, "public/measure.html", {"plan": plan, "detail": detail, "measure": detail.measure})


def report_list(request, plan_slug):
    plan = _plan(plan_slug)
    return render(request, "public/report_list.html", {"plan": plan, "reports": report.plan_reports(plan)})


def report_detail(request, plan_slug, as_of):
    plan = _plan(plan_slug)
    try:
        day = datetime.date.fromisoformat(as_of)
    except ValueError:
        raise Http404("日付は 2023-09-01 の形で指定してください。") from None
    detail = report.report_detail(plan, day)
    if detail is None:
        raise Http404("この日付の進捗状況報告は公表されていません。")
    # The plan as the report was published: a later renaming does not change the report's page.
    return render(request, "public/report.html", {"plan": detail.plan, "detail": detail, "report": detail.report})


def department_list(request):
    return render(request, "public/department_list.html", {"groups": department.department_index()})


def department_detail(request, pk):
    found = get_object_or_404(department.public_departments(), pk=pk)
    detail = department.department_detail(found, today=parts.today())
    return render(request, "public/department.html", {"department": found, "detail": detail})


def achievement_rules(request, plan_slug):
    """How grades are computed, in words, so that anyone can recompute one."""
    plan = _plan(plan_slug)
    bands = achievement.plan_bands(plan)
    return render(
        request,
        "public/achievement.html",
        {"plan": plan, "bands": bands, "band_ranges": achievement.band_ranges(bands)},
    )


@never_cache  # not kept by the page cache: every query is a page of its own
def search(request):
    """Measures, indicators, departments and published narratives holding every word of ?q=."""
    result = search_page.search(request.GET.get("q", ""), today=parts.today())
    context = {"result": result, "search_query": result.query}
    if result.municipality is not None:  # known from the kept index: the header needs no query of its own
        context["site_municipality"] = result.municipality
    return render(request, "public/search.html", context)
