"""The seed report's PDF, read back with pypdf: every measure's title, departments, targets and every
sentence of its texts, the city document's page structure, page numbers and the report's date on every
page, an embedded Japanese font, and a tagged document in Japanese with a title.

The PDF is built once for the module (a real WeasyPrint build through the public URL) and read by
every test. Skipped without WeasyPrint's libraries or a Japanese font; a failure under CI."""

import re

import pytest
from django.urls import reverse

from core import fiscal_years
from indicators import presentation
from reports import publication
from reports.models import ProgressReport

from .pdf_helpers import embedded_fonts, fold, page_texts, reader, require_pdf_tools, sentences, squeeze, without_margins

AS_OF = "2023-09-01"
_BUILT: dict[str, bytes] = {}


@pytest.fixture
def seed_report(seed_plan):
    return ProgressReport.objects.select_related("plan").get(plan=seed_plan, as_of=AS_OF)


@pytest.fixture
def seed_pdf(client, seed_report):
    require_pdf_tools()
    if "pdf" not in _BUILT:
        response = client.get(reverse("exchange:report-pdf", args=[seed_report.plan.slug, AS_OF]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("inline; filename*=UTF-8''")
        _BUILT["pdf"] = response.content
    return _BUILT["pdf"]


@pytest.fixture
def pages(seed_pdf):
    return page_texts(seed_pdf)


def test_every_title_department_target_and_sentence_of_the_report_is_in_the_pdf(pages, seed_report):
    text = fold("".join(without_margins(page) for page in pages))
    published = publication.published_report(seed_report)
    notes = {n.measure_id: n.text for n in publication.public_notes().filter(report=seed_report)}
    assert len(published.measures) == 15
    missing = []
    for measure in published.measures:
        wanted = [f"事業No.{measure.number}", measure.full_title]
        wanted += [d.name for d in measure.departments]
        wanted += sentences(measure.current_situation) + sentences(measure.approach)
        wanted += sentences(notes.get(measure.pk, ""))
        for indicator in measure.indicators:
            wanted.append(indicator.name)
            wanted += sentences(indicator.note)
        missing += [f"No.{measure.number}: {w}" for w in wanted if fold(w) not in text]
    for year in published.grading.years:
        target = presentation.target_text(year.indicator, year)
        if fold(target) not in text:
            missing.append(f"target {year.indicator} {year.fiscal_year}: {target}")
    assert not missing, missing
    # A few words as the city's own document writes them.
    for words in ("人事評価制度の充実", "総務部職員課", "市長公室経営改革課", "検討80%", "条例への反映",
                  "60歳以降のポスト・働き方に関して"):
        assert words in text


def test_cover_contents_summary_then_a_sheet_per_measure_in_the_sources_order(pages, seed_report):
    cover, contents, summary = (squeeze(p) for p in pages[:3])
    assert "経営改革推進計画" in cover and "令和5年度" in cover and "進捗状況" in cover
    assert "令和5年9月1日現在" in cover and "千葉県木更津市" in cover
    assert "目次" in contents and "【ページ】" in contents
    assert "達成状況の概要" in summary and "計画全体" in summary

    # Each measure's sheet starts a page, in number order; the contents give that page's number.
    sheet_pages = {}
    for index, page in enumerate(pages, 1):
        found = re.search(r"^事業No\.(\d+) [^\n]*\n取組視点", page, re.M)
        if found:
            sheet_pages.setdefault(int(found.group(1)), index)
    assert list(sheet_pages) == list(range(1, 16))
    assert sorted(sheet_pages.values()) == list(sheet_pages.values())
    for number, page_number in sheet_pages.items():
        assert re.search(rf"^事業No\.{number} [^\n]*\.{{3,}}\s*{page_number}$", pages[1], re.M), (number, page_number)

    # A sheet's fields in the source's order.
    published = publication.published_report(seed_report)
    first = published.measures[0]
    sheet = squeeze(pages[sheet_pages[1] - 1] + pages[sheet_pages[1]])
    order = ["取組視点", "5つの柱①ヒト", "事業No.", "推進項目名称", "担当課", "現状と課題", "課題解決に向けた方向性・活動内容",
             "指標①", "年度", "目標値", "結果", "達成率", "評価", "令和5年度の活動経過・今後の予定"]
    position = 0
    for word in order:  # each found after the one before it
        found = sheet.find(squeeze(word), position)
        assert found >= 0, f"{word} not found after position {position}"
        position = found + len(squeeze(word))
    assert squeeze(first.full_title) in sheet


def test_every_page_has_its_number_and_the_reports_date(pages):
    total = len(pages)
    assert total >= 18  # cover, contents, summary and 15 sheets at least
    for number, page in enumerate(pages, 1):
        assert f"- {number} / {total} -" in page, number
        assert "令和5年9月1日現在" in page, number


def test_a_japanese_font_is_embedded_and_the_document_is_tagged_in_japanese(seed_pdf):
    fonts = embedded_fonts(seed_pdf)
    assert fonts and all(fonts.values()), fonts  # every font's program is in the file
    assert any(re.search(r"CJK|JP|Gothic", name) for name in fonts), fonts
    pdf = reader(seed_pdf)
    root = pdf.trailer["/Root"]
    assert root["/Lang"] == "ja"
    assert bool(root["/MarkInfo"]["/Marked"])
    tree = root["/StructTreeRoot"].get_object()
    tags = set()

    def walk(element, depth=0):
        if depth > 40:
            return
        element = element.get_object()
        if isinstance(element, dict):
            if "/S" in element:
                tags.add(str(element["/S"]))
            kids = element.get("/K")
            if kids is not None:
                for kid in (kids if isinstance(kids, list) else [kids]):
                    walk(kid, depth + 1)
        elif isinstance(element, list):
            for kid in element:
                walk(kid, depth + 1)
    walk(tree)
    assert {"/H1", "/H2", "/H3", "/Table", "/TH", "/TD"} <= tags, tags
    assert pdf.metadata.title == "経営改革推進計画 令和5年度 進捗状況（令和5年9月1日現在）"
    assert pdf.metadata.author == "千葉県木更津市"
    assert fiscal_years.era_name(2023) in pdf.metadata.title
