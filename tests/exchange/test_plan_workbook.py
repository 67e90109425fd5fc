"""A plan goes out as a workbook and comes back the same; bad workbooks are refused whole."""

import io
import zipfile

import pytest
from django.test import override_settings

from exchange.plan_workbook import export_plan, import_plan, read_plan_workbook
from indicators.models import GradeBand, Indicator, IndicatorYear
from plans.models import Department, Measure, Plan

from .helpers import edited, open_xlsx, sheet_values


@pytest.fixture(scope="session")  # not "module": pytest-django runs database tests first, splitting the module
def exported(django_db_setup, django_db_blocker) -> bytes:
    """The seed plan's workbook, exported once for the tests that read it as the session loaded it."""
    with django_db_blocker.unblock():
        return export_plan(Plan.objects.get(slug="2023-2026"))


def renamed(data, slug="2027-2030"):
    def edit(workbook):
        workbook["計画"]["B2"] = slug
    return edited(data, edit)


def structure(plan):
    """Everything the plan workbook carries, without database ids."""
    return {
        "plan": {f: getattr(plan, f) for f in ("title", "municipality", "policy", "first_fiscal_year", "last_fiscal_year", "introduction")},
        "pillars": [(p.number, p.name, p.aim) for p in plan.pillars.order_by("number")],
        "measures": [
            (m.number, m.pillar.number, m.title, m.subtitle, m.current_situation, m.approach,
             [(a.position, a.department.division, a.department.section) for a in m.assignments.order_by("position")])
            for m in plan.measures.order_by("number")
        ],
        "indicators": [
            (i.measure.number, i.slot, i.name, i.name_is_provisional, i.unit, i.decimal_places, i.note, i.kind,
             i.direction, i.is_cumulative, [s.label for s in i.stages.all()],
             [(y.fiscal_year, y.target_status, y.target_value, y.target_stage and y.target_stage.label)
              for y in i.years.order_by("fiscal_year")])
            for i in Indicator.objects.filter(measure__plan=plan).order_by("measure__number", "slot")
        ],
        "bands": [(b.label, b.min_rate) for b in plan.grade_bands.order_by("-min_rate")],
    }


def test_export_is_a_real_workbook_with_numbers_as_numbers(exported):
    workbook = open_xlsx(exported)
    assert workbook.sheetnames == ["形式", "計画", "柱", "推進項目", "担当課", "指標", "目標値", "評価区分"]
    targets = {(r[0].value, r[1].value, r[2].value): r[3] for r in workbook["目標値"].iter_rows(min_row=2)}
    overtime = targets[(2, 1, "令和5年度")]
    assert overtime.value == 95000 and overtime.data_type == "n"
    assert overtime.number_format == '#,##0"時間"'
    assert targets[(10, 1, "令和5年度")].number_format == '#,##0.00"%"'
    assert targets[(10, 1, "令和5年度")].value == pytest.approx(0.28)
    assert targets[(7, 2, "令和7年度")].value == "対象外"
    assert targets[(2, 1, "令和8年度")].value == "未設定"
    assert targets[(1, 1, "令和6年度")].value == "条例への反映"


def test_a_plan_survives_export_and_import_unchanged(seed_plan, exported):
    result = import_plan(renamed(exported))
    assert result.ok, result.problems
    copy = result.created
    assert copy.slug == "2027-2030"
    assert structure(copy) == structure(seed_plan)
    assert Department.objects.count() == 19  # departments are shared, not duplicated
    again = sheet_values(export_plan(copy))
    original = sheet_values(exported)
    again["計画"][1][1] = original["計画"][1][1]
    assert again == original
    assert copy.measures.first().history.count() == 1  # created through the ORM: history starts


def test_preview_lists_what_would_be_created_and_saves_nothing(seed_plan, exported):
    result = read_plan_workbook(renamed(exported))
    assert result.ok
    assert dict(result.summary()) == {"柱": 5, "推進項目": 15, "担当課の割当": 31, "指標": 23, "年度別の目標値": 92, "評価区分": 3}
    assert Plan.objects.count() == 1


def problems_of(data):
    before = (Plan.objects.count(), Measure.objects.count(), IndicatorYear.objects.count(), GradeBand.objects.count())
    result = import_plan(data)
    after = (Plan.objects.count(), Measure.objects.count(), IndicatorYear.objects.count(), GradeBand.objects.count())
    assert after == before, "a refused workbook must save nothing"
    assert not result.ok
    return [str(p) for p in result.problems]


