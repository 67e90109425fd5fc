"""The measure list's filters write their <select> in Python (public.tables.PlainSelect): the same
element Django's own Select widget writes, chosen option and error attributes included."""

from django import forms
from django.test.html import parse_html

from public.tables import MeasureFilterForm


class Named:
    def __init__(self, number, label):
        self.pk = self.number = number
        self.label = self.name = label


PILLARS = [Named(1, "ヒト"), Named(2, "モノ<&>\"")]


def test_the_select_is_the_one_djangos_widget_writes():
    for data in (None, {"pillar": "2"}, {"pillar": "2", "department": "99"}):
        form = MeasureFilterForm(data, pillars=PILLARS, departments=PILLARS)
        form.filters()
        ours = str(form["pillar"]) + str(form["department"])
        for name in ("pillar", "department"):
            form.fields[name].widget = forms.Select(choices=form.fields[name].choices)
        djangos = str(form["pillar"]) + str(form["department"])
        assert parse_html(ours) == parse_html(djangos)
    assert 'value="2" selected' in ours and "&lt;&amp;&gt;&quot;" in ours and 'aria-invalid="true"' in ours
