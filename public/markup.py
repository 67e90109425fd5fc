"""The HTML the public pages repeat once an item: a measure's card, an indicator's year table,
a grade. Written in Python rather than as included templates because a page of 200 measures
repeats them hundreds of times, and each {% include %} with its lookups cost more than the
rest of the page (bench/public_pages.py). The page templates print them through the tags in
public/templatetags/public_markup.py.

Every value is escaped here as a template would (escape() below); only these functions' own
output is marked safe.
"""

from __future__ import annotations

import html
from functools import lru_cache

from django.utils.html import linebreaks
from django.utils.safestring import SafeString, mark_safe

from indicators import achievement

from . import links


# A page repeats the same few texts thousands of times (令和5年度, 達成, units): each is escaped once.
_escape_text = lru_cache(maxsize=8192)(html.escape)


def escape(value) -> str:
    """What the templates' autoescaping does (conditional_escape: safe strings pass as they are),
    without the wrapper for lazy strings that made it a tenth of a page's time."""
    if type(value) is str:
        return _escape_text(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))

PROVISIONAL_TAG = mark_safe(
    '<span class="tag tag--provisional" title="原資料で名称が読み取れず、資料の記述から補った名称です">仮称</span>'
)


def no_value(label: str = "") -> SafeString:
    """An empty cell that says so to screen readers too."""
    return SafeString(f'<span aria-hidden="true">—</span><span class="visually-hidden">{escape(label or "なし")}</span>')


def grade_tag(assessment, rate: str = "") -> SafeString:
    """An assessment (indicators.achievement) as text, never colour alone, with its rate when it has one."""
    return _grade_tag(assessment.tone, assessment.is_grade, assessment.label, rate)


@lru_cache(maxsize=4096)  # a few grades and rates, repeated on every row of a page
def _grade_tag(tone: str, is_grade: bool, label: str, rate: str) -> SafeString:
    state = "" if is_grade else " tag--state"
    rate_html = f' <span class="grade__rate">達成率 {escape(rate)}</span>' if rate else ""
    return SafeString(
        f'<span class="grade"><span class="tag tag--{escape(tone)}{state}">{escape(label)}</span>{rate_html}</span>'
    )


def indicator_name(indicator) -> SafeString:
    """指標① 名称, tagged 仮称 when the name was derived (name_is_provisional)."""
    tag = f" {PROVISIONAL_TAG}" if indicator.name_is_provisional else ""
    return SafeString(f"指標{escape(indicator.slot_label)} {escape(indicator.name)}{tag}")


def link(url: str, text) -> SafeString:
    return SafeString(f'<a href="{escape(url)}">{escape(text)}</a>')


def _split_collective(departments) -> tuple[list, list]:
    """Sections, which have a page, apart from a collective row (関係各課, Department.is_collective), which has none."""
    return [d for d in departments if not d.is_collective], [d for d in departments if d.is_collective]


def department_list(departments, *, empty: str = "") -> SafeString:
    """A measure's departments as a list, the lead marked when there are several sections; 関係各課 as text
    after them (ほか関係各課)."""
    if not departments:
        return SafeString(f'<ul class="plain-list"><li>{escape(empty)}</li></ul>') if empty else no_value()
    sections, collective = _split_collective(departments)
    lead = '<span class="role">（主担当）</span>' if len(sections) > 1 and sections[0] is departments[0] else ""
    items = [
        f'<li><a href="{links.department(d.pk)}">{escape(d.name)}</a>{lead if i == 0 else ""}</li>'
        for i, d in enumerate(sections)
    ]
    items += [f'<li class="collective-departments">{"ほか" if sections else ""}{escape(d.name)}</li>' for d in collective]
    return SafeString(f'<ul class="plain-list">{"".join(items)}</ul>')