def test_an_existing_plan_is_not_overwritten(seed_plan, exported):
    assert problems_of(exported) == ["シート「計画」・B2：URL名「2023-2026」の計画はすでにあります。別のURL名にしてください。"]


def test_every_bad_cell_is_located(seed_plan, exported):
    def spoil(workbook):
        workbook["計画"]["B2"] = "new"
        # rows 6-9 of 目標値 are measure 2's overtime hours, a numeric indicator
        workbook["目標値"]["D6"] = "たくさん"          # text in a number cell
        workbook["目標値"]["D7"] = "=1+1"              # a formula
        workbook["目標値"]["D8"] = -5                  # negative
        workbook["推進項目"]["B2"] = 9                 # no such pillar
        workbook["指標"]["H3"] = "文字"               # not a kind
        workbook["目標値"]["C9"] = "令和99年度"        # outside the period
        workbook["目標値"]["D3"] = "完了"              # not a stage of the milestone
    problems = problems_of(edited(exported, spoil))
    assert problems == [
        "シート「推進項目」・B2：柱番号 9 の柱が「柱」シートにありません。",
        "シート「指標」・H3：「種類」は「数値」「段階（マイルストーン）」のどれかにしてください。",
        "シート「目標値」・D3：「完了」はこの指標の段階にありません。",
        "シート「目標値」・D6：目標値「たくさん」は数値ではありません。数値、「未設定」または「対象外」を入力してください。",
        "シート「目標値」・D7：数式は使えません。値を入力してください。",
        "シート「目標値」・D8：目標値に負の数は使えません。",
        "シート「目標値」・C9：年度が計画期間の外です。",
    ]


def test_an_edited_header_or_another_template_is_refused(seed_plan, exported):
    def edit_header(workbook):
        workbook["計画"]["B2"] = "new"
        workbook["指標"]["C1"] = "指標名"
    assert problems_of(edited(exported, edit_header)) == [
        "シート「指標」・1行目：見出しが様式と違います（「事業No.」「指標番号」「名称」「仮の名称」「単位」「小数点以下の桁数」「注記」「種類」「方向」「累計値」「段階」が必要です）。書き出した計画ブックの様式を使ってください。"
    ]
    def other_template(workbook):
        workbook["形式"]["A1"] = "別の様式"
    assert "別の様式" not in problems_of(edited(exported, other_template))[0]
    assert "の様式ではありません" in problems_of(edited(exported, other_template))[0]


def test_files_that_are_not_workbooks(db):
    assert problems_of(b"") == ["ファイルが空です。"]
    assert problems_of("事業No.,名称\n1,x".encode()) == ["Excel ブック（.xlsx）ではありません。"]
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600  # encrypted .xlsx and legacy .xls are OLE files
    assert "パスワードで保護" in problems_of(ole)[0]
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("[Content_Types].xml", "not xml")
    assert problems_of(broken.getvalue()) == ["ファイルが壊れているため読み込めません。Excel で開けるか確かめてください。"]


@override_settings(EXCHANGE_MAX_UPLOAD_BYTES=1000)
def test_files_over_the_size_limit(seed_plan, exported):
    assert problems_of(exported) == ["ファイルが大きすぎます（上限 1 KB）。"]


@override_settings(EXCHANGE_MAX_ROWS=50)
def test_too_many_rows(seed_plan, exported):
    problems = problems_of(renamed(exported))
    assert problems == ["シート「目標値」・52行目：行が多すぎます（上限 50 行）。"]


def test_exported_text_never_becomes_a_formula(seed_plan):
    measure = seed_plan.measures.get(number=1)
    measure.subtitle = "=HYPERLINK(\"http://evil.example\")"
    measure.current_situation = "+1"
    measure.save()
    workbook = open_xlsx(export_plan(seed_plan))
    row = next(r for r in workbook["推進項目"].iter_rows(min_row=2) if r[0].value == 1)
    assert row[3].value == "=HYPERLINK(\"http://evil.example\")" and row[3].data_type == "s"
    assert row[3].quotePrefix and row[4].quotePrefix
    with zipfile.ZipFile(io.BytesIO(export_plan(seed_plan))) as archive:
        sheet_xml = b"".join(archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/"))
    assert b"<f>" not in sheet_xml
