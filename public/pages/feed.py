"""The feeds of published progress reports (public/feeds.py writes them as Atom): the latest
reports of the site or of one plan, each titled from its own copy of the plan and summed up
by its grades, so that residents, journalists and the city's news page can follow publications.

A published report never changes (reports.publication), so its title and summary are kept in the
cache under the report and its publication time, never to be invalidated: a feed reads them
with one query and one cache read; only a report not read before loads its copy and figures.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count
from django.urls import reverse

from core import fiscal_years
from plans.models import Plan
from reports import publication
from reports.models import ProgressReport

FEED_SIZE = 20  # the newest reports a feed lists

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeedEntry:
    title: str  # 令和5年9月1日現在の進捗状況（千葉県木更津市経営改革推進計画 令和5年度〜令和8年度）
    summary: str
    url: str
    published_at: datetime.datetime


def _key(report: ProgressReport) -> str:
    return f"public:feed-entry:1:{report.pk}:{report.published_at.isoformat()}"


def _describe(report: ProgressReport, note_count: int) -> tuple[str, str]:
    """A published report's title and summary, from its own copy of the plan and its frozen grades."""
    published = publication.published_report(report)
    plan = published.plan
    title = f"{fiscal_years.era_date(report.as_of)}現在の進捗状況（{plan.municipality}{plan.title} {plan.period_label}）"
    # The year its page sums up (public/pages/report.py): the report's own, within the plan's period.
    fiscal_year = min(max(report.fiscal_year, plan.first_fiscal_year), plan.last_fiscal_year)
    summary = published.grading.rollup(fiscal_year).plan
    counts = "・".join(f"{label} {count}件" for label, count in summary.rows() if count)
    text = f"{fiscal_years.era_name(fiscal_year)}の達成状況（指標{summary.total}件）"
    text += f"：{counts}。" if counts else "。"
    return title, f"{text}活動経過を掲載した推進項目 {note_count}件。"


def entries(plan: Plan | None = None) -> list[FeedEntry]:
    """The newest FEED_SIZE published reports of public plans (of `plan` only, if given), newest first."""
    reports = list(publication.published_reports(plan).select_related("plan").order_by("-published_at", "-pk")[:FEED_SIZE])
    try:
        kept = cache.get_many([_key(report) for report in reports])
    except Exception:  # a cache that is down (Redis restarting) costs a rebuild, never the feed
        logger.warning("feed: could not read the kept entries", exc_info=True)
        kept = {}
    missing = [report for report in reports if _key(report) not in kept]
    if missing:
        # Reports not read before: their copies, figures and note counts, a few queries for all of them.
        loaded = {
            report.pk: report
            for report in ProgressReport.objects.filter(pk__in=[r.pk for r in missing]).select_related("plan")
            .prefetch_related("published_years")
        }
        note_counts = dict(
            publication.public_notes().filter(report__in=missing).values_list("report_id").annotate(n=Count("pk"))
            .values_list("report_id", "n")
        )
        described = {_key(report): _describe(loaded[report.pk], note_counts.get(report.pk, 0)) for report in missing}
        try:
            cache.set_many(described, timeout=None)
        except Exception:
            logger.warning("feed: could not keep the entries", exc_info=True)
        kept.update(described)
    return [
        FeedEntry(*kept[_key(report)], reverse("public:report", args=[report.plan.slug, report.as_of]), report.published_at)
        for report in reports
    ]


@dataclass(frozen=True)
class FeedSource:
    """Whose reports a feed lists: one plan's, or (plan None) every public plan's."""

    plan: Plan | None
    municipality: str  # the publisher: the plan's, or the latest public plan's for the site ("" without one)

    @property
    def title(self) -> str:
        if self.plan is None:
            return f"{self.municipality}経営改革推進計画 進捗状況報告の公表"
        return f"{self.municipality}{self.plan.title}（{self.plan.period_label}）進捗状況報告の公表"

    @property
    def link(self) -> str:
        """The page the feed stands for: the plan's reports, or the list of every plan and report."""
        return reverse("public:report_list", args=[self.plan.slug]) if self.plan else reverse("public:plan_list")


def source(plan: Plan | None) -> FeedSource:
    """The site's feed (plan None, one query for its publisher) or a plan's."""
    if plan is None:
        latest = publication.publisher()
        return FeedSource(None, latest.municipality if latest is not None else "")
    return FeedSource(plan, plan.municipality)
