"""The progress report as a PDF, laid out like the city's own 進捗状況 document.

A cover (the plan, the report's fiscal year and date), a contents page with page numbers, the
summary by pillar, then one sheet per measure with the source's fields in the source's order
(取組視点, 事業No., 推進項目名称, 担当課, 現状と課題, 課題解決に向けた方向性・活動内容, each indicator's
year table and note, 活動経過・今後の予定). Every page carries its number and the report's date
(CSS @page margin boxes).

A published report shows only its own copy (reports.snapshot), its frozen figures and its
approved notes, as its public page does, through the same loader as the report workbook
(report_workbook._ReportData); a report not yet published shows the live plan with the results
proposed in it and every note with its state, each page marked 案, for the reform office's
review meeting. Which measures a report holds is the public report page's rule: those with a
figure or a note in it.

Rendered by WeasyPrint (Pango, from the system) with a Japanese font found by fontconfig, which
WeasyPrint embeds (subset). Where either is missing, `missing_requirements()` says what to install.
"""

from __future__ import annotations

import functools
import importlib
import subprocess
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils import timezone

from core import fiscal_years
from core.formatting import format_number
from indicators import presentation
from reports.models import ProgressNote, ProgressReport

from .report_workbook import _ReportData

# Japanese fonts tried in order (CSS font-family); Debian's fonts-noto-cjk provides the first.
FONT_FAMILIES = ("Noto Sans CJK JP", "Noto Sans JP", "IPAexGothic", "IPAGothic", "TakaoGothic", "VL Gothic")
INSTALL_FONT_HINT = "Debian / Ubuntu: apt-get install fonts-noto-cjk"
INSTALL_WEASYPRINT_HINT = "Debian / Ubuntu: apt-get install libpango-1.0-0 libpangoft2-1.0-0 (WeasyPrint's system libraries)"

PDF = "application/pdf"
DRAFT_MARK = "案"


class PdfUnavailable(Exception):
    """This server cannot make PDFs: what is missing, in Japanese for the page and in English for logs."""

    def __init__(self, message: str, hint: str):
        super().__init__(f"{hint}")
        self.message = message
        self.hint = hint


