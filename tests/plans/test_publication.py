import datetime

import pytest

from indicators.models import IndicatorYear
from reports import publication
from reports.models import ProgressNote, ProgressReport


def test_publishing_freezes_figures_and_shows_only_approved_notes(seed_plan):
    report = ProgressReport.objects.create(plan=seed_plan, as_of=datetime.date(2024, 6, 1))
    measure1, measure2 = seed_plan.measures.filter(number__in=[1, 2]).order_by("number")
    approved = ProgressNote.objects.create(report=report, measure=measure1, text="承認", status="approved")
    ProgressNote.objects.create(report=report, measure=measure2, text="下書き", status="submitted")
    assert report not in publication.published_reports(seed_plan)
    assert not publication.public_notes().filter(report=report).exists()

    year = IndicatorYear.objects.get(indicator__measure=measure2, indicator__slot=1, fiscal_year=2023)
    year.result_value = 96000
    year.save()
    publication.publish_report(report)

    assert publication.latest_published_report(seed_plan) == report
    assert list(publication.public_notes().filter(report=report)) == [approved]
    frozen = report.published_years.get(indicator=year.indicator, fiscal_year=2023)
    year.result_value = 1
    year.save()
    frozen.refresh_from_db()
    assert frozen.result_value == 96000
    assert report.published_years.count() == 92
    with pytest.raises(ValueError, match="すでに公表"):
        publication.publish_report(report)
