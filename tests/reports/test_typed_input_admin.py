"""Issue 13, points 4-6, through the admin as staff and the reform office use it: dates as typed, a past
deadline confirmed, the current plan preselected, result precision per indicator, 未着手, and saves or
uploads that change nothing recording nothing."""

import datetime
import html
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from core import fiscal_years
from exchange import result_template
from indicators import achievement
from indicators.models import NOT_STARTED, Indicator, IndicatorYear, MilestoneStage
from plans.models import Plan
from reports import workflow
from reports.models import Action, ProgressNote, ProgressReport
from tests.exchange.helpers import edited, open_xlsx

ADD = "admin:reports_progressreport_add"


def note_of(report, number):
    return ProgressNote.objects.get(report=report, measure__number=number)


def year_of(number, slot, fiscal_year):
    return IndicatorYear.objects.select_related("indicator").get(
        indicator__measure__number=number, indicator__slot=slot, fiscal_year=fiscal_year)


def edit_url(note):
    return reverse("admin:reports_progressnote_change", args=[note.pk])


def posted_as_shown(page: str) -> dict:
    """What a browser posts when the person presses 下書きを保存 without touching anything."""
    data = {"_save": "1"}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        if name and name[1].startswith(("result_", "version")):
            value = re.search(r'value="([^"]*)"', tag)
            data[name[1]] = html.unescape(value[1]) if value else ""
    for name, options in re.findall(r'<select name="(result_\d+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', options)
        data[name] = chosen[1] if chosen else ""
    text = re.search(r'<textarea name="text"[^>]*>\n?(.*?)</textarea>', page, re.S)
    data["text"] = html.unescape(text[1]).replace("\n", "\r\n")  # browsers send CRLF
    return data


def in_range_dates():
    """A report date inside the seed plan's range and a deadline after today (today's date never fixed)."""
    today = timezone.localdate()
    as_of = min(today, datetime.date(2028, 3, 31))
    return as_of, max(as_of, today) + datetime.timedelta(days=14)


# --- point 4: dates as people type them -------------------------------------------------------------


