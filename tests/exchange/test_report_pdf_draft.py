"""The draft report's PDF, for the reform office's review meeting: staff-only (reviewers), marked 案 on
every page, with every note and its state, built on every download and never kept; anonymous readers
and department staff cannot get it, and the public URL has no PDF of a report not yet published."""

from decimal import Decimal

import pytest
from django.urls import reverse

from exchange import kept_files
from exchange.models import KeptFile, KeptFileBuild
from indicators.models import IndicatorYear
from reports import workflow
from reports.models import ProgressNote

from .pdf_helpers import fold, page_texts, require_pdf_tools, without_margins


def draft_url(report):
    return reverse("exchange_admin:report-draft-pdf", args=[report.pk])


def test_only_the_reform_office_gets_the_draft(client, report, people, monkeypatch):
    monkeypatch.setattr(kept_files, "report_pdf", lambda r: pytest.fail("built a draft for someone not allowed"))
    url = draft_url(report)
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]
    client.force_login(people["shokuin"])  # department staff: they enter, they do not review
    assert client.get(url).status_code == 403
    public = reverse("exchange:report-pdf", args=[report.plan.slug, report.as_of.isoformat()])
    client.logout()
    assert client.get(public).status_code == 404


def test_the_dashboard_links_to_the_draft(client, report, people):
    client.force_login(people["reviewer"])
    page = client.get(reverse("admin:reports_progressreport_dashboard", args=[report.pk])).content.decode()
    assert f'href="{draft_url(report)}"' in page and "PDF（案）" in page


def test_the_draft_is_marked_on_every_page_shows_what_staff_entered_and_is_never_kept(client, report, people,
                                                                                    monkeypatch):
    require_pdf_tools()
    note = ProgressNote.objects.get(report=report, measure__number=2)
    overtime = IndicatorYear.objects.get(indicator__measure=note.measure, indicator__slot=1, fiscal_year=2023)
    workflow.save_note(people["shokuin"], note, expected_version=1, text="時間外勤務の縮減に向けて、全庁で取り組みました。",
                       results={overtime.pk: Decimal(34068)})
    client.force_login(people["reviewer"])
    response = client.get(draft_url(report))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert "%E6%A1%88.pdf" in response["Content-Disposition"]  # …_案.pdf
    pages = page_texts(response.content)
    for number, page in enumerate(pages, 1):
        assert "案" in page.replace("提案", ""), number
        assert f"- {number} / {len(pages)} -" in page
    text = fold("".join(without_margins(page) for page in pages))
    assert fold("時間外勤務の縮減に向けて、全庁で取り組みました。") in text
    assert "34,068時間" in text  # the proposed result, before any approval
    assert "活動経過・今後の予定【作成中】" in text
    assert not KeptFile.objects.exists() and not KeptFileBuild.objects.exists()

    builds = []
    monkeypatch.setattr(kept_files, "report_pdf", lambda r: builds.append(r.pk) or b"%PDF again")
    assert client.get(draft_url(report)).content == b"%PDF again"  # built again: a draft changes with every entry
    assert builds == [report.pk]


def test_a_published_reports_draft_link_leads_to_its_public_pdf(client, seed_plan, people):
    published = seed_plan.reports.get()
    client.force_login(people["reviewer"])
    response = client.get(draft_url(published))
    assert response.status_code == 302
    assert response["Location"] == reverse("exchange:report-pdf", args=[seed_plan.slug, published.as_of.isoformat()])