def grade_list(indicator_views) -> SafeString:
    """Each indicator's grade in the focus year, or that it has no target then."""
    if not indicator_views:
        return SafeString("指標なし")
    items = "".join(
        f'<li><span class="grade-list__slot">指標{escape(view.indicator.slot_label)}</span> '
        f'{grade_tag(view.focus.assessment, view.focus.rate) if view.focus else _NO_TARGET_THEN}</li>'
        for view in indicator_views
    )
    return SafeString(f'<ul class="plain-list grade-list">{items}</ul>')


def table_rows(table) -> SafeString:
    """The body rows of a django-tables2 table as templates/components/table.html writes them, for a
    table whose every cell comes from its render_<column>(record) method and whose cell attributes
    do not depend on the row (MeasureTable). django-tables2's own way, which inspects the render
    method's signature for every cell, cost more than the rest of the measure list."""
    stack = table.stack_on_phone
    cells = []
    for column in table.columns:
        attrs = column.attrs["td"].as_html()
        if column.name == table.row_header:
            opening, closing = f'<th scope="row" {attrs}>', "</th>"
        else:
            label = f' data-label="{escape(column.header)}"' if stack else ""
            opening, closing = f"<td{label} {attrs}>", "</td>"
        cells.append((getattr(table, f"render_{column.name}"), opening, closing))
    rows = []
    for record in table.data:  # in the table's order; rows carry no attributes (tables2's even/odd are not styled)
        row_html = "".join(f"{opening}{escape(render(record=record))}{closing}" for render, opening, closing in cells)
        rows.append(f"<tr>{row_html}</tr>\n")
    if not rows and table.empty_text:
        rows.append(f'<tr><td colspan="{len(table.columns)}">{escape(table.empty_text)}</td></tr>')
    return SafeString("".join(rows))


def department_links(departments, *, separator: str = "、", empty: str = "") -> SafeString:
    """Each section linked to its page, the lead first; 関係各課 as text after them (「…ほか関係各課」)."""
    if not departments:
        return SafeString(empty)
    sections, collective = _split_collective(departments)
    linked = separator.join(f'<a href="{links.department(d.pk)}">{escape(d.name)}</a>' for d in sections)
    rest = "".join(f'{"ほか" if sections else ""}{escape(d.name)}' for d in collective)
    return SafeString(f"{linked}{rest}")


_YEAR_TABLE_HEAD = (
    '<thead>\n<tr>\n'
    '<th scope="col">年度</th>\n'
    '<th scope="col" class="num">目標値<span class="th-sub">（各年度末時点）</span></th>\n'
    '<th scope="col" class="num">結果</th>\n'
    '<th scope="col">評価</th>\n'
    "</tr>\n</thead>\n"
)
_NO_RESULT = no_value("結果なし")
_NO_TARGET_THEN = no_value("この年度の目標値はありません")


def year_table(view, *, table_id: str, caption: str) -> SafeString:
    """Every fiscal year of an indicator (an IndicatorView): target, result, grade. The stylesheet knows
    the target and result columns for numbers and, under 48rem, where each year becomes a labelled
    block, names the cells by their column (static/css/site.css, .year-table): not a class or a
    data-label on each cell, which a 200-measure report repeated 13,000 times. The table keeps
    its native semantics, with no ARIA roles, which HTML forbids on a table's own rows and cells.
    A cell holds one element or text, so that the block's grid takes it as one item."""
    rows = []
    for row in view.years:
        if row.result:
            total = f'<span class="cell-sub">累計 {escape(row.running_total)}</span>' if row.running_total else ""
            result = f"<span>{escape(row.result)}{total}</span>" if total else escape(row.result)
        else:
            result = _NO_RESULT_CELL
        rows.append(
            f'<tr{_FOCUS if row.is_focus else ""}><th scope="row">{escape(row.label)}</th>'
            f'<td{"" if row.target_is_set else _STATE}>{escape(row.target)}</td>'
            f"<td>{result}</td>"
            f"<td>{grade_tag(row.assessment, row.rate)}</td></tr>\n"
        )
    if not rows:
        rows.append('<tr><td colspan="4">年度別の目標値はまだ設定されていません。</td></tr>\n')
    return SafeString(
        f'<table class="data-table data-table--stack year-table" id="years-{escape(table_id)}">\n'
        f"<caption>{escape(caption)}</caption>\n{_YEAR_TABLE_HEAD}"
        f'<tbody>\n{"".join(rows)}</tbody>\n</table>'
    )