@pytest.mark.parametrize("typed", ["令和6年9月1日", "R6.9.1", "2024/9/1", "２０２４年９月１日", "Ｒ６．９．１"])
def test_report_dates_are_read_in_every_form_people_type(client, seed_plan, people, typed):
    client.force_login(people["reviewer"])
    response = client.post(reverse(ADD), {"plan": seed_plan.pk, "as_of": typed, "due_date": "R6.9.30",
                                          "confirm_past_due_date": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    report = seed_plan.reports.get(published_at__isnull=True)
    assert (report.as_of, report.due_date) == (datetime.date(2024, 9, 1), datetime.date(2024, 9, 30))


def test_a_date_that_cannot_be_read_says_which_forms_are_read(client, seed_plan, people):
    client.force_login(people["reviewer"])
    page = client.get(reverse(ADD)).content.decode()
    assert "令和6年9月1日、R6.9.1" in page  # the help text of both date fields
    response = client.post(reverse(ADD), {"plan": seed_plan.pk, "as_of": "平成31年5月1日", "due_date": "2024/13/1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "その日は令和元年5月1日です" in page
    assert "「2024/13/1」という日付はありません" in page
    assert not seed_plan.reports.filter(published_at__isnull=True).exists()


def test_the_plans_publication_date_is_read_as_typed_too(rf_admin_form):
    form = rf_admin_form({"published_at_0": "令和5年9月1日", "published_at_1": "9:00"})
    assert form.is_valid(), form.errors
    assert timezone.localtime(form.cleaned_data["published_at"]).replace(tzinfo=None) == datetime.datetime(2023, 9, 1, 9)
    assert "R6.9.1" in str(form.fields["published_at"].help_text)


@pytest.fixture
def rf_admin_form(seed_plan, people):
    """The plan's admin form (as the reform office's page builds it), filled with the seed plan and `changes`."""
    from django.contrib import admin

    request = RequestFactory().get("/")
    request.user = people["admin"]
    model_admin = admin.site.get_model_admin(Plan)
    form_class = model_admin.get_form(request, seed_plan)
    data = {name: getattr(seed_plan, name) for name in ("slug", "title", "municipality", "policy", "first_fiscal_year",
                                                          "last_fiscal_year", "introduction")}
    return lambda changes: form_class(data={**data, **changes}, instance=seed_plan)


def test_a_past_deadline_is_saved_only_when_confirmed(client, seed_plan, people):
    client.force_login(people["reviewer"])
    as_of = min(timezone.localdate(), datetime.date(2028, 3, 31)) - datetime.timedelta(days=30)
    past = as_of + datetime.timedelta(days=5)
    data = {"plan": seed_plan.pk, "as_of": fiscal_years.era_date(as_of), "due_date": fiscal_years.era_date(past)}
    page = client.get(reverse(ADD)).content.decode()
    assert 'type="checkbox" name="confirm_past_due_date"' not in page  # no checkbox until it is needed
    response = client.post(reverse(ADD), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert f"提出期限（{fiscal_years.era_date(past)}）は今日" in page and "より前です" in page
    assert 'type="checkbox" name="confirm_past_due_date"' in page  # appears with the warning
    assert not seed_plan.reports.filter(published_at__isnull=True).exists()
    response = client.post(reverse(ADD), {**data, "confirm_past_due_date": "on"})
    assert response.status_code == 302
    assert seed_plan.reports.get(published_at__isnull=True).due_date == past


def test_a_future_deadline_needs_no_confirmation_and_an_edit_to_a_past_one_does(client, seed_plan, people):
    client.force_login(people["reviewer"])
    as_of, due = in_range_dates()
    response = client.post(reverse(ADD), {"plan": seed_plan.pk, "as_of": str(as_of), "due_date": str(due)})
    assert response.status_code == 302
    report = seed_plan.reports.get(published_at__isnull=True)
    url = reverse("admin:reports_progressreport_change", args=[report.pk])
    past = timezone.localdate() - datetime.timedelta(days=1)
    if past >= report.as_of:
        response = client.post(url, {"as_of": str(report.as_of), "due_date": past.strftime("%Y/%m/%d")})
        assert response.status_code == 200 and "過去の提出期限のまま保存する" in response.content.decode()
        report.refresh_from_db()
        assert report.due_date == due


def test_the_only_current_plan_is_preselected(client, seed_plan, people):
    client.force_login(people["reviewer"])
    page = client.get(reverse(ADD)).content.decode()
    running = seed_plan.holds_fiscal_year(fiscal_years.of_date(timezone.localdate()))
    assert (f'<option value="{seed_plan.pk}" selected>' in page) is running
    workflow.open_report(people["reviewer"], ProgressReport(plan=seed_plan, as_of=datetime.date(2024, 9, 1)))
    page = client.get(reverse(ADD)).content.decode()
    assert f'<option value="{seed_plan.pk}" selected>' not in page  # it has a report open already


# --- point 4: result precision, set per indicator -----------------------------------------------------


def test_percentages_take_one_decimal_and_more_are_refused_with_how_many(client, report, people):
    telework = year_of(2, 2, 2023)
    assert telework.indicator.unit == "%" and telework.indicator.result_decimal_places == 1  # the seed's setting
    note = note_of(report, 2)
    client.force_login(people["shokuin"])
    data = {**posted_as_shown(client.get(edit_url(note)).content.decode()), f"result_{telework.pk}": "22.55"}
    page = client.post(edit_url(note), data).content.decode()
    assert "この指標の結果は小数点以下1桁まで入力できます。" in page
    assert not note.result_entries.exists()
    response = client.post(edit_url(note), {**data, f"result_{telework.pk}": "２２．５％"})
    assert response.status_code == 302
    assert note.result_entries.get().value == Decimal("22.5")
    page = client.get(edit_url(note)).content.decode()
    assert 'value="22.5"' in page  # shown as entered, not rounded to the target's 0 decimals


def test_the_reform_office_sets_the_precision_and_the_upload_follows_the_same_rule(report, people):
    overtime = year_of(2, 1, 2023)
    user = people["shokuin"]
    key = (2, "①", "令和5年度")

    def upload(value):
        def edit(workbook):
            for row in workbook["結果"].iter_rows(min_row=2):
                if (row[0].value, row[2].value, row[4].value) == key:
                    row[6].value = value
        return result_template.read_upload(user, report, edited(result_template.template_workbook(user, report), edit))

    refused = upload(34068.5)
    assert [p.message for p in refused.problems] == ["この指標の結果は整数で入力してください（小数点以下は入力できません）。"]
    Indicator.objects.filter(pk=overtime.indicator_id).update(result_decimal_places=1)
    assert upload(34068.5).ok
    refused = upload("34,068.25時間")
    assert [p.message for p in refused.problems] == ["この指標の結果は小数点以下1桁まで入力できます。"]


# --- point 5: 未着手 -----------------------------------------------------------------------------------


def test_not_started_is_a_choice_and_milestone_rows_get_no_number_hint(client, report, people):
    client.force_login(people["shokuin"])
    milestone_page = client.get(edit_url(note_of(report, 1))).content.decode()
    assert f">{NOT_STARTED}</option>" in milestone_page
    assert milestone_page.index(NOT_STARTED) < milestone_page.index("検討80%</option>")  # before the first stage
    assert "数字は「34,068」" not in milestone_page  # measure 1 has a milestone indicator only
    assert "数字は「34,068」" in client.get(edit_url(note_of(report, 2))).content.decode()


def test_not_started_is_saved_published_and_graded_as_not_reached(client, report, people):
    year = year_of(1, 1, 2023)
    stage = MilestoneStage.objects.get(indicator=year.indicator, label=NOT_STARTED)
    note = note_of(report, 1)
    client.force_login(people["shokuin"])
    data = {**posted_as_shown(client.get(edit_url(note)).content.decode()),
            f"result_{year.pk}": str(stage.pk), "text": "制度の検討に着手できていません。"}
    assert client.post(edit_url(note), data).status_code == 302
    assert note.result_entries.get().stage == stage
    note = workflow.submit(people["shokuin"], note_of(report, 1))
    workflow.approve(people["reviewer"], note)
    workflow.publish(people["reviewer"], report)
    year.refresh_from_db()
    assert year.result_stage == stage
    # Graded after the year: not reached, the lowest band, like any stage before the target.
    assessment = achievement.assess(year.indicator, year, bands=achievement.DEFAULT_BANDS,
                                    today=datetime.date(2024, 9, 1))
    assert assessment.reached is False and assessment.label == achievement.DEFAULT_BANDS[-1].label
    # Written as text where results are: the report's workbook.
    client.logout()
    response = client.get(reverse("exchange:report-xlsx", args=[report.plan.slug, report.as_of.isoformat()]))
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response)), read_only=True)
    values = [cell for row in workbook.worksheets[0].iter_rows(values_only=True) for cell in row]
    workbook.close()
    assert NOT_STARTED in values


def test_a_new_milestone_indicator_gets_its_not_started_stage(seed_plan):
    measure = seed_plan.measures.get(number=3)
    indicator = Indicator.objects.create(measure=measure, slot=9, name="新しい段階の指標", kind=Indicator.Kind.MILESTONE)
    assert [(s.position, s.label) for s in indicator.stages.all()] == [(0, NOT_STARTED)]
    numeric = Indicator.objects.create(measure=measure, slot=8, name="新しい数値の指標")
    assert not numeric.stages.exists()


# --- point 6: no phantom changes ----------------------------------------------------------------------


def test_saving_the_page_unchanged_records_nothing(client, report, people):
    note = note_of(report, 2)
    telework = year_of(2, 2, 2023)
    client.force_login(people["shokuin"])
    first = {**posted_as_shown(client.get(edit_url(note)).content.decode()),
             "text": "\u3000令和6年度は時間外勤務を削減しました。\r\n\r\n次の段落。  ", f"result_{telework.pk}": "22.5"}
    assert client.post(edit_url(note), first).status_code == 302
    note.refresh_from_db()
    version, actions = note.version, Action.objects.count()
    records = note.history.count(), telework.result_entries.get().history.count()
    for _ in range(2):
        data = posted_as_shown(client.get(edit_url(note)).content.decode())
        assert client.post(edit_url(note), data).status_code == 302
    data["text"] = "\r\n" + data["text"] + "\u3000 \r\n"  # spacing around it: not a change once stored
    assert client.post(edit_url(note), data).status_code == 302
    note.refresh_from_db()
    assert note.version == version and Action.objects.count() == actions
    assert (note.history.count(), telework.result_entries.get().history.count()) == records


def test_a_result_change_with_the_text_unchanged_records_the_result_only(report, people):
    note = note_of(report, 2)
    telework = year_of(2, 2, 2023)
    note = workflow.save_note(people["shokuin"], note, expected_version=1, text="記述", results={})
    note = workflow.save_note(people["shokuin"], note, expected_version=note.version, text=" 記述\n",
                              results={telework.pk: Decimal("18")})
    action = Action.objects.filter(note=note).latest("id")
    assert "text" not in action.changes and [r["after"] for r in action.changes["results"]] == ["18%"]
    assert note.text == "記述"


def test_an_unchanged_upload_previews_and_records_nothing(report, people):
    user = people["shokuin"]
    note = note_of(report, 2)
    telework = year_of(2, 2, 2023)
    workflow.save_note(user, note, expected_version=1, text="一行目\n\n二行目", results={telework.pk: Decimal("22.5")})
    actions = Action.objects.count()
    template = result_template.template_workbook(user, report)
    assert open_xlsx(template)["結果"]  # a real workbook
    upload = result_template.read_upload(user, report, template)
    assert upload.ok and upload.changes == [] and upload.notes == {}

    def pad(workbook):  # the narrative retyped with spacing around it, line breaks as Excel keeps them
        for row in workbook["活動経過"].iter_rows(min_row=2):
            if row[0].value == 2:
                row[2].value = " 一行目\r\n\r\n二行目 \n"
    upload = result_template.read_upload(user, report, edited(template, pad))
    assert upload.ok and upload.changes == []
    assert Action.objects.count() == actions


def test_a_decimal_result_is_shown_with_its_decimals_in_workbooks_and_pages(client, report, people):
    telework = year_of(2, 2, 2023)
    user = people["shokuin"]
    note = workflow.save_note(user, note_of(report, 2), expected_version=1, text="記述", results={telework.pk: Decimal("22.5")})
    template = open_xlsx(result_template.template_workbook(user, report))
    cell = next(r[6] for r in template["結果"].iter_rows(min_row=2) if (r[0].value, r[2].value, r[4].value) == (2, "②", "令和5年度"))
    assert (cell.value, cell.number_format) == (22.5, '#,##0.0"%"')  # Excel shows 22.5%, not 23%
    workflow.approve(people["reviewer"], workflow.submit(user, note))
    workflow.publish(people["reviewer"], report)
    response = client.get(reverse("exchange:report-xlsx", args=[report.plan.slug, report.as_of.isoformat()]))
    workbook = open_xlsx(b"".join(response))
    formats = [c.number_format for row in workbook.worksheets[0].iter_rows() for c in row if c.value == 22.5]
    assert formats and all(f == '#,##0.0"%"' for f in formats)
    page = client.get(reverse("public:measure", args=[report.plan.slug, 2])).content.decode()
    assert "22.5%" in page
