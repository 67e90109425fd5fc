"""The measure list: a django-tables2 table and the form that filters it.

Rows are public.pages.MeasureRow; the table sorts them in Python, so sorting
never adds a query. The project template (templates/components/table.html)
gives the table its caption, `scope` on header cells and aria-sort. Cells are
written by public/markup.py (a template a cell cost more than the rest of the page);
`empty_values=()` has every cell rendered, an empty one included.
"""

from __future__ import annotations

import django_tables2 as tables
from django import forms
from django.forms.utils import flatatt
from django.utils.safestring import mark_safe

from . import markup


class MeasureTable(tables.Table):
    number = tables.Column(
        verbose_name="事業No.",
        attrs={"th": {"class": "col-number"}, "td": {"class": "num col-number"}},
        empty_values=(),
    )
    title = tables.Column(verbose_name="推進項目名称", orderable=False, empty_values=())
    pillar = tables.Column(
        verbose_name="柱", accessor="pillar_number", order_by=("pillar_number", "number"), empty_values=()
    )
    lead = tables.Column(verbose_name="担当課", accessor="lead_name", order_by=("lead_name", "number"), empty_values=())
    grade = tables.Column(verbose_name="評価", accessor="grade_key", order_by=("grade_key", "number"), empty_values=())

    # Read by templates/components/table.html.
    row_header = "title"
    stack_on_phone = True

    class Meta:
        template_name = "public/measure_table.html"
        attrs = {"class": "data-table data-table--stack measure-table"}
        orderable = True
        empty_text = "条件に合う推進項目はありません。"

    def __init__(self, *args, caption: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.caption = caption

    def render_number(self, record):
        return markup.link(record.url, record.number)

    def render_title(self, record):
        return markup.link(record.url, record.title)

    def render_pillar(self, record):
        return markup.link(record.pillar_url, record.pillar_label)

    def render_lead(self, record):
        return markup.department_list(record.view.departments)

    def render_grade(self, record):
        return markup.grade_list(record.view.indicators)


class PlainSelect(forms.Select):
    """A <select> written in Python, as Django's own template would write it (flat choices only):
    Django renders each option through a template of its own, which cost the measure list a quarter of its time."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(v) for v in self.format_value(value)}
        options = "".join(
            f'<option value="{markup.escape(str(choice))}"{" selected" if str(choice) in chosen else ""}>'
            f"{markup.escape(label)}</option>"
            for choice, label in self.choices
        )
        return mark_safe(f'<select name="{markup.escape(name)}"{flatatt(self.build_attrs(self.attrs, attrs))}>'
                         f"{options}</select>")


class MeasureFilterForm(forms.Form):
    """Filter by pillar (its number) and by department (any of the measure's departments)."""

    pillar = forms.TypedChoiceField(label="柱", required=False, coerce=int, empty_value=None, widget=PlainSelect)
    department = forms.TypedChoiceField(label="担当課", required=False, coerce=int, empty_value=None, widget=PlainSelect)

    def __init__(self, data=None, *, pillars=(), departments=()):
        super().__init__(data)
        self.fields["pillar"].choices = [("", "すべての柱")] + [(p.number, f"5つの柱{p.label}") for p in pillars]
        self.fields["department"].choices = [("", "すべての担当課")] + [(d.pk, d.name) for d in departments]

    def filters(self) -> dict:
        """The valid filters as keyword arguments; an unknown pillar or department is left out (and shown as an error)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: self.cleaned_data[name] for name in ("pillar", "department") if self.cleaned_data.get(name) is not None}
