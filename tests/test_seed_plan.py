"""The seed fixture holds the source document's content, read here straight from the source text."""

import re
import unicodedata
from pathlib import Path

import pytest

from core.formatting import format_number
from indicators.models import Indicator, IndicatorYear
from core import fiscal_years
from plans.models import Department, Measure

SOURCE = (Path(__file__).parent / "data" / "seed_source.txt").read_text(encoding="utf-8")
MEASURE_BLOCKS = SOURCE.split("\n取組視点\t")[1:]
NARRATIVE_LABEL = "令和5年度の活動経過・今後の予定"


def block_of(number: int) -> str:
    block = MEASURE_BLOCKS[number - 1]
    assert block.splitlines()[2].split("\t")[0] == str(number)
    return block


def paragraphs_in(line: str) -> list[str]:
    return [p.strip() for p in re.findall(r"<p>(.*?)</p>", line)]


def cell(block: str, label: str) -> str:
    return next(line for line in block.splitlines() if line.startswith(label + "\t"))


def narrative_of(block: str) -> list[str]:
    lines = block.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(NARRATIVE_LABEL))
    found = []
    label_cell = lines[start].split("\t")[1]
    if label_cell and "<" not in label_cell and label_cell != "名称" and not label_cell.startswith("地方創生"):
        found.append(label_cell.strip())  # measure 3 writes its first sentence as a plain cell
    for line in lines[start:]:
        found += paragraphs_in(line)
        items = re.findall(r"<li>(.*?)</li>", line)
        if items:
            found.append("\n".join(item.strip() for item in items))
    return found


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def stated_targets(block: str) -> set[tuple[int, str]]:
    """Every (fiscal year, value) the block's tables state, repeated blocks counted once."""
    return {
        (fiscal_years.parse(m[1]), m[2])
        for m in re.finditer(r"(?:^|\t)(R[5-8])\t+([^\t\n]+)", block, re.MULTILINE)
        if m[2].strip()
    }


@pytest.fixture
def measures(seed_plan):
    return {m.number: m for m in seed_plan.measures.prefetch_related("assignments__department")}


def test_every_seed_object_passes_model_validation(seed_plan):
    from django.apps import apps

    for model_name in ("plans.Plan", "plans.Pillar", "plans.Department", "plans.Measure", "plans.MeasureDepartment",
                       "reports.ProgressReport", "reports.ProgressNote", "indicators.Indicator", "indicators.GradeBand",
                       "indicators.MilestoneStage", "indicators.IndicatorYear"):
        for obj in apps.get_model(model_name).objects.all():
            obj.full_clean()


def test_plan_and_introduction(seed_plan):
    assert seed_plan.title == "経営改革推進計画"
    assert seed_plan.municipality == "千葉県木更津市"
    assert seed_plan.policy == "木更津市経営改革方針"
    assert (seed_plan.first_fiscal_year, seed_plan.last_fiscal_year) == (2023, 2026)
    intro = SOURCE.split("## はじめに")[1].split("## ●")[0]
    expected = [line.strip() for line in intro.splitlines() if line.strip()]
    assert len(expected) == 4
    assert seed_plan.introduction.split("\n\n") == expected


def test_five_pillars_with_their_aims(seed_plan):
    pillars = list(seed_plan.pillars.order_by("number"))
    assert [p.name for p in pillars] == ["ヒト", "モノ", "カネ", "情報", "協働"]
    for pillar in pillars:
        heading = f"### 5つの柱{'①②③④⑤'[pillar.number - 1]} {pillar.name}\n\n"
        assert SOURCE.split(heading)[1].split("\n")[0] == pillar.aim


@pytest.mark.parametrize("number", range(1, 16))
def test_measure_sheet(measures, number):
    measure = measures[number]
    block = block_of(number)
    pillar_name = block.splitlines()[0].split("\t")[0].replace("5つの柱", "")
    assert f"{'①②③④⑤'[measure.pillar.number - 1]} {measure.pillar.name}" == pillar_name
    _, title_cell, departments_cell = block.splitlines()[2].split("\t")[:3]
    assert squeeze(measure.full_title) == squeeze(title_cell)
    assert [a.department.name for a in measure.assignments.all()] == departments_cell.split()
    assert measure.current_situation.split("\n\n") == paragraphs_in(cell(block, "現状と課題"))
    assert measure.approach.split("\n\n") == paragraphs_in(cell(block, "課題解決に向けた方向性・活動内容"))
    note = measure.progress_notes.get(report__as_of="2023-09-01")
    assert note.text.split("\n\n") == narrative_of(block)


def as_the_source_writes(year) -> str:
    """A target in the source's own digits (350,000,000円; pages write 3億5,000万円)."""
    if year.target_stage is not None:
        return year.target_stage.label
    return f"{format_number(year.target_value, year.indicator.decimal_places)}{year.indicator.unit}"


@pytest.mark.parametrize("number", range(1, 16))
def test_every_stated_target_is_there_with_its_unit_and_none_is_invented(measures, number):
    held = set()
    for year in IndicatorYear.objects.filter(indicator__measure=measures[number]).select_related(
        "indicator", "target_stage"
    ):
        if year.target_status == IndicatorYear.TargetStatus.SET:
            held.add((year.fiscal_year, as_the_source_writes(year)))
        elif year.target_status == IndicatorYear.TargetStatus.NOT_APPLICABLE:
            held.add((year.fiscal_year, "-"))
    assert held == stated_targets(block_of(number))


