"""Bulk and single submissions of the same notes at the same instant, on PostgreSQL's row locks:
one wins whole, the others submit nothing, and nobody waits forever (the fixed lock order)."""

import threading

import pytest
from django.db import connection, connections

from reports import workflow
from reports.models import Action, ProgressNote
from tests.workflow_helpers import department, open_report, reviewer, staff


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL; SQLite serialises writes")
def test_simultaneous_bulk_and_single_submissions(seed_plan):
    report = open_report(seed_plan, reviewer("shinsa"))
    users = [staff(name, department("総務部", "職員課")) for name in ("sato", "suzuki", "tanaka")]
    notes = []
    for number in (1, 2):
        note = ProgressNote.objects.get(report=report, measure__number=number)
        notes.append(workflow.save_note(users[0], note, expected_version=note.version, text="進めました。", results={}))
    seen = {note.pk: note.version for note in notes}
    barrier = threading.Barrier(3)
    outcomes = {}

    def act(index):
        try:
            barrier.wait()
            if index == 2:
                workflow.submit(users[2], notes[1])  # one note alone, while two others submit both
            else:
                workflow.submit_all(users[index], dict(reversed(seen.items())) if index else seen)
            outcomes[index] = "submitted"
        except (workflow.NotSubmitted, workflow.permissions.NotAllowed) as refused:
            outcomes[index] = refused
        finally:
            connections.close_all()

    threads = [threading.Thread(target=act, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "a submission is still waiting: a lock cycle"
    winners = [i for i, outcome in outcomes.items() if outcome == "submitted"]
    assert len(winners) == 1, outcomes
    statuses = dict(ProgressNote.objects.filter(pk__in=seen).values_list("measure__number", "status"))
    submits = list(Action.objects.filter(kind=Action.Kind.SUBMIT).values_list("user__username", flat=True))
    if winners == [2]:  # the single submission won: the bulk ones submitted nothing at all
        assert statuses == {1: "draft", 2: "submitted"} and submits == ["tanaka"]
    else:
        assert statuses == {1: "submitted", 2: "submitted"} and submits == [users[winners[0]].username] * 2
