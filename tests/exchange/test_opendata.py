import csv
import datetime
import io
import json
from decimal import Decimal

from django.urls import reverse

from exchange.opendata import SCHEMA

from indicators.models import IndicatorYear
from reports import publication
from reports.models import ProgressReport


def csv_records(text: str) -> list[dict]:
    """The CSV's rows keyed by the JSON's names, once its one header row is found to be the Japanese labels."""
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [c.label for c in SCHEMA]
    return [dict(zip([c.name for c in SCHEMA], row)) for row in rows[1:]]


def test_open_data_page_lists_downloads_licence_and_schema(client, seed_plan):
    html = client.get(reverse("exchange:opendata")).content.decode()
    assert "CC BY 4.0" in html
    assert reverse("exchange:opendata-csv") in html and reverse("exchange:opendata-json") in html
    assert "<code>achievement_rate</code>" in html and "<caption" in html


def test_csv_and_json_hold_every_published_indicator_year(client, seed_plan):
    response = client.get(reverse("exchange:opendata-csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8-sig")
    records = csv_records(text)
    assert len(records) == 92
    overtime = next(r for r in records if r["measure_number"] == "2" and r["indicator_slot"] == "1" and r["fiscal_year"] == "2023")
    assert overtime["target"] == "95000" and overtime["unit"] == "時間" and overtime["direction"] == "lower"
    assert overtime["fiscal_year_label"] == "令和5年度"
    assert overtime["report_as_of"] == "2023-09-01"
    data = json.loads(client.get(reverse("exchange:opendata-json")).content)
    assert data["license"] == "CC BY 4.0"
    assert len(data["records"]) == 92
    assert [c["name"] for c in data["columns"]] == list(records[0].keys())
    click = next(r for r in data["records"] if r["measure_number"] == 10 and r["indicator_slot"] == 1 and r["fiscal_year"] == 2023)
    assert click["target"] == 0.28
    not_applicable = next(r for r in data["records"] if r["measure_number"] == 7 and r["indicator_slot"] == 2 and r["fiscal_year"] == 2025)
    assert (not_applicable["target_status"], not_applicable["target"], not_applicable["grade"]) == ("not_applicable", None, "対象外")


def test_only_published_figures_are_open(client, seed_plan, django_capture_on_commit_callbacks):
    year = IndicatorYear.objects.get(indicator__measure__number=2, indicator__slot=1, fiscal_year=2023)
    year.result_value = Decimal(96000)  # official, but not yet in a published report
    year.save()
    records = json.loads(client.get(reverse("exchange:opendata-json")).content)["records"]
    assert all(r["result"] is None for r in records)
    # As a publication commits: the public content version moves (open data is kept under it).
    with django_capture_on_commit_callbacks(execute=True):
        report = ProgressReport.objects.create(plan=seed_plan, as_of=datetime.date(2024, 6, 1))
        publication.publish_report(report)
    records = json.loads(client.get(reverse("exchange:opendata-json")).content)["records"]
    overtime = next(r for r in records if r["measure_number"] == 2 and r["indicator_slot"] == 1 and r["fiscal_year"] == 2023)
    assert (overtime["result"], overtime["achievement_rate"], overtime["grade"]) == (96000, 98.9, "概ね達成")  # (2 − 96000/95000) × 100
    assert overtime["report_as_of"] == "2024-06-01"


def test_csv_text_cannot_run_as_a_formula(client, seed_plan):
    measure = seed_plan.measures.get(number=1)
    measure.title = "=HYPERLINK(\"http://evil.example\")"
    measure.save()
    # Open data shows titles as the latest published report keeps them: publish one with this title.
    publication.publish_report(ProgressReport.objects.create(plan=seed_plan, as_of=datetime.date(2024, 6, 1)))
    text = client.get(reverse("exchange:opendata-csv")).content.decode("utf-8-sig")
    row = next(r for r in csv_records(text) if r["measure_number"] == "1")
    assert row["measure_title"].startswith("'=HYPERLINK")


def test_csv_has_one_japanese_header_row_and_json_keeps_english_keys(client, seed_plan):
    text = client.get(reverse("exchange:opendata-csv")).content.decode("utf-8-sig")
    header = text.split("\r\n", 1)[0]
    assert header.startswith("自治体名,計画ID,計画名,報告基準日,柱番号,柱名称,事業No.,推進項目名称,担当課,")
    assert not any(c.isascii() and c.isalpha() for c in header.replace("ID", "").replace("No.", ""))
    assert text.split("\r\n")[1].startswith("千葉県木更津市,")  # data from the second row on
    data = json.loads(client.get(reverse("exchange:opendata-json")).content)
    assert "municipality" in data["records"][0]
    assert {"name": "municipality", "label": "自治体名"}.items() <= data["columns"][0].items()
    html = client.get(reverse("exchange:opendata")).content.decode()
    assert '<th scope="row">自治体名</th><td><code>municipality</code></td>' in html


def test_the_credit_line_names_the_city_and_plan_not_the_host(client, seed_plan):
    html = client.get(reverse("exchange:opendata"), HTTP_HOST="127.0.0.1:8000").content.decode()
    assert "出典（例：「千葉県木更津市 経営改革推進計画 進捗状況」）" in html
    assert "127.0.0.1" not in html
