"""The report PDF's speed-ups change no byte of meaning: pydyf's page references, cached for WeasyPrint's
tagging (exchange.report_pdf._cache_page_references), are always the ones pydyf would compute, also after
pages are added; the seed PDF's content, tags and page numbers are tested in test_report_pdf_content.py."""

import pytest

pydyf = pytest.importorskip("pydyf")


def uncached(pdf):
    return tuple(f"{number} 0 R".encode("ascii") for number in pdf.pages["Kids"][::3])


def test_cached_page_references_follow_every_added_page():
    from exchange import report_pdf

    report_pdf._cache_page_references()
    report_pdf._cache_page_references.cache_clear()
    report_pdf._cache_page_references()  # a second patch does not wrap the first
    assert getattr(pydyf.PDF.page_references.fget, "kisarazu_cached", False)

    pdf = pydyf.PDF()
    assert pdf.page_references == () == uncached(pdf)
    for _ in range(3):
        pdf.add_page(pydyf.Dictionary({"Type": "/Page"}))
        assert pdf.page_references == uncached(pdf)
    first = pdf.page_references
    assert pdf.page_references is first  # answered from the cache while no page is added
    pdf.add_object(pydyf.Dictionary())  # other objects leave the pages alone
    pdf.add_page(pydyf.Dictionary({"Type": "/Page"}))
    assert len(pdf.page_references) == 4 and pdf.page_references == uncached(pdf)
    other = pydyf.PDF()  # each PDF its own cache
    assert other.page_references == ()
