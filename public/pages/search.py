"""Search: the measures, indicators, departments and published narratives that hold every word typed.

Only what is public is searched: measures and indicators of public plans, the departments in
charge of them (department.public_departments), and the notes reports.publication makes public
(approved, in a published report of a public plan), never a draft. The query and the text are
folded alike (core.text.fold_for_search): full-width and half-width forms, hiragana and katakana,
upper and lower case all match. Words are separated by spaces (the full-width space too) and
all of them must be found in one entry.

Bounded whatever the data: the folded text of every public entry is gathered in five queries
(public plans, then one per kind) and kept in this process's memory under the public content's
version (reports.content_version), which every change to public data moves in every process at
once; a search then costs one small query and a scan of the kept text. The best MAX_RESULTS are
shown, and only those are highlighted.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from core import fiscal_years
from core.numbering import circled
from core.text import fold_for_search
from indicators.models import Indicator
from plans.models import Measure, Plan
from reports import content_version, publication

from .department import public_departments
from .parts import current_plan

MAX_RESULTS = 50
MAX_WORDS = 10
MAX_QUERY_LENGTH = 100
EXCERPT_CHARS = 120  # an excerpt's length, at most
EXCERPT_LEAD = 30  # characters kept before the first word found
SCAN_CHARS = 2_000  # the longest stretch of one sentence highlighted (a text without 。 or line breaks)

MEASURE, INDICATOR, DEPARTMENT, NOTE = "measure", "indicator", "department", "note"
KIND_LABELS = {MEASURE: "推進項目", INDICATOR: "指標", DEPARTMENT: "担当課", NOTE: "活動経過"}
_KIND_ORDER = {kind: position for position, kind in enumerate(KIND_LABELS)}

# A character with the combining marks after it (the voiced marks ﾞﾟ of half-width katakana among
# them) folds as a unit, so that a match in the folded text maps back onto whole characters.
_CLUSTER = re.compile(r".[\u0300-\u036f\u3099\u309a\uff9e\uff9f]*", re.S)
# Sentences and lines: excerpts are looked for one at a time, so only a short stretch is mapped.
_SENTENCES = re.compile(r"[^。\n]*[。\n]|[^。\n]+")


def query_words(query: str) -> tuple[list[str], bool]:
    """The folded words of a query, without repeats, at most MAX_WORDS; and whether some were left out."""
    words = list(dict.fromkeys(fold_for_search(query[:MAX_QUERY_LENGTH]).split()))
    return words[:MAX_WORDS], len(words) > MAX_WORDS


# --- highlighting ---------------------------------------------------------------


def _spans(text: str, words: list[str]) -> list[tuple[int, int]]:
    """Where the words stand in `text`, as (start, end) in its own characters, merged and in order."""
    pieces, origin = [], []
    for cluster in _CLUSTER.finditer(text):
        piece = fold_for_search(cluster.group())
        pieces.append(piece)
        origin.extend([cluster.span()] * len(piece))
    folded = "".join(pieces)
    found = []
    for word in words:
        at = folded.find(word)
        while at != -1:
            found.append((origin[at][0], origin[at + len(word) - 1][1]))
            at = folded.find(word, at + len(word))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _marked(text: str, spans: list[tuple[int, int]]) -> SafeString:
    """`text` escaped, with each span in <mark>: nothing of the text or the query reaches the page unescaped."""
    html, position = [], 0
    for start, end in spans:
        html.append(escape(text[position:start]))
        html.append(f"<mark>{escape(text[start:end])}</mark>")
        position = end
    html.append(escape(text[position:]))
    return mark_safe("".join(html))


def highlight(text: str, words: list[str]) -> SafeString:
    """A short text (a title, a name) with every word found marked."""
    return _marked(text, _spans(text, words))


def excerpt(text: str, words: list[str]) -> SafeString | None:
    """Up to EXCERPT_CHARS of a long text around the first sentence holding a word, words marked;
    None when no sentence holds one."""
    offset = 0
    for sentence in _SENTENCES.findall(text):
        if any(word in fold_for_search(sentence) for word in words):
            break
        offset += len(sentence)
    else:
        return None
    sentence = sentence[:SCAN_CHARS].rstrip("\n")
    spans = _spans(sentence, words)
    start = max(0, spans[0][0] - EXCERPT_LEAD) if spans else 0
    end = min(len(sentence), start + EXCERPT_CHARS)
    inside = [(max(s, start) - start, min(e, end) - start) for s, e in spans if s < end]
    before = "…" if offset + start > 0 else ""
    after = "…" if offset + end < len(text.rstrip()) else ""
    return mark_safe(escape(before) + _marked(sentence[start:end], inside) + escape(after))


# --- the result -----------------------------------------------------------------


@dataclass(frozen=True)
class Excerpt:
    label: str  # 現状と課題, … ("" when the kind says it)
    html: SafeString


@dataclass
class Hit:
    kind: str
    url: str
    title: SafeString  # highlighted
    context: str  # where it belongs: the plan, the measure, the report
    excerpts: list[Excerpt] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


@dataclass
class SearchResult:
    query: str  # as typed (trimmed)
    words: list[str]  # folded
    words_left_out: bool
    hits: list[Hit]  # the best MAX_RESULTS at most
    total: int
    counts: list[tuple[str, int]]  # (kind label, matches) for every kind with a match
    plan: Plan | None = None  # for the ways on, when nothing was found
    municipality: str | None = None  # the site's publisher, when the index was read (None: not known)

    max_results = MAX_RESULTS
    max_words = MAX_WORDS

    @property
    def is_truncated(self) -> bool:
        return self.total > len(self.hits)


@dataclass
class _Candidate:
    """An entry of one kind, before it is known to match: its texts and how to show it."""

    kind: str
    title: str
    bodies: tuple[tuple[str, str], ...]  # (label, text) searched beside the title and shown as excerpts
    context: str
    url_name: str
    url_args: tuple
    fragment: str
    order: tuple
    title_is_searched: bool = True
    folded_title: str = field(init=False)
    folded_text: str = field(init=False)  # the title (when searched) and the bodies

    def __post_init__(self):
        self.folded_title = fold_for_search(self.title) if self.title_is_searched else ""
        self.folded_text = "\n".join([self.folded_title, *(fold_for_search(body) for _, body in self.bodies)])

    def score(self, words: list[str]) -> int | None:
        """How well it matches (every word found in the title counts most), None without every word."""
        text = self.folded_text
        if not all(word in text for word in words):
            return None
        return sum(10 * (word in self.folded_title) + min(text.count(word), 5) for word in words)

    def hit(self, words: list[str]) -> Hit:
        found = Hit(
            self.kind,
            reverse(self.url_name, args=self.url_args) + self.fragment,
            highlight(self.title, words),
            self.context,
        )
        for label, body in self.bodies:
            html = excerpt(body, words)
            if html is not None:
                found.excerpts.append(Excerpt(label, html))
        return found


def _plan_label(plan: Plan) -> str:
    return f"{plan.title}（{plan.period_label}）"


def _full_title(title: str, subtitle: str) -> str:
    return f"{title}（{subtitle}）" if subtitle else title  # as Measure.full_title


@dataclass
class _Index:
    candidates: list[_Candidate]
    municipality: str  # the site's publisher (publication.publisher), for the page's header: no query of its own


def gather() -> _Index:
    """Every public entry of every kind, and who publishes them: five queries, whatever the data."""
    plans = {plan.pk: plan for plan in publication.public_plans()}
    publisher = publication.publisher(plans.values())
    return _Index(candidates(plans), publisher.municipality if publisher else "")


def candidates(plans: dict[int, Plan]) -> list[_Candidate]:
    """Every public entry of every kind of the public plans given."""
    found = []
    for row in Measure.objects.filter(plan__in=plans).values(
        "plan_id", "number", "title", "subtitle", "current_situation", "approach"
    ):
        plan = plans[row["plan_id"]]
        found.append(_Candidate(
            MEASURE, f"事業No.{row['number']} {_full_title(row['title'], row['subtitle'])}",
            (("現状と課題", row["current_situation"]), ("課題解決に向けた方向性・活動内容", row["approach"])),
            _plan_label(plan), "public:measure", (plan.slug, row["number"]), "",
            (-plan.first_fiscal_year, row["number"]),
        ))
    for row in Indicator.objects.filter(measure__plan__in=plans).values(
        "slot", "name", "note", "measure__plan_id", "measure__number", "measure__title", "measure__subtitle"
    ):
        plan = plans[row["measure__plan_id"]]
        measure = f"事業No.{row['measure__number']} {_full_title(row['measure__title'], row['measure__subtitle'])}"
        found.append(_Candidate(
            INDICATOR, row["name"], (("注記", row["note"]),),
            f"{measure}の指標{circled(row['slot'])}・{_plan_label(plan)}",
            "public:measure", (plan.slug, row["measure__number"]), f"#indicator-{row['slot']}",
            (-plan.first_fiscal_year, row["measure__number"], row["slot"]),
        ))
    for row in public_departments().values("pk", "division", "section"):
        found.append(_Candidate(
            DEPARTMENT, f"{row['division']}{row['section']}", (), "推進項目を担当している課",
            "public:department", (row["pk"],), "", (row["division"] == "", row["division"], row["section"]),
        ))
    for row in publication.public_notes().exclude(text="").values(
        "text", "report__plan_id", "report__as_of", "measure__number", "measure__title", "measure__subtitle"
    ):
        plan, as_of = plans[row["report__plan_id"]], row["report__as_of"]
        found.append(_Candidate(
            NOTE, f"事業No.{row['measure__number']} {_full_title(row['measure__title'], row['measure__subtitle'])}",
            (("活動経過・今後の予定", row["text"]),),
            f"進捗状況（{fiscal_years.era_date(as_of)}現在）・{_plan_label(plan)}",
            "public:report", (plan.slug, as_of), f"#measure-{row['measure__number']}",
            (-plan.first_fiscal_year, -as_of.toordinal(), row["measure__number"]),
            # A note matches by its own text: its heading, the measure's title, would bring every
            # report's note of a measure up beside the measure itself.
            title_is_searched=False,
        ))
    return found


_kept: tuple[tuple, _Index] | None = None  # (content version stamp, index) in this process


def index() -> _Index:
    """Every public entry with its folded text: kept in memory until the public content changes.

    Inside a transaction the version does not count the transaction's own changes yet (it moves
    on commit), so the entries are gathered afresh there.
    """
    global _kept
    stamp = content_version.stamp()  # read before the entries: a change in between only rebuilds them once more
    if connection.in_atomic_block:
        return gather()
    kept = _kept
    if kept is None or kept[0] != stamp:
        kept = _kept = (stamp, gather())
    return kept[1]


def search(query: str, *, today: datetime.date) -> SearchResult:
    """The entries holding every word of `query`, best first (the best MAX_RESULTS highlighted)."""
    query = query.strip()[:MAX_QUERY_LENGTH]
    words, left_out = query_words(query)
    if not words:
        return SearchResult(query, [], False, [], 0, [], plan=current_plan(today))
    found = index()
    matches = []
    for candidate in found.candidates:
        score = candidate.score(words)
        if score is not None:
            matches.append((-score, _KIND_ORDER[candidate.kind], candidate.order, candidate))
    matches.sort(key=lambda match: match[:3])
    kinds = Counter(match[3].kind for match in matches)
    counts = [(label, kinds[kind]) for kind, label in KIND_LABELS.items() if kinds[kind]]
    hits = [match[3].hit(words) for match in matches[:MAX_RESULTS]]
    return SearchResult(query, words, left_out, hits, len(matches), counts,
                        plan=None if matches else current_plan(today), municipality=found.municipality)