@functools.lru_cache(maxsize=1)
def japanese_fonts() -> tuple[str, ...]:
    """Font families fontconfig has for Japanese (`fc-list :lang=ja family`); empty when none or no fontconfig."""
    try:
        listed = subprocess.run(["fc-list", ":lang=ja", "family"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    return tuple(sorted({name.strip() for line in listed.splitlines() for name in line.split(",") if name.strip()}))


@functools.lru_cache(maxsize=1)
def _weasyprint_problem() -> str:
    try:
        importlib.import_module("weasyprint")  # its import loads Pango through cffi
    except (ImportError, OSError) as error:
        return str(error)
    return ""


def missing_requirements() -> PdfUnavailable | None:
    """What this server lacks to make a report's PDF, or None when it has everything."""
    problem = _weasyprint_problem()
    if problem:
        return PdfUnavailable(
            "このサーバーにはPDFの作成に必要なWeasyPrintのライブラリ（Pango）がありません。"
            "管理者はPangoをインストールしてください（Debianでは apt-get install libpango-1.0-0 libpangoft2-1.0-0）。",
            f"WeasyPrint cannot load ({problem}); {INSTALL_WEASYPRINT_HINT}",
        )
    if not japanese_fonts():
        return PdfUnavailable(
            "このサーバーには日本語のフォントがないため、PDFを作成できません。"
            "管理者は日本語フォントをインストールしてください（Debianでは apt-get install fonts-noto-cjk）。",
            f"No Japanese font found (fc-list :lang=ja); {INSTALL_FONT_HINT}",
        )
    return None


# --- what the PDF shows -------------------------------------------------------


@dataclass
class PdfYear:
    label: str  # 令和5年度
    target: str
    result: str
    running_total: str  # cumulative indicators: the total up to this year
    rate: str  # 85.7%, "" when none
    grade: str  # 達成 / 年度途中 / 未報告 …
    is_report_year: bool


@dataclass
class PdfIndicator:
    slot_label: str
    name: str
    is_provisional: bool
    note: str
    years: list[PdfYear]


@dataclass
class PdfMeasure:
    number: int
    pillar_label: str
    title: str
    departments: list[str]  # the lead first; 関係各課 written after them (ほか関係各課)
    current_situation: str
    approach: str
    indicators: list[PdfIndicator]
    narrative: str
    narrative_state: str  # a draft's note state (未提出, 提出済み …); "" for a published report
    grades: list[tuple[str, str]]  # (指標①, its grade in the report's year) for the summary


@dataclass
class PdfPillar:
    number: int
    label: str  # ① ヒト
    measures: list[PdfMeasure]
    counts: list[int]
    total: int


@dataclass
class PdfReport:
    title: str  # 経営改革推進計画
    municipality: str
    period_label: str
    fiscal_year_label: str  # 令和5年度
    as_of_label: str  # 令和5年9月1日現在
    published_label: str  # 令和5年10月2日 ("" for a draft)
    is_draft: bool
    labels: tuple[str, ...]
    pillars: list[PdfPillar]
    counts: list[int]
    total: int
    bands: list[tuple[str, str]]  # (達成, 100%以上)
    has_provisional: bool = False
    font_families: tuple[str, ...] = field(default=FONT_FAMILIES)

    @property
    def document_title(self) -> str:
        draft = f"（{DRAFT_MARK}）" if self.is_draft else ""
        return f"{self.title} {self.fiscal_year_label} 進捗状況（{self.as_of_label}）{draft}"

    @property
    def css_running_title(self) -> str:
        """The page header, as a CSS string for an @page margin box."""
        draft = f"（{DRAFT_MARK}）" if self.is_draft else ""
        return css_string(f"{self.title}（{self.period_label}） {self.fiscal_year_label} 進捗状況{draft}")

    @property
    def css_as_of(self) -> str:
        return css_string(self.as_of_label)

    @property
    def measures(self) -> list[PdfMeasure]:
        return [m for p in self.pillars for m in p.measures]


def css_string(text: str) -> str:
    """A quoted CSS string holding `text` as it is: quotes, backslashes, angle brackets (never a closing
    </style>) and line breaks escaped as code points."""
    escaped = "".join(f"\\{ord(ch):X} " if ch in '"\\<>&\n\r' or ord(ch) < 32 else ch for ch in text)
    return f'"{escaped}"'


def _departments(departments) -> list[str]:
    """Sections by name, the lead first; a collective row (関係各課) as text after them, as pages write it."""
    sections = [d.name for d in departments if not d.is_collective]
    collective = [("ほか" if sections else "") + d.name for d in departments if d.is_collective]
    return sections + collective


def _bands(bands) -> list[tuple[str, str]]:
    """Each grade with its range of rates, best first (達成: 100%以上)."""
    rows, upper = [], None
    for band in bands:
        lower = f"{format_number(band.min_rate, 0)}%以上"
        rows.append((band.label, lower if upper is None else f"{lower}{upper}未満"))
        upper = f"{format_number(band.min_rate, 0)}%"
    return rows


def report_document(report: ProgressReport) -> PdfReport:
    """Everything the PDF shows, read in a bounded number of queries (the report workbook's loader)."""
    data = _ReportData(report)
    plan = data.plan
    fiscal_year = min(max(report.fiscal_year, plan.first_fiscal_year), plan.last_fiscal_year)
    roll = data.grading.rollup(fiscal_year)
    labels = data.grading.labels
    era_names = {fy: fiscal_years.era_name(fy) for fy in range(plan.first_fiscal_year, plan.last_fiscal_year + 1)}

    by_pillar: dict[int, list[PdfMeasure]] = {}
    pillars = {}
    for measure in data.measures:
        indicators = [i for i in measure.indicators.all() if i.pk in data.by_indicator]
        note = data.notes.get(measure.pk)
        if not indicators and note is None:
            continue  # not part of this report (the public report page's rule)
        pdf_indicators, grades = [], []
        for indicator in indicators:
            years = []
            for year in data.by_indicator[indicator.pk]:
                assessment = data.assessments[(indicator.pk, year.fiscal_year)]
                running_total = ""
                if indicator.is_cumulative and assessment.running_total is not None:
                    running_total = presentation.result_text(indicator, assessment.running_total)
                years.append(PdfYear(
                    label=era_names.get(year.fiscal_year) or fiscal_years.era_name(year.fiscal_year),
                    target=presentation.target_text(indicator, year),
                    result=presentation.result_text(indicator, year.result_value, year.result_stage),
                    running_total=running_total,
                    rate=presentation.rate_text(assessment.rate),
                    grade=assessment.label,
                    is_report_year=year.fiscal_year == fiscal_year,
                ))
                if year.fiscal_year == fiscal_year:
                    grades.append((f"指標{indicator.slot_label}", assessment.label))
            pdf_indicators.append(PdfIndicator(
                indicator.slot_label, indicator.name, indicator.name_is_provisional, indicator.note, years,
            ))
        state = ""
        if note is not None and not data.published and note.status != ProgressNote.Status.APPROVED:
            state = note.get_status_display()
        pillars[measure.pillar_id] = measure.pillar
        by_pillar.setdefault(measure.pillar_id, []).append(PdfMeasure(
            number=measure.number,
            pillar_label=f"5つの柱{measure.pillar.label}",
            title=measure.full_title,
            departments=_departments([a.department for a in measure.assignments.all()]),
            current_situation=measure.current_situation,
            approach=measure.approach,
            indicators=pdf_indicators,
            narrative=note.text if note is not None else "",
            narrative_state=state,
            grades=grades,
        ))
    pdf_pillars = []
    for pillar_id, pillar in sorted(pillars.items(), key=lambda item: item[1].number):
        summary = roll.pillars[pillar_id]
        pdf_pillars.append(PdfPillar(pillar.number, pillar.label, by_pillar[pillar_id],
                                     [count for _, count in summary.rows()], summary.total))
    published_label = ""
    if data.published:
        published_label = fiscal_years.era_date(timezone.localtime(report.published_at).date())
    return PdfReport(
        title=plan.title,
        municipality=plan.municipality,
        period_label=plan.period_label,
        fiscal_year_label=era_names.get(fiscal_year, fiscal_years.era_name(fiscal_year)),
        as_of_label=report.as_of_label,
        published_label=published_label,
        is_draft=not data.published,
        labels=labels,
        pillars=pdf_pillars,
        counts=[count for _, count in roll.plan.rows()],
        total=roll.plan.total,
        bands=_bands(data.grading.bands),
        has_provisional=any(i.is_provisional for p in pdf_pillars for m in p.measures for i in m.indicators),
    )


def report_html(report: ProgressReport) -> str:
    return render_to_string("exchange/pdf/report.html", {"doc": report_document(report)})


def report_pdf(report: ProgressReport) -> bytes:
    """The report as PDF bytes: tagged (PDF/UA-1), lang ja, titled, with the Japanese font embedded.

    Raises PdfUnavailable when this server lacks WeasyPrint's libraries or a Japanese font.
    """
    unavailable = missing_requirements()
    if unavailable is not None:
        raise unavailable
    from weasyprint import HTML

    _cache_page_references()
    document = report_document(report)
    html = render_to_string("exchange/pdf/report.html", {"doc": document})
    # PDF/UA-1: a tagged PDF (headings, tables and their header cells, reading order) with its
    # title shown in the reader and the document's language (lang="ja").
    return HTML(string=html, url_fetcher=_fetch_nothing).write_pdf(pdf_variant="pdf/ua-1")


@functools.lru_cache(maxsize=1)
def _cache_page_references() -> None:
    """Make pydyf's PDF.page_references answer from a cache.

    WeasyPrint's tagging (pdf/tags.py) asks for one page's reference per tagged element, and pydyf
    builds the tuple of every page's reference on each ask: a time that grows with elements × pages,
    some 12 s of CPU of a 416-page report (106 s without the cache, 94 s with it). The cache is rebuilt whenever a page is added (pages are only
    ever appended to Kids), so it always answers what pydyf would.
    """
    import pydyf

    original = pydyf.PDF.page_references
    if getattr(original.fget, "kisarazu_cached", False):
        return

    def page_references(self):
        kids = self.pages["Kids"]
        cached = self.__dict__.get("_kisarazu_page_references")
        if cached is None or cached[0] != len(kids):
            cached = (len(kids), original.fget(self))
            self.__dict__["_kisarazu_page_references"] = cached
        return cached[1]

    page_references.kisarazu_cached = True
    pydyf.PDF.page_references = property(page_references)


def _fetch_nothing(url: str, *args, **kwargs):
    """The report links to nothing it must load; whatever a text might smuggle in is never fetched."""
    raise ValueError(f"The report PDF loads no resource ({url[:80]})")


def report_pdf_filename(report: ProgressReport) -> str:
    suffix = "" if report.is_published else f"_{DRAFT_MARK}"
    return f"進捗状況_{report.plan.slug}_{report.as_of.isoformat()}{suffix}.pdf"
