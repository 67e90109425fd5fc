"""Reports published before they kept a snapshot get one now, from the live plan as it stands.

That is the best there is: an edit made between a report's publication and this
migration is taken into its snapshot. From now on the report is frozen: later
edits of the plan no longer change it. The document is reports.snapshot's
schema 1, built here with the models of this migration (a migration must not
depend on code that may change later).
"""

from django.db import migrations
from django.db.models import Q


def snapshot_of(apps, report):
    Pillar, Measure = apps.get_model("plans", "Pillar"), apps.get_model("plans", "Measure")
    MeasureDepartment = apps.get_model("plans", "MeasureDepartment")
    Indicator, MilestoneStage = apps.get_model("indicators", "Indicator"), apps.get_model("indicators", "MilestoneStage")
    plan = report.plan
    # The plan's measures, and any measure whose indicator the report's figures name (one moved since).
    measures = list(
        Measure.objects.filter(Q(plan=plan) | Q(indicators__published_years__report=report))
        .distinct().select_related("pillar").order_by("number", "pk")
    )
    measure_ids = [m.pk for m in measures]
    assignments = {}
    for a in MeasureDepartment.objects.filter(measure_id__in=measure_ids).select_related("department").order_by("position"):
        assignments.setdefault(a.measure_id, []).append(
            {"id": a.department_id, "division": a.department.division, "section": a.department.section}
        )
    stages = {}
    for s in MilestoneStage.objects.filter(indicator__measure_id__in=measure_ids).order_by("position"):
        stages.setdefault(s.indicator_id, []).append({"id": s.pk, "position": s.position, "label": s.label})
    indicators = {}
    for i in Indicator.objects.filter(measure_id__in=measure_ids).order_by("slot"):
        indicators.setdefault(i.measure_id, []).append({
            "id": i.pk, "slot": i.slot, "name": i.name, "name_is_provisional": i.name_is_provisional,
            "unit": i.unit, "decimal_places": i.decimal_places, "note": i.note, "kind": i.kind,
            "direction": i.direction, "is_cumulative": i.is_cumulative, "stages": stages.get(i.pk, []),
        })
    pillars = {p.number: p.name for p in Pillar.objects.filter(plan=plan)}
    pillars.update((m.pillar.number, m.pillar.name) for m in measures if m.pillar.number not in pillars)
    return {
        "schema": 1,
        "plan": {
            "title": plan.title, "municipality": plan.municipality,
            "first_fiscal_year": plan.first_fiscal_year, "last_fiscal_year": plan.last_fiscal_year,
        },
        "pillars": [{"number": number, "name": pillars[number]} for number in sorted(pillars)],
        "measures": [
            {
                "id": m.pk, "number": m.number, "pillar": m.pillar.number, "title": m.title, "subtitle": m.subtitle,
                "current_situation": m.current_situation, "approach": m.approach,
                "departments": assignments.get(m.pk, []), "indicators": indicators.get(m.pk, []),
            }
            for m in measures
        ],
    }


def freeze(apps, schema_editor):
    ProgressReport = apps.get_model("reports", "ProgressReport")
    for report in ProgressReport.objects.filter(published_at__isnull=False).select_related("plan"):
        if not report.published_content:
            # update(), not save(): a published report refuses saves, and this is no new version of it.
            ProgressReport.objects.filter(pk=report.pk).update(published_content=snapshot_of(apps, report))


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0002_progressreport_published_content"),
        ("plans", "0006_move_reporting"),
        ("indicators", "0003_move_reporting"),
    ]

    operations = [
        migrations.RunPython(freeze, migrations.RunPython.noop),
    ]