def test_lost_targets_are_not_set_and_not_applicable_is_distinct(seed_plan):
    years = IndicatorYear.objects.filter(indicator__measure__plan=seed_plan)
    assert years.count() == 23 * 4
    not_applicable = years.filter(target_status=IndicatorYear.TargetStatus.NOT_APPLICABLE)
    assert {(y.indicator.measure.number, y.indicator.slot, y.fiscal_year) for y in not_applicable} == {
        (7, 2, 2025), (7, 2, 2026)
    }
    not_set = years.filter(target_status=IndicatorYear.TargetStatus.NOT_SET)
    assert not_set.filter(fiscal_year__lt=2026).count() == 0
    assert not_set.count() == 13
    assert not years.filter(result_value__isnull=False).exists()
    assert not years.filter(result_stage__isnull=False).exists()


def names_stated_in(block: str) -> set[str]:
    """The table cells that name an indicator: a cell of their own, not a sentence."""
    cells = {c.split("<small>")[0].strip() for line in block.splitlines() for c in line.split("\t")}
    return {c for c in cells if c and "<" not in c and not c.startswith(("R", "※", "指標", "令和5年度の"))
            and c not in {"名称", "年度", "目標値", "結果", "(各年度末時点)", "現状と課題"}}


def test_indicator_names_the_source_states_are_official_and_the_rest_provisional(seed_plan):
    for indicator in Indicator.objects.filter(measure__plan=seed_plan).select_related("measure"):
        stated = indicator.name in names_stated_in(block_of(indicator.measure.number))
        assert indicator.name_is_provisional is not stated, indicator


def test_indicator_properties_from_the_source(seed_plan):
    by_key = {(i.measure.number, i.slot): i for i in Indicator.objects.select_related("measure")}
    assert len(by_key) == 23
    assert by_key[(2, 1)].is_lower_better  # overtime hours
    assert by_key[(10, 2)].is_lower_better  # improvement opinions per million views
    assert sum(i.is_lower_better for i in by_key.values()) == 2
    assert [k for k, i in by_key.items() if i.is_cumulative] == [(6, 1)]
    milestone = by_key[(1, 1)]
    assert milestone.is_milestone
    # The source's stages, after the 未着手 (not started) stage every milestone indicator has.
    assert [s.label for s in milestone.stages.all()] == ["未着手", "検討80%", "条例への反映", "実施"]
    assert "1事業あたりの削減効果額：正338時間×4,156円＝1,404,728円" in by_key[(6, 1)].note
    assert by_key[(10, 1)].note.startswith("※広告が表示された回数に対して")
    assert by_key[(14, 1)].note == "※学校給食でご飯が提供される日数のうち"
    assert by_key[(10, 1)].decimal_places == 2
    for measure_number in (1, 4, 5, 6, 9, 11, 13):
        assert (measure_number, 2) not in by_key  # the source's second table is empty


def test_every_department_of_the_source_once(seed_plan):
    assert Department.objects.count() == 19
    related = Department.objects.get(section="関係各課")
    assert related.division == ""
    assert sorted(m.number for m in related.measures.all()) == [3, 6, 8, 9]
    assert Measure.objects.filter(departments__section="職員課").count() == 2


def test_progress_report_as_of_september_first(seed_plan):
    report = seed_plan.reports.get()
    assert report.as_of_label == "令和5年9月1日現在"
    assert report.is_published
    assert report.notes.count() == 15


def test_published_report_holds_the_targets_as_published(seed_plan):
    from reports.models import PublishedIndicatorYear

    report = seed_plan.reports.get()
    published = {
        (p.indicator_id, p.fiscal_year): (p.target_status, p.target_value, p.target_stage_id, p.result_value)
        for p in PublishedIndicatorYear.objects.filter(report=report)
    }
    current = {
        (y.indicator_id, y.fiscal_year): (y.target_status, y.target_value, y.target_stage_id, y.result_value)
        for y in IndicatorYear.objects.filter(indicator__measure__plan=seed_plan)
    }
    assert published == current
    assert all(note.status == "approved" for note in report.notes.all())
    assert [b.label for b in seed_plan.grade_bands.order_by("-min_rate")] == ["達成", "概ね達成", "未達成"]


def test_published_report_keeps_its_own_copy_of_what_it_shows(seed_plan):
    """The seed report was published before reports kept a snapshot; the fixture holds the one the data
    migration gives such reports: the plan as it stands, the same as publishing it today would take."""
    from reports import snapshot

    report = seed_plan.reports.get()
    assert report.published_content == snapshot.take(seed_plan)
    content = snapshot.read(report.published_content, slug=seed_plan.slug)
    assert [m.number for m in content.measures] == list(range(1, 16))
    assert content.plan.period_label == "令和5年度〜令和8年度"
    assert [d.name for d in content.measures[1].departments] == ["総務部職員課", "市長公室経営改革課"]  # the lead first