_FOCUS = ' class="is-focus"'
_STATE = ' class="is-state"'
_NO_RESULT_CELL = f"<span>{_NO_RESULT}</span>"


def report_measure(entry, *, fiscal_year_label: str) -> SafeString:
    """A measure in a published report (a ReportMeasure): its departments, each indicator's year
    table as of the report's date, and its narrative."""
    measure = entry.view.measure
    number = measure.number
    parts = [
        f'<section class="report-measure" id="measure-{number}" aria-labelledby="report-measure-{number}">\n'
        f'<h3 id="report-measure-{number}"><span class="measure-number">事業No.{number}</span> '
        f"{escape(measure.full_title)}</h3>\n"
        '<p class="measure-departments"><span class="measure-departments__label">担当課：</span>'
        f"{department_links(entry.view.departments)}</p>\n"
        f'<p class="more no-print"><a href="{escape(entry.url)}">この推進項目の現状と課題・活動内容を見る</a></p>\n'
    ]
    for view in entry.view.indicators:
        slot = view.indicator.slot_label
        parts.append(f'<h4 class="report-indicator">{indicator_name(view.indicator)}</h4>\n')
        parts.append(year_table(view, table_id=f"{number}-{slot}", caption=f"指標{slot}の目標値と結果（基準日時点）"))
        parts.append("\n")
    parts.append(f"<h4>{escape(fiscal_year_label)}の活動経過・今後の予定</h4>\n")
    if entry.note:
        parts.append(linebreaks(entry.note.text, autoescape=True))
    elif entry.not_submitted:  # chosen when publishing: say so rather than leave the measure out
        parts.append('<p><span class="tag tag--state">未提出</span> '
                     "この推進項目の活動経過・今後の予定は、公表の時点で経営改革課の承認を受けていません。"
                     "指標の結果は、それまでに公表した値です。</p>")
    else:
        parts.append("<p>この報告には掲載していません。</p>")
    parts.append("\n</section>")
    return SafeString("".join(parts))


def report_contents(pillar_views) -> SafeString:
    """A report's table of contents: each pillar with its measures, linked to their sections
    (report_measure), 未提出 marked. Written here, not as a template loop, for the same reason as the
    sections: a 200-measure report repeats it 200 times."""
    items = []
    for pillar_view in pillar_views:
        links_html = "".join(
            f'<li><a href="#measure-{entry.view.measure.number}">事業No.{entry.view.measure.number} '
            f'{escape(entry.view.measure.full_title)}</a>{"（未提出）" if entry.not_submitted else ""}</li>'
            for entry in pillar_view.measures
        )
        items.append(f"<li>5つの柱{escape(pillar_view.pillar.label)}\n<ul>{links_html}</ul>\n</li>\n")
    return SafeString(f'<ol class="toc__pillars">\n{"".join(items)}</ol>')


def report_measures(entries, *, fiscal_year_label: str) -> SafeString:
    """A pillar's measures in a report, one section each (report_measure)."""
    return SafeString("\n".join(report_measure(entry, fiscal_year_label=fiscal_year_label) for entry in entries))


# The trend's arrow is decoration (aria-hidden): the word says it, whatever the colour.
_TREND_ARROWS = {achievement.IMPROVED: "↑", achievement.WORSENED: "↓", achievement.UNCHANGED: "→"}
_TREND_TONES = {achievement.IMPROVED: "up", achievement.WORSENED: "down", achievement.UNCHANGED: "flat"}


