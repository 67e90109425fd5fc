"""Publication: what citizens may see. The one place that decides it.

Citizens see a progress report once it is published, and in it only the notes
the reform office approved. Indicator results on IndicatorYear are the
published ones: staff propose results in their note (reports.ResultEntry),
and publishing a report copies the results of its approved notes into
IndicatorYear, which nothing else writes. A report's figures are then frozen
in PublishedIndicatorYear, its grade bands in published_bands and everything
else it shows (plan, pillars, measures, departments, indicators, stages) in
published_content (reports.snapshot), so what was published on a date stays
readable after any later edit of the plan; after publication nothing of the
report changes (the models refuse it).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from core.prepared import prepared
from indicators import achievement, figures
from indicators.models import IndicatorYear
from plans.models import Plan

from . import content_version, signals, snapshot
from .changes import result_item, result_text
from .models import Action, ProgressNote, ProgressReport, PublishedIndicatorYear, ResultEntry


def public_plans() -> QuerySet[Plan]:
    """Plans citizens may see: published ones (a plan being prepared stays out of sight)."""
    return Plan.objects.published()


def publisher(plans: Iterable[Plan] | None = None) -> Plan | None:
    """The latest public plan: its municipality and title name who publishes the site (the header of a page
    that shows no plan, the site's feed, open data's credit line). One query, or none when given the
    public plans already read. None before any plan is public."""
    if plans is None:
        return public_plans().order_by("-first_fiscal_year", "-pk").first()
    return max(plans, key=lambda plan: (plan.first_fiscal_year, plan.pk), default=None)


def is_public_report(report: ProgressReport) -> bool:
    return report.is_published and report.plan.published_at is not None


def published_reports(plan: Plan | None = None) -> QuerySet[ProgressReport]:
    """Published reports of public plans, newest first. Their own copies (published_content) are
    large and load only for a report that is read (one query, on first use)."""
    reports = ProgressReport.objects.published().defer("published_content")
    return reports.filter(plan=plan) if plan is not None else reports


@prepared(plan_id=int)
def plan_published_reports(plan_id):
    """published_reports(plan) as a prepared query (core.prepared): a list, read without building the query anew."""
    return published_reports(plan_id)


@prepared(report_id=int)
def report_public_notes(report_id):
    """The public notes of one report, as a prepared query (core.prepared)."""
    return public_notes().filter(report_id=report_id)


def latest_published_report(plan: Plan) -> ProgressReport | None:
    return published_reports(plan).first()


def public_notes() -> QuerySet[ProgressNote]:
    """Notes citizens may read: approved, in a published report."""
    return ProgressNote.objects.public()


@dataclass
class PublishedReport:
    """A published report as it was published: its snapshot (plan, pillars, measures, departments,
    indicators, stages), its frozen figures and their grades. What its page, open data and workbook show."""

    report: ProgressReport
    content: snapshot.Content
    grading: achievement.Grading

    @property
    def plan(self) -> snapshot.FrozenPlan:
        return self.content.plan

    @property
    def measures(self) -> list[snapshot.FrozenMeasure]:
        return self.content.measures

    @property
    def pillars(self) -> list[snapshot.FrozenPillar]:
        return self.content.pillars


@prepared(report_id=int)
def _published_content(report_id):
    return ProgressReport.objects.filter(pk=report_id).values_list("published_content", flat=True)


def report_content(report: ProgressReport) -> snapshot.Content:
    """The report's snapshot read back (no query once the report's row is loaded in full).
    A report with none (one not yet published) reads the live plan."""
    if "published_content" in report.get_deferred_fields():  # read alone, without the query Django would build
        report.published_content = _published_content(report_id=report.pk)[0]
    document = report.published_content or snapshot.take(report.plan)
    return snapshot.read(document, slug=report.plan.slug)


@prepared(report_id=int)
def _frozen_years(report_id):
    return PublishedIndicatorYear.objects.filter(report_id=report_id).values_list(*figures.FIELDS, named=True)


def published_report(report: ProgressReport) -> PublishedReport:
    """A published report from its own copy only: its snapshot and frozen figures (one query),
    graded as of its date in the bands it was published with."""
    content = report_content(report)
    # The rows' values alone: a model instance each costs more than grading them.
    years = content.years(_frozen_years(report_id=report.pk))
    grading = achievement.grade_years(
        years, bands=achievement.report_bands(report), today=report.as_of,
        first_fiscal_year=content.plan.first_fiscal_year,
    )
    return PublishedReport(report, content, grading)


def grade_report(report: ProgressReport) -> achievement.Grading:
    """A published report's grades: its frozen figures, graded as of its date in the bands it was
    published with. The one source of a report's grades, for its page, open data and workbook alike."""
    return published_report(report).grading


def preview_report(report: ProgressReport) -> PublishedReport:
    """An open report as publishing it now would freeze it, built in memory from the draft data:
    the live plan's snapshot, the plan's official figures with the results of the report's approved
    notes in place of their years' (as apply_approved_results would copy them), graded as of the
    report's date in the plan's bands. Nothing is written."""
    content = snapshot.read(snapshot.take(report.plan), slug=report.plan.slug)
    proposed = {
        entry.indicator_year_id: entry
        for entry in ResultEntry.objects.filter(
            progress_note__report=report, progress_note__status=ProgressNote.Status.APPROVED
        ).only("indicator_year_id", "value", "stage_id")
    }
    rows = IndicatorYear.objects.filter(indicator__measure__plan_id=report.plan_id)
    years = content.years(
        row if row.id not in proposed
        else row._replace(result_value=proposed[row.id].value, result_stage_id=proposed[row.id].stage_id)
        for row in rows.values_list("id", *figures.FIELDS, named=True)
    )
    grading = achievement.grade_years(
        years, bands=achievement.plan_bands(report.plan), today=report.as_of,
        first_fiscal_year=content.plan.first_fiscal_year,
    )
    return PublishedReport(report, content, grading)


