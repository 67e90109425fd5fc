"""Achievement (達成状況): how far an indicator is from its target, graded in its plan's bands.

The one place every page, export and report takes a grade from. The rules,
also shown to citizens on the achievement page (templates/indicators/achievement.html):

- Higher is better: rate = result ÷ target × 100.
- Lower is better: rate = (2 − result ÷ target) × 100, never below 0. Meeting the
  target exactly is 100%; every 1% over the target costs 1 point; a result of 0 is 200%.
  (target ÷ result, the other common formula, has no answer for a result of 0.)
- A target of 0: higher is better, any result meets it (100%); lower is better,
  a result of 0 meets it (100%) and anything above it does not (0%).
- Cumulative indicators (累計): the year's running total, the sum of the results
  of every year of the plan up to it, is compared with the year's cumulative target.
- Milestone indicators: reached when the stage reached is at or past the year's
  target stage; reached takes the highest band, not reached the lowest. 未着手
  (not started, every milestone's stage 0) is a result like any other stage: it is
  before every target, so it grades as not reached (the lowest band), the same as no
  progress; it is not 未報告, since the department did report.
- Rates are rounded half up to one decimal place before grading, so a rate
  shown as 80.0% always earns the band that starts at 80%.

States that are not grades, checked in this order: 対象外 (the target is not
applicable), 目標未設定 (no target), then, with no result, 集計中 (the fiscal
year has not ended) or 未報告 (it has ended and no result was reported).
A result for a fiscal year that had not ended on the grading date (today, or a
report's date) is 年度途中 (interim): its rate (or whether the stage is reached)
is shown, but it takes no grade, since the target is the year-end's.

Trend: an indicator's latest grade against its previous graded year is 改善, 悪化
or 横ばい by the rate (milestones, which have none, by the grade).
"""

from __future__ import annotations

import datetime
import operator
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable, NamedTuple, Sequence

from core import fiscal_years
from core.prepared import prepared

from .models import GradeBand, Indicator, IndicatorYear, YearFigures

HUNDRED = Decimal(100)
ONE_DECIMAL = Decimal("0.1")


@dataclass(frozen=True)
class Band:
    label: str
    min_rate: Decimal


# Used for a plan that has not set bands of its own.
DEFAULT_BANDS = (
    Band("達成", Decimal(100)),
    Band("概ね達成", Decimal(80)),
    Band("未達成", Decimal(0)),
)

# States that are not grades, in the order pages list them after the grades.
INTERIM = "年度途中"
IN_PROGRESS = "集計中"
NOT_REPORTED = "未報告"
NOT_APPLICABLE = "対象外"
NO_TARGET = "目標未設定"
STATES = (INTERIM, IN_PROGRESS, NOT_REPORTED, NO_TARGET, NOT_APPLICABLE)


class Assessment(NamedTuple):
    """A year's answer: a grade with its rate (or reached, for milestones), or a state.

    A named tuple rather than a frozen dataclass: as immutable, and made in a third of the time
    (a 200-measure plan's page grades 4,000 years)."""

    label: str
    rate: Decimal | None = None
    reached: bool | None = None
    rank: int | None = None  # 0 for the highest band; None for a state
    band_count: int = 0
    running_total: Decimal | None = None

    @property
    def is_grade(self) -> bool:
        return self.rank is not None

    @property
    def is_interim(self) -> bool:
        """A result of a year not yet ended on the grading date: a rate, no grade."""
        return self.label == INTERIM

    @property
    def tone(self) -> str:
        """For styling only (pages always print the label): best, middle, worst, or none."""
        if self.rank is None:
            return "none"
        if self.rank == 0:
            return "best"
        return "worst" if self.rank == self.band_count - 1 else "middle"


# How a grade compares with the indicator's previous graded year (trend()).
IMPROVED = "改善"
WORSENED = "悪化"
UNCHANGED = "横ばい"


# The states as assessments: immutable, so every year in a state shares one (a plan has thousands).
_STATE_ASSESSMENTS = {state: Assessment(state) for state in STATES}