def trend_text(trend) -> SafeString:
    """改善 / 悪化 / 横ばい with an arrow, and the earlier graded year it is measured against."""
    earlier = f"達成率 {escape(trend.previous_rate)}" if trend.previous_rate else escape(trend.previous.label)
    return SafeString(
        f'<span class="trend trend--{_TREND_TONES[trend.direction]}"><span aria-hidden="true">{_TREND_ARROWS[trend.direction]}</span> '
        f"{escape(trend.direction)}</span>"
        f'<span class="trend__from">（{escape(trend.previous_label)}：{earlier}）</span>'
    )


def _figures(row, trend, *, interim: bool = False) -> str:
    """One year of an indicator on a card: target, result, grade (and the trend)."""
    if row.result:
        total = f"（累計 {escape(row.running_total)}）" if row.running_total else ""
        result = f"{escape(row.result)}{total}"
    else:
        result = no_value("まだありません")
    trend_html = f"<div><dt>推移</dt><dd>{trend_text(trend)}</dd></div>\n" if trend else ""
    return (
        f'<dl class="figures{" figures--interim" if interim else ""}">\n'
        f'<div><dt>目標値<span class="figures__year">（{escape(row.label)}）</span></dt>'
        f"<dd>{escape(row.target)}</dd></div>\n"
        f"<div><dt>結果</dt><dd>{result}</dd></div>\n"
        f"<div><dt>評価</dt><dd>{grade_tag(row.assessment, row.rate)}</dd></div>\n"
        f"{trend_html}"
        "</dl>\n"
    )


def measure_card(item, *, fiscal_year_label: str, role: str = "") -> SafeString:
    """A measure (a MeasureView) at a glance: its title, departments and, per indicator, its latest
    graded year (target, result, grade) with the trend against the graded year before it, and the
    current year's result while that year runs (年度途中). An indicator with no graded year shows
    the page's year (`focus`) as it stands."""
    measure = item.measure
    anchor = f"measure-{measure.plan_id}-{measure.number}"
    parts = [
        f'<article class="measure-card" aria-labelledby="{anchor}">\n'
        f'<h3 class="measure-card__title" id="{anchor}"><a href="{links.measure(measure.plan.slug, measure.number)}">'
        f'<span class="measure-number">事業No.{measure.number}</span> '
        f'<span class="measure-title">{escape(measure.full_title)}</span></a></h3>\n'
    ]
    if role:
        parts.append(f'<p class="measure-card__role"><span class="tag tag--role">{escape(role)}</span></p>\n')
    parts.append(
        '<p class="measure-departments"><span class="measure-departments__label">担当課：</span>'
        f'{department_links(item.departments, empty="（なし）")}</p>\n'
    )
    if item.indicators:
        parts.append('<ul class="indicator-glance">\n')
        for view in item.indicators:
            parts.append(f'<li>\n<p class="indicator-glance__name">{indicator_name(view.indicator)}</p>\n')
            # The latest graded year with its trend; before any, the page's year (or the interim result).
            main = view.latest or view.focus or view.interim
            if main:
                parts.append(_figures(main, view.trend if main is view.latest else None))
                if view.interim and view.interim is not main:
                    parts.append(_figures(view.interim, None, interim=True))
            else:
                parts.append(f'<p class="figures figures--none">{escape(fiscal_year_label)}の目標値・結果はありません。</p>\n')
            parts.append("</li>\n")
        parts.append("</ul>\n")
    else:
        parts.append('<p class="indicator-glance indicator-glance--none">指標はありません。</p>\n')
    parts.append("</article>")
    return SafeString("".join(parts))


def measure_cards(items, *, fiscal_year_label: str, empty: str = "") -> SafeString:
    """The items of a list of measure cards (a page's <ul class="measure-list">): one tag for the whole
    list, since a template's loop resolving the tag's arguments cost a 200-measure page more than its cards."""
    cards = "".join(f"<li>{measure_card(item, fiscal_year_label=fiscal_year_label)}</li>\n" for item in items)
    return SafeString(cards or (f"<li>{escape(empty)}</li>\n" if empty else ""))


# --- the summary tables (counts of indicators per grade and state) --------------------------