def unapproved_notes(report: ProgressReport) -> QuerySet[ProgressNote]:
    """The report's notes that would not go public with it: every one not approved."""
    return report.notes.exclude(status=ProgressNote.Status.APPROVED)


def check_unapproved_choice(report: ProgressReport, choice: str) -> str:
    """The choice of what the published report does with its unapproved measures, if it is one.

    A person publishing a report with unapproved notes must choose (left out, or shown as 未提出):
    raises ValidationError (keyed by "unapproved") when they did not. Without unapproved notes the
    choice changes nothing and is kept as given ("" when none was made)."""
    if choice in ProgressReport.Unapproved.values:
        return choice
    if unapproved_notes(report).exists():
        raise ValidationError({"unapproved": (
            "承認されていない推進項目の扱いを選んでください。"
            "「この報告から外す」か「『未提出』と表示する」のどちらかです。")})
    return ""


def measures_shown(report: ProgressReport, measure_ids, public_note_ids) -> set:
    """Which of a report's measures (ids) its page shows, given those with a public note: all of them,
    unless the reform office chose, when publishing, to leave unapproved ones out."""
    if report.unapproved_measures == ProgressReport.Unapproved.OMIT:
        return {pk for pk in measure_ids if pk in public_note_ids}
    return set(measure_ids)


@transaction.atomic
def freeze_figures(report: ProgressReport) -> None:
    """Copy every indicator year of the report's plan, as it stands now, into the report."""
    report.published_years.all().delete()
    PublishedIndicatorYear.objects.bulk_create(
        PublishedIndicatorYear(
            report=report,
            indicator_id=year.indicator_id,
            fiscal_year=year.fiscal_year,
            target_status=year.target_status,
            target_value=year.target_value,
            target_stage_id=year.target_stage_id,
            result_value=year.result_value,
            result_stage_id=year.result_stage_id,
        )
        for year in IndicatorYear.objects.filter(indicator__measure__plan_id=report.plan_id)
    )
    content_version.changed()  # written in bulk, without signals


@transaction.atomic
def apply_approved_results(report: ProgressReport, user=None, at=None) -> list[dict]:
    """Copy the results proposed in the report's approved notes into the official IndicatorYear results.

    Returns the official results that changed, before and after, as the action log keeps
    them (reports.changes.result_item); each change is also kept in their history.
    """
    entries = ResultEntry.objects.filter(
        progress_note__report=report, progress_note__status=ProgressNote.Status.APPROVED
    ).select_related("indicator_year__indicator__measure__plan", "indicator_year__result_stage", "stage")
    changed = []
    for entry in entries.order_by("progress_note__measure__number", "indicator_year__indicator__slot",
                                  "indicator_year__fiscal_year"):
        year = entry.indicator_year
        if year.result_value == entry.value and year.result_stage_id == entry.stage_id:
            continue
        before = result_text(year.indicator, year.result_value, year.result_stage)
        year.result_value, year.result_stage = entry.value, entry.stage
        year.full_clean()
        year._history_user = user
        year._change_reason = f"{report}の公表"
        if at is not None:
            year._history_date = at
        year.save(update_fields=["result_value", "result_stage"])
        changed.append(result_item(year, before, result_text(year.indicator, entry.value, entry.stage)))
    return changed


@transaction.atomic
def publish_report(report: ProgressReport, *, user=None, unapproved: str | None = None) -> ProgressReport:
    """Publish a report: its approved notes and results and the plan's figures go public and are frozen,
    with a copy of every title, name, unit, direction and stage the report shows (reports.snapshot).

    Call it through reports.workflow.publish, which checks the user's rights. The
    publication is recorded in the action log (reports.models.Action), with the official
    results it changed, in the same transaction.

    `unapproved`: what the report's page does with measures whose note is not approved
    (ProgressReport.Unapproved), required when there are any (check_unapproved_choice);
    None only for publications no person chose for (the seed, scripts), which keep the older
    page (the measure's figures, its narrative marked as not included).
    """
    report = ProgressReport.objects.select_for_update().get(pk=report.pk)
    if report.is_published:
        raise ValueError("この進捗状況報告はすでに公表されています。")
    report.unapproved_measures = "" if unapproved is None else check_unapproved_choice(report, unapproved)
    at = timezone.now()
    results = apply_approved_results(report, user, at)
    freeze_figures(report)
    report.published_bands = achievement.frozen_bands(achievement.plan_bands(report.plan))
    report.published_content = snapshot.take(report.plan)
    report.published_at = at
    report.published_by = user
    report._history_user = user
    report._change_reason = "公表"
    report._history_date = at
    report.save(update_fields=["published_at", "published_by", "published_bands", "published_content",
                               "unapproved_measures"])
    del report._history_date
    public = list(report.notes.filter(status=ProgressNote.Status.APPROVED).values_list("pk", flat=True))
    changes = {"results": results, "public_notes": public}
    if report.unapproved_measures:  # what the person chose for the unapproved measures
        changes["unapproved_measures"] = report.unapproved_measures
    Action.objects.record(Action.Kind.PUBLISH, user, report=report, at=at, changes=changes)
    # Once committed (never for a publication rolled back): the layers above build the report's files.
    # robust: a receiver that fails (the queue's Redis down) is logged and never undoes the publication.
    transaction.on_commit(functools.partial(signals.report_published.send, sender=ProgressReport, report=report),
                          robust=True)
    return report