def trend(previous: Assessment, latest: Assessment) -> str:
    """改善, 悪化 or 横ばい from one graded year to a later one: by the rate (already direction-aware,
    so a higher rate is better either way), or by the grade for milestones, which have no rate."""
    if previous.rate is not None and latest.rate is not None:
        change = latest.rate - previous.rate
    else:
        change = previous.rank - latest.rank  # rank 0 is the best band
    if change > 0:
        return IMPROVED
    return WORSENED if change < 0 else UNCHANGED


@prepared(plan_id=int)
def _grade_bands(plan_id):
    return GradeBand.objects.filter(plan_id=plan_id)


def plan_bands(plan) -> tuple[Band, ...]:
    """The plan's bands from highest to lowest, or the defaults. No query when they were
    prefetched (prefetch_related("grade_bands")), else one prepared query."""
    if "grade_bands" in getattr(plan, "_prefetched_objects_cache", {}):
        rows = plan.grade_bands.all()
    else:
        rows = _grade_bands(plan_id=plan.pk)
    bands = tuple(Band(b.label, b.min_rate) for b in sorted(rows, key=lambda b: -b.min_rate))
    return bands or DEFAULT_BANDS


def frozen_bands(bands) -> list[list[str]]:
    """Bands as a published report keeps them (JSON)."""
    return [[band.label, str(band.min_rate)] for band in bands]


def report_bands(report) -> tuple[Band, ...]:
    """The bands a published report was graded with: frozen at publication, so later changes
    to the plan's bands do not regrade it. Reports published before bands were frozen use the plan's."""
    if report.published_bands:
        return tuple(Band(label, Decimal(rate)) for label, rate in report.published_bands)
    return plan_bands(report.plan)


def band_ranges(bands: Sequence[Band]) -> list[tuple[Band, Decimal | None]]:
    """Each band with the rate it runs up to (None for the highest): for pages that explain them."""
    return [(band, bands[i - 1].min_rate if i else None) for i, band in enumerate(bands)]


def grade(rate: Decimal, bands: Sequence[Band]) -> tuple[int, Band]:
    for rank, band in enumerate(bands):
        if rate >= band.min_rate:
            return rank, band
    return len(bands) - 1, bands[-1]  # a rate below every band takes the lowest


