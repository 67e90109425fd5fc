"""A readable inline difference between two versions of a text, as HTML: what was removed in <del>,
what was added in <ins>, the rest as it is; every piece escaped.

Japanese has no spaces between words, so the difference is taken by lines first and, within lines
that were changed, by characters: a corrected word shows as that word, not as its whole line.
Screen readers do not announce <del>/<ins>, so each carries a hidden word saying which it is.
"""

from __future__ import annotations

from difflib import SequenceMatcher

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_DELETED = '<del><span class="visually-hidden">［削除：</span>{}<span class="visually-hidden">］</span></del>'
# Characters compared within changed lines at most (their product): beyond it, whole lines are shown
# removed and added, which stays readable and never costs the page seconds.
_CHARACTER_DIFF_LIMIT = 4_000_000
_INSERTED = '<ins><span class="visually-hidden">［追加：</span>{}<span class="visually-hidden">］</span></ins>'


def _pieces(before: str, after: str):
    """(tag, text) pieces: tag "=" (kept), "-" (removed) or "+" (added)."""
    old_lines, new_lines = before.splitlines(keepends=True), after.splitlines(keepends=True)
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes():
        old, new = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        if tag == "equal":
            yield "=", old
        elif tag == "replace" and len(old) * len(new) <= _CHARACTER_DIFF_LIMIT:
            for ctag, a1, a2, b1, b2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
                if ctag == "equal":
                    yield "=", old[a1:a2]
                    continue
                if a2 > a1:
                    yield "-", old[a1:a2]
                if b2 > b1:
                    yield "+", new[b1:b2]
        else:
            if old:
                yield "-", old
            if new:
                yield "+", new


def inline_diff(before: str, after: str) -> SafeString:
    """`after` with what changed since `before` marked (show it with white-space: pre-wrap)."""
    parts = []
    for tag, text in _pieces(before or "", after or ""):
        text = escape(text)
        parts.append(text if tag == "=" else (_DELETED if tag == "-" else _INSERTED).format(text))
    return mark_safe("".join(parts))
