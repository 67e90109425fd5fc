"""Workbooks printed as staff print them: the real xlsx turned into a PDF by LibreOffice, then read back.

Every sentence of the seed report (現状と課題, 方向性・活動内容, 活動経過, from tests/data/seed_source.txt)
must be found whole in the printed text: a row too short for its wrapped text would clip it on paper.
Needs LibreOffice Calc (soffice) and poppler-utils (pdftotext, pdfinfo): skipped with a message saying how
to install them, failed under CI (CI=true). Each workbook is converted once for the module (5-20 s each).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from exchange.plan_workbook import export_plan
from exchange.report_workbook import report_workbook
from plans.models import Plan
from reports.models import ProgressReport
from tests.test_seed_plan import MEASURE_BLOCKS, SOURCE, cell, narrative_of, paragraphs_in, squeeze

# Database tests, so that pytest-django sets the test database up (with the seed) even when this module runs alone.
pytestmark = pytest.mark.django_db

SEED_SLUG = "2023-2026"
A4_POINTS = {(595, 842), (842, 595)}  # A4 in PostScript points, portrait or landscape (rounded)


def running_under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


def tools() -> dict[str, str]:
    """soffice, pdftotext and pdfinfo, or a skip (a failure under CI) saying how to install what is missing."""
    found = {name: shutil.which(name) for name in ("soffice", "pdftotext", "pdfinfo")}
    problems = []
    if not found["soffice"]:
        problems.append("soffice (LibreOffice Calc) not found; install it with: apt-get install libreoffice-calc-nogui")
    if not (found["pdftotext"] and found["pdfinfo"]):
        problems.append("pdftotext/pdfinfo not found; install them with: apt-get install poppler-utils")
    if problems:
        message = "Printing workbooks cannot be checked: " + "; ".join(problems) + "."
        if running_under_ci():
            pytest.fail(message + " (CI=true: a missing tool is a failure, not a skip)", pytrace=False)
        pytest.skip(message)
    return found


class Printed:
    """A workbook as LibreOffice prints it: its pages' text and sizes."""

    def __init__(self, pdf: Path, found: dict[str, str]):
        # -raw: in the order LibreOffice draws the text, cell by cell (side-by-side cells never interleave)
        text = subprocess.run([found["pdftotext"], "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        self.pages = [page for page in text.split("\f") if page.strip()]
        self.text = squeeze(text)  # Japanese wraps anywhere: compared without spaces and line breaks
        info = subprocess.run([found["pdfinfo"], "-f", "1", "-l", str(len(self.pages)), str(pdf)],
                              capture_output=True, text=True, check=True).stdout
        self.sizes = {tuple(round(float(n)) for n in size)
                      for size in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)}

    def page_of(self, text: str) -> int:
        """The number (from 0) of the first page holding `text` whole."""
        return next(i for i, page in enumerate(self.pages) if squeeze(text) in squeeze(page))


def print_workbook(data: bytes, name: str, directory: Path, found: dict[str, str]) -> Printed:
    source = directory / f"{name}.xlsx"
    source.write_bytes(data)
    profile = directory / "libreoffice-profile"  # its own profile: parallel runs never share one
    subprocess.run(
        [found["soffice"], f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", "pdf", "--outdir", str(directory), str(source)],
        capture_output=True, check=True, timeout=600,
    )
    pdf = directory / f"{name}.pdf"
    assert pdf.is_file(), f"LibreOffice made no PDF of {name}.xlsx"
    return Printed(pdf, found)


def sentences(paragraphs: list[str]) -> list[str]:
    """The sentences of the paragraphs, each ending with its 。 (a heading-like paragraph is one sentence)."""
    return [s for paragraph in paragraphs for s in re.findall(r"[^。]+。?", paragraph) if s.strip()]


def measure_sentences(number: int) -> dict[str, list[str]]:
    block = MEASURE_BLOCKS[number - 1]
    return {
        "現状と課題": sentences(paragraphs_in(cell(block, "現状と課題"))),
        "方向性": sentences(paragraphs_in(cell(block, "課題解決に向けた方向性・活動内容"))),
        "活動経過": sentences(narrative_of(block)),
    }


@pytest.fixture(scope="module")
def printed(django_db_setup, django_db_blocker, tmp_path_factory) -> dict[str, Printed]:
    """The seed plan's published report and its plan workbook, each printed once for this module."""
    found = tools()
    with django_db_blocker.unblock():
        report = report_workbook(ProgressReport.objects.get(plan__slug=SEED_SLUG))
        plan = export_plan(Plan.objects.get(slug=SEED_SLUG))
    directory = tmp_path_factory.mktemp("printed")
    return {"report": print_workbook(report, "report", directory, found),
            "plan": print_workbook(plan, "plan", directory, found)}


def test_every_sentence_of_the_seed_report_is_printed_whole(printed):
    report = printed["report"]
    every = [(number, part, sentence) for number in range(1, 16)
             for part, found in measure_sentences(number).items() for sentence in found]
    assert len(every) >= 125  # 129 sentences, each ending with its 。
    missing = [(number, part, sentence) for number, part, sentence in every if squeeze(sentence) not in report.text]
    assert not missing, f"{len(missing)} of {len(every)} sentences are not printed whole: {missing[:5]}"


def test_the_report_prints_its_headings_titles_and_indicator_names_whole(printed):
    report = printed["report"]
    for label in ("目標値（各年度末時点）", "課題解決に向けた方向性・活動内容", "令和5年度の活動経過・今後の予定", "達成率（%）"):
        assert squeeze(label) in report.text, label
    for name in ("市ホームページ内のウェブサイトアンケートにおける改善意見数（100万閲覧数あたり）",
                 "子育てアプリを活用した母子保健・子育て情報の発信"):
        assert squeeze(name) in report.text, name  # a long name in the summary's narrow column, wrapped


def test_the_report_prints_on_a4_with_each_measure_from_a_new_page(printed):
    report = printed["report"]
    assert report.sizes and report.sizes <= A4_POINTS, report.sizes
    starts = [report.page_of(measure_sentences(number)["現状と課題"][0]) for number in range(1, 16)]
    assert starts == sorted(starts) and len(set(starts)) == 15, starts
    for page in starts:
        assert "5つの柱" in report.pages[page]  # the measure's own header rows, at the top of its page


def test_the_plan_workbook_prints_every_sentence_of_the_plan_whole(printed):
    plan = printed["plan"]
    assert plan.sizes and plan.sizes <= A4_POINTS, plan.sizes
    every = [sentence for number in range(1, 16) for part, found in measure_sentences(number).items()
             if part != "活動経過" for sentence in found]
    introduction = SOURCE.split("## はじめに")[1].split("## ●")[0]
    every += sentences([p.strip() for p in introduction.splitlines() if p.strip()])
    missing = [sentence for sentence in every if squeeze(sentence) not in plan.text]
    assert not missing, f"{len(missing)} of {len(every)} sentences are not printed whole: {missing[:5]}"