def rate_of(result: Decimal, target: Decimal, *, lower_is_better: bool) -> Decimal:
    if target == 0:
        if lower_is_better:
            return HUNDRED if result == 0 else Decimal(0)
        return HUNDRED
    ratio = result / target
    raw = (2 - ratio) * HUNDRED if lower_is_better else ratio * HUNDRED
    return max(raw, Decimal(0)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def assess(
    indicator: Indicator,
    figures: YearFigures,
    *,
    bands: Sequence[Band],
    today: datetime.date,
    running_total: Decimal | None = None,
) -> Assessment:
    """The assessment of one fiscal year's figures.

    For a cumulative indicator pass the running total (None when a year's result
    is missing); `today` decides whether a missing result is late or not yet due.
    """
    return _assess(
        figures, indicator.is_milestone, indicator.is_cumulative, indicator.is_lower_better, bands,
        year_has_ended=fiscal_years.has_ended(figures.fiscal_year, today), running_total=running_total,
    )


_SET = YearFigures.TargetStatus.SET
_NOT_APPLICABLE = YearFigures.TargetStatus.NOT_APPLICABLE


def _assess(figures: YearFigures, is_milestone: bool, is_cumulative: bool, is_lower_better: bool,
            bands: Sequence[Band], *, year_has_ended: bool, running_total: Decimal | None) -> Assessment:
    """assess(), given what it reads of the indicator and whether the year has ended: assess_years
    reads the indicator once, not once a year (4,000 years on a 200-measure page)."""
    target_status = figures.target_status
    if target_status == _NOT_APPLICABLE:
        return _STATE_ASSESSMENTS[NOT_APPLICABLE]
    if target_status != _SET:
        return _STATE_ASSESSMENTS[NO_TARGET]
    if is_milestone:
        result = figures.result_stage
    elif is_cumulative:
        result = running_total
    else:
        result = figures.result_value
    if result is None:
        return _STATE_ASSESSMENTS[NOT_REPORTED if year_has_ended else IN_PROGRESS]
    if is_milestone:
        reached = figures.result_stage.position >= figures.target_stage.position
        if not year_has_ended:
            return Assessment(INTERIM, reached=reached)
        rank = 0 if reached else len(bands) - 1
        return Assessment(bands[rank].label, reached=reached, rank=rank, band_count=len(bands))
    rate = rate_of(result, figures.target_value, lower_is_better=is_lower_better)
    if not year_has_ended:
        return Assessment(INTERIM, rate=rate, running_total=running_total if is_cumulative else None)
    rank, band = grade(rate, bands)
    return Assessment(
        band.label, rate=rate, rank=rank, band_count=len(bands),
        running_total=running_total if is_cumulative else None,
    )


_FISCAL_YEAR = operator.attrgetter("fiscal_year")


def assess_years(
    years: Iterable[YearFigures], *, bands: Sequence[Band], today: datetime.date, first_fiscal_year: int
) -> dict[tuple[int, int], Assessment]:
    """Assessments keyed by (indicator id, fiscal year), running totals included.

    `years` are figures with their `indicator` (and stages) loaded; every year of
    a cumulative indicator from the plan's first year must be among them.
    """
    by_indicator: dict[int, list[YearFigures]] = defaultdict(list)
    for year in years:
        by_indicator[year.indicator_id].append(year)
    assessments = {}
    ended: dict[int, bool] = {}  # fiscal year -> whether it has ended today (a plan has ten, graded thousands of times)
    for indicator_id, indicator_years in by_indicator.items():
        indicator_years.sort(key=_FISCAL_YEAR)
        indicator = indicator_years[0].indicator
        is_milestone, is_cumulative, is_lower_better = (
            indicator.is_milestone, indicator.is_cumulative, indicator.is_lower_better)
        total: Decimal | None = Decimal(0)
        expected_year = first_fiscal_year
        for year in indicator_years:
            running_total = None
            if is_cumulative:
                if year.fiscal_year != expected_year or total is None or year.result_value is None:
                    total = None  # a gap or a missing result leaves the running total unknown
                else:
                    total += year.result_value
                running_total = total
                expected_year = year.fiscal_year + 1
            fiscal_year = year.fiscal_year
            year_has_ended = ended.get(fiscal_year)
            if year_has_ended is None:
                year_has_ended = ended[fiscal_year] = fiscal_years.has_ended(fiscal_year, today)
            assessments[(indicator_id, fiscal_year)] = _assess(
                year, is_milestone, is_cumulative, is_lower_better, bands, year_has_ended=year_has_ended,
                running_total=running_total,
            )
    return assessments


def plan_years(plan):
    """Every indicator year of a plan, with what assessing it needs, in one query."""
    return (
        IndicatorYear.objects.filter(indicator__measure__plan=plan)
        .select_related("indicator__measure", "target_stage", "result_stage")
        .order_by("indicator__measure__number", "indicator__slot", "fiscal_year")
    )


@dataclass
class Summary:
    """How many indicators stand at each grade and state."""

    labels: tuple[str, ...]
    counts: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def rows(self) -> list[tuple[str, int]]:
        """(label, count) for every grade and state, in order, zeros included."""
        return [(label, self.counts[label]) for label in self.labels]


@dataclass
class Rollup:
    fiscal_year: int
    plan: Summary
    pillars: dict[int, Summary]
    measures: dict[int, Summary]


@dataclass
class Grading:
    """A set of indicator years graded for one date, with the bands used: what every page,
    open-data file and workbook takes its grades and counts from.

    Made by grade_years (any figures), grade_plan (a plan's live figures) or
    reports.publication.grade_report (a published report's frozen figures).
    """

    years: list
    bands: tuple[Band, ...]
    today: datetime.date
    assessments: dict[tuple[int, int], Assessment]

    @property
    def labels(self) -> tuple[str, ...]:
        """Every grade, best first, then the states: the order pages list them in."""
        return tuple(band.label for band in self.bands) + STATES

    def of(self, indicator_id: int, fiscal_year: int) -> Assessment:
        return self.assessments[(indicator_id, fiscal_year)]

    @cached_property
    def _graded_years(self) -> dict[int, list[int]]:
        """Indicator id -> the fiscal years it has a grade for, in order."""
        graded: dict[int, list[int]] = defaultdict(list)
        for (indicator_id, fiscal_year), assessment in self.assessments.items():
            if assessment.rank is not None:
                graded[indicator_id].append(fiscal_year)
        for fiscal_years_graded in graded.values():
            fiscal_years_graded.sort()
        return graded

    def latest_graded_year(self) -> int | None:
        """The latest fiscal year any indicator has a grade (a final result) for; None when none has."""
        return max((years[-1] for years in self._graded_years.values()), default=None)

    def latest_graded(self, indicator_id: int) -> tuple[int | None, int | None]:
        """An indicator's latest graded fiscal year and the graded year before it (None where there is none)."""
        years = self._graded_years.get(indicator_id, ())
        return (years[-1] if years else None), (years[-2] if len(years) > 1 else None)

    def by_year(self, fiscal_years_shown: Iterable[int]) -> dict[int, Summary]:
        """Counts for the whole set, for each fiscal year given (zeros for a year with no figures): one pass, no query."""
        labels = self.labels
        summaries = {fiscal_year: Summary(labels) for fiscal_year in fiscal_years_shown}
        # Counted in one go by Counter (in C): a plan's page counts 4,000 years.
        counts = Counter((fiscal_year, assessment.label) for (_, fiscal_year), assessment in self.assessments.items())
        for (fiscal_year, label), count in counts.items():
            if fiscal_year in summaries:
                summaries[fiscal_year].counts[label] += count
        return summaries

    def rollup(self, fiscal_year: int) -> Rollup:
        """Counts per measure, per pillar and for the whole, for one fiscal year (no query)."""
        labels = self.labels
        result = Rollup(fiscal_year, Summary(labels), defaultdict(lambda: Summary(labels)),
                        defaultdict(lambda: Summary(labels)))
        plan_counts, pillars, measures, assessments = result.plan.counts, result.pillars, result.measures, self.assessments
        for year in self.years:
            if year.fiscal_year != fiscal_year:
                continue
            label = assessments[(year.indicator_id, fiscal_year)].label
            measure = year.indicator.measure
            plan_counts[label] += 1
            pillars[measure.pillar_id].counts[label] += 1
            measures[measure.pk].counts[label] += 1
        return result


def grade_years(
    years: Iterable[YearFigures], *, bands: Sequence[Band], today: datetime.date, first_fiscal_year: int
) -> Grading:
    """Grade figures (with their indicator, measure and stages loaded) as of `today`, in `bands`."""
    years = list(years)
    bands = tuple(bands)
    assessments = assess_years(years, bands=bands, today=today, first_fiscal_year=first_fiscal_year)
    return Grading(years, bands, today, assessments)


def grade_plan(plan, *, today: datetime.date, years: Iterable[YearFigures] | None = None) -> Grading:
    """A plan's live figures (or the `years` given, e.g. one pillar's) graded as of today in its bands."""
    return grade_years(
        plan_years(plan) if years is None else years,
        bands=plan_bands(plan), today=today, first_fiscal_year=plan.first_fiscal_year,
    )


def rollup(plan, fiscal_year: int, *, today: datetime.date) -> Rollup:
    """Counts per measure, per pillar and for the plan for one fiscal year, as of today: two queries."""
    return grade_plan(plan, today=today).rollup(fiscal_year)
