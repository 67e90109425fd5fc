"""A measure opened while its plan has an open report gets a draft note in it (issue 9, point 12).

Opening a report gives each measure of the plan a draft note; a measure added later
gets one too, when it is created (reports.receivers → workflow.add_measure_to_open_report),
whether in the admin or anywhere else a Measure is saved. A published report gets nothing.
"""

from __future__ import annotations

import datetime

from django.urls import reverse

from plans.models import Department, Measure, Pillar, Plan
from reports import workflow
from reports.models import ProgressNote, ProgressReport


def add_measure_in_admin(client, user, plan, number, *, section="職員課"):
    client.force_login(user)
    response = client.post(reverse("admin:plans_measure_add"), {
        "plan": plan.pk, "pillar": plan.pillars.get(number=1).pk, "number": number, "title": "新しい推進項目",
        "subtitle": "", "current_situation": "", "approach": "",
        "assignments-TOTAL_FORMS": "1", "assignments-INITIAL_FORMS": "0",
        "assignments-MIN_NUM_FORMS": "0", "assignments-MAX_NUM_FORMS": "1000",
        "assignments-0-department": Department.objects.get(section=section).pk, "assignments-0-position": "1",
        "_save": "保存",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    return Measure.objects.get(plan=plan, number=number)


def test_a_measure_added_in_the_admin_gets_a_draft_note_in_the_open_report(client, seed_plan, people, report):
    measure = add_measure_in_admin(client, people["reviewer"], seed_plan, 16)
    note = ProgressNote.objects.get(report=report, measure=measure)
    assert note.status == ProgressNote.Status.DRAFT and note.text == ""
    assert report.notes.count() == 16
    first = note.history.earliest("history_date")
    assert (first.history_user, first.history_change_reason) == (people["reviewer"], "推進項目の追加")
    # Its department reports on it like on any other measure.
    shokuin = people["shokuin"]
    note = workflow.save_note(shokuin, note, expected_version=1, text="新しい取組を始めました。", results={})
    assert workflow.submit(shokuin, note).status == ProgressNote.Status.SUBMITTED
    client.force_login(shokuin)
    assert "No.16 新しい推進項目" in client.get(reverse("admin:index")).content.decode()


def test_a_measure_created_in_code_gets_one_too_and_only_in_its_plans_open_report(seed_plan, people, report):
    other = Plan.objects.create(slug="2027-2030", title="次期計画", municipality="市", first_fiscal_year=2027,
                                last_fiscal_year=2030)
    other_pillar = Pillar.objects.create(plan=other, number=1, name="ヒト")
    Measure.objects.create(plan=other, pillar=other_pillar, number=1, title="次期の推進項目")  # no open report there
    measure = Measure.objects.create(plan=seed_plan, pillar=seed_plan.pillars.get(number=2), number=16, title="追加")
    assert list(ProgressNote.objects.filter(measure__plan=other)) == []
    assert list(ProgressNote.objects.filter(measure=measure).values_list("report", flat=True)) == [report.pk]
    measure.title = "追加（改）"
    measure.save()  # a later save adds nothing
    assert ProgressNote.objects.filter(measure=measure).count() == 1


def test_a_published_report_gets_no_note_for_a_measure_added_after_it(seed_plan, people, report):
    workflow.publish(people["reviewer"], report)
    published = {r.pk: r.notes.count() for r in ProgressReport.objects.filter(plan=seed_plan)}
    measure = Measure.objects.create(plan=seed_plan, pillar=seed_plan.pillars.get(number=1), number=16, title="追加")
    assert not ProgressNote.objects.filter(measure=measure).exists()
    assert {r.pk: r.notes.count() for r in ProgressReport.objects.filter(plan=seed_plan)} == published
    # The next report opened has it, as every measure of the plan.
    later = workflow.open_report(people["reviewer"], ProgressReport(plan=seed_plan, as_of=datetime.date(2025, 9, 1)))
    assert later.notes.filter(measure=measure).exists()
