"""Tags that print the public pages' repeated HTML (public/markup.py) from a page template."""

from django import template

from .. import links, markup

register = template.Library()


@register.simple_tag
def measure_card(item, fiscal_year_label, role=""):
    return markup.measure_card(item, fiscal_year_label=fiscal_year_label, role=role)


@register.simple_tag
def measure_cards(items, fiscal_year_label, empty=""):
    return markup.measure_cards(items, fiscal_year_label=fiscal_year_label, empty=empty)


@register.simple_tag
def table_rows(table):
    return markup.table_rows(table)


@register.simple_tag
def report_measures(entries, fiscal_year_label):
    return markup.report_measures(entries, fiscal_year_label=fiscal_year_label)


@register.simple_tag
def report_contents(pillar_views):
    return markup.report_contents(pillar_views)


@register.simple_tag
def year_table(view, table_id, caption):
    return markup.year_table(view, table_id=table_id, caption=caption)


@register.simple_tag
def indicator_name(indicator):
    return markup.indicator_name(indicator)


@register.simple_tag
def department_links(departments):
    return markup.department_links(departments)


@register.simple_tag
def department_list(departments, empty=""):
    return markup.department_list(departments, empty=empty)


@register.simple_tag
def provisional_tag():
    return markup.PROVISIONAL_TAG


@register.simple_tag
def summary_table(labels, pillar_views, summary, plan_slug, table_id, caption):
    return markup.summary_table(labels, pillar_views, summary, plan_slug=plan_slug, table_id=table_id, caption=caption)


@register.simple_tag
def year_summary_table(years, labels, headline_is_graded, table_id, caption):
    return markup.year_summary_table(years, labels, headline_is_graded=headline_is_graded, table_id=table_id,
                                     caption=caption)


@register.simple_tag
def turned_summary_table(grid, corner, table_id, caption):
    return markup.turned_summary_table(grid, corner=corner, table_id=table_id, caption=caption)


@register.simple_tag
def page_url(name, *args):
    """{% url %} for the site's and a plan's pages, reversed once per process (public.links.page)."""
    return links.page(name, *args)