SCROLL_HINT = '<p class="scroll-hint" aria-hidden="true">表は横にスクロールできます。</p>\n'


def _count_cells(summary, *, mark_zero: bool = True) -> str:
    return "".join(
        f'<td class="num{" is-zero" if mark_zero and not count else ""}">{count}</td>' for _, count in summary.rows()
    ) + f'<td class="num">{summary.total}</td>'


def _wide_table(table_class: str, table_id: str, caption: str, corner: str, labels, body: str) -> str:
    headings = "".join(f'<th scope="col" class="num">{escape(label)}</th>' for label in labels)
    return (
        f'{SCROLL_HINT}<div class="table-scroll" role="region" aria-labelledby="{escape(table_id)}" tabindex="0">\n'
        f'<table class="data-table {table_class}">\n<caption id="{escape(table_id)}">{escape(caption)}</caption>\n'
        f'<thead>\n<tr><th scope="col">{corner}</th>{headings}<th scope="col" class="num">計</th></tr>\n</thead>\n'
        f"{body}</table>\n</div>\n"
    )


def summary_table(labels, pillar_views, summary, *, plan_slug: str, table_id: str, caption: str) -> SafeString:
    """Grades and states per pillar and for the whole plan (achievement.rollup)."""
    rows = "".join(
        f'<tr><th scope="row">{link(links.pillar(plan_slug, view.pillar.number), view.pillar.label)}</th>'
        f"{_count_cells(view.summary)}</tr>\n"
        for view in pillar_views
    )
    body = (f"<tbody>\n{rows}</tbody>\n<tfoot>\n<tr><th scope=\"row\">計画全体</th>"
            f"{_count_cells(summary, mark_zero=False)}</tr>\n</tfoot>\n")
    return SafeString(_wide_table("summary-table", table_id, caption, "5つの柱", labels, body))


def year_summary_table(years, labels, *, headline_is_graded: bool, table_id: str, caption: str) -> SafeString:
    """Counts per grade and state for every fiscal year (parts.year_summaries); the headline year's
    row is marked in words, not by colour alone."""
    rows = []
    for year in years:
        marked = year.is_headline and headline_is_graded
        sub = '<span class="cell-sub">確定した最新の年度</span>' if marked else ""
        focus = ' class="is-focus"' if year.is_headline else ""
        rows.append(f'<tr{focus}><th scope="row">{escape(year.label)}{sub}</th>{_count_cells(year.summary)}</tr>\n')
    body = f"<tbody>\n{''.join(rows)}</tbody>\n"
    return SafeString(_wide_table("summary-table year-summary-table", table_id, caption, "年度", labels, body))


def turned_summary_table(grid, *, corner: str, table_id: str, caption: str) -> SafeString:
    """A summary table turned for phones (parts.Turned): a row per grade or state, a column per
    year or pillar; shown instead of the wide tables below 48rem."""
    def focus(index):
        return " is-focus" if index == grid.focus else ""

    headings = "".join(
        f'<th scope="col" class="num{focus(i)}">{link(url, heading) if url else escape(heading)}</th>'
        for i, (heading, url) in enumerate(grid.columns)
    )
    rows = []
    for n, (label, counts) in enumerate(grid.rows, start=1):
        total = ' class="is-total"' if n == len(grid.rows) else ""
        cells = "".join(
            f'<td class="num{" is-zero" if not count else ""}{focus(i)}">{count}</td>' for i, count in enumerate(counts)
        )
        rows.append(f'<tr{total}><th scope="row">{escape(label)}</th>{cells}</tr>\n')
    return SafeString(
        f'<div class="summary-turned">\n<table class="data-table summary-table summary-table--turned">\n'
        f'<caption id="{escape(table_id)}">{escape(caption)}</caption>\n'
        f'<thead>\n<tr><th scope="col">{escape(corner)}</th>{headings}</tr>\n</thead>\n'
        f"<tbody>\n{''.join(rows)}</tbody>\n</table>\n</div>\n"
    )
