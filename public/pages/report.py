"""Published progress reports: the list of a plan's reports, and one report as it was published (its own copy)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, replace

from django.db.models import Count
from django.utils import timezone

from core import fiscal_years
from indicators.achievement import Summary
from plans.models import Plan
from reports import publication
from reports.models import ProgressNote, ProgressReport
from reports.snapshot import FrozenPillar, FrozenPlan

from .. import links
from .parts import MeasureView, departments_of, group_by_indicator, has_provisional_name, indicator_views


@dataclass
class ReportMeasure:
    view: MeasureView
    note: ProgressNote | None
    url: str  # the measure's page
    not_submitted: bool = False  # no approved note, and the reform office chose to say so (未提出)


@dataclass
class ReportPillar:
    pillar: FrozenPillar
    measures: list[ReportMeasure]
    summary: Summary


@dataclass
class ReportDetail:
    plan: FrozenPlan  # the plan as the report was published (its title, municipality, period)
    report: ProgressReport
    fiscal_year: int
    fiscal_year_label: str
    labels: tuple[str, ...]
    summary: Summary
    pillars: list[ReportPillar]
    has_provisional: bool
    newer: ProgressReport | None
    older: ProgressReport | None
    is_preview: bool = False  # an open report shown to the reform office as publishing it would show it

    @property
    def as_of_label(self) -> str:
        return fiscal_years.era_date(self.report.as_of)

    @property
    def published_label(self) -> str:
        if self.report.published_at is None:
            return "未公表（プレビュー）"
        return fiscal_years.era_date(timezone.localtime(self.report.published_at).date())


def report_detail(plan: Plan, as_of: datetime.date) -> ReportDetail | None:
    """A published report as it was published: only its own copy (reports.snapshot: titles, names,
    departments, units, stages; its frozen figures graded as of its date) and its approved notes.

    None when no report of that date is published.
    """
    reports = publication.plan_published_reports(plan_id=plan.pk)
    report = next((r for r in reports if r.as_of == as_of), None)
    if report is None:
        return None
    position = reports.index(report)
    report.plan = plan
    notes = {note.measure_id: note for note in publication.report_public_notes(report_id=report.pk)}
    return _detail(
        plan, publication.published_report(report), notes,
        newer=reports[position - 1] if position > 0 else None,
        older=reports[position + 1] if position + 1 < len(reports) else None,
    )


def preview_detail(report: ProgressReport, unapproved: str) -> ReportDetail:
    """An open report's page as publishing it now, with `unapproved` chosen, would show it
    (reports.publication.preview_report): for the reform office only; nothing is published."""
    report.unapproved_measures = unapproved  # in memory only: what the choice would make of the page
    notes = {note.measure_id: note for note in report.notes.filter(status=ProgressNote.Status.APPROVED)}
    older = publication.published_reports(report.plan).filter(as_of__lt=report.as_of).first()
    return _detail(report.plan, publication.preview_report(report), notes, newer=None, older=older, is_preview=True)


def _detail(plan: Plan, published: publication.PublishedReport, notes: dict, *, newer, older,
            is_preview: bool = False) -> ReportDetail:
    report = published.report
    frozen_plan, grading = published.plan, published.grading
    fiscal_year = min(max(report.fiscal_year, frozen_plan.first_fiscal_year), frozen_plan.last_fiscal_year)
    by_indicator = group_by_indicator(grading.years)
    in_report = [measure.pk for measure in published.measures
                 if measure.pk in notes or any(indicator.pk in by_indicator for indicator in measure.indicators)]
    shown = publication.measures_shown(report, in_report, notes)
    if len(shown) < len(in_report):  # measures left out count nowhere: not in the summaries either
        grading = replace(grading, years=[year for year in grading.years if year.indicator.measure.pk in shown])
        by_indicator = group_by_indicator(grading.years)
    roll = grading.rollup(fiscal_year)
    not_submitted = report.unapproved_measures == ProgressReport.Unapproved.NOT_SUBMITTED

    by_pillar: dict[int, list[ReportMeasure]] = defaultdict(list)
    for measure in published.measures:
        if measure.pk not in shown:
            continue  # not part of this report
        indicators = [indicator for indicator in measure.indicators if indicator.pk in by_indicator]
        view = MeasureView(
            measure, departments_of(measure.assignments), indicator_views(indicators, by_indicator, grading.assessments, fiscal_year),
            roll.measures[measure.pk],
        )
        note = notes.get(measure.pk)
        by_pillar[measure.pillar_id].append(ReportMeasure(
            view, note, links.measure(plan.slug, measure.number), not_submitted=not_submitted and note is None,
        ))
    pillar_views = [ReportPillar(p, by_pillar[p.pk], roll.pillars[p.pk]) for p in published.pillars if by_pillar[p.pk]]
    return ReportDetail(
        plan=frozen_plan,
        report=report,
        fiscal_year=fiscal_year,
        fiscal_year_label=fiscal_years.era_name(fiscal_year),
        labels=roll.plan.labels,
        summary=roll.plan,
        pillars=pillar_views,
        has_provisional=has_provisional_name(m.view for p in pillar_views for m in p.measures),
        newer=newer,
        older=older,
        is_preview=is_preview,
    )


def plan_reports(plan: Plan) -> list[ProgressReport]:
    """The plan's published reports, newest first, each with how many measures it reports on."""
    counts = dict(
        publication.public_notes()
        .filter(report__plan=plan)
        .values_list("report_id")
        .annotate(n=Count("pk"))
        .values_list("report_id", "n")
    )
    reports = list(publication.published_reports(plan))
    for report in reports:
        report.public_note_count = counts.get(report.pk, 0)
        report.fiscal_year_label = fiscal_years.era_name(report.fiscal_year)
    return reports
