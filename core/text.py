"""Text as people type or paste it: the one place that decides which characters are kept.

Word processors and PDFs leave invisible control characters in what is pasted
(a vertical tab for a manual line break, a form feed for a page break, stray
NUL or escape bytes). They break workbooks (openpyxl and Excel refuse them),
PostgreSQL (which refuses NUL) and the pages. Every text a user enters is
normalised here, by the forms and again by the models' clean(), so every
write path stores the same thing:

- line breaks become "\\n": "\\r\\n", "\\r", the Unicode line and paragraph
  separators (U+2028, U+2029), NEL (U+0085), and the vertical tab and form
  feed that word processors use for manual line and page breaks;
- every other control character (C0 except tab and line feed, DEL, C1) and the
  Unicode noncharacters and lone surrogates are dropped;
- everything else, including tabs, spaces and any printable character, is kept.

Limits on length are here too, so that forms, models and messages agree. So is the folding
search applies to a query and to the text it looks in (fold_for_search).
"""

from __future__ import annotations

import re
import unicodedata

# A narrative or comment never needs more: the seed's longest narrative is about 430 characters,
# the source's longest about 1,000. Well under Excel's 32,767 characters per cell.
LONG_TEXT_MAX_LENGTH = 10_000

_LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029\u0085\u000b\u000c]")
_DROPPED = re.compile(
    "[\u0000-\u0008\u000e-\u001f\u007f-\u009f"  # C0 (but tab, line feed), DEL, C1 (NEL is a line break above)
    "\ufdd0-\ufdef\ufffe\uffff"  # noncharacters of the Basic Multilingual Plane
    "\ud800-\udfff]"  # lone surrogates (never valid text)
)
_PLANE_NONCHARACTER = re.compile("[\U0001fffe\U0001ffff\U0002fffe\U0002ffff\U0003fffe\U0003ffff"
                                 "\U000efffe\U000effff\U000ffffe\U000fffff\U0010fffe\U0010ffff]")


def normalize_text(value):
    """`value` with line breaks as "\\n" and control characters dropped; None and non-strings pass through."""
    if not isinstance(value, str):
        return value
    value = _LINE_BREAKS.sub("\n", value)
    value = _DROPPED.sub("", value)
    return _PLANE_NONCHARACTER.sub("", value)


def same_text(a, b) -> bool:
    """Whether two narratives are the same once stored: line breaks, control characters and the
    spacing around the text (which the forms strip) make no change. Saves and uploads compare with it,
    so one that changes nothing records nothing."""
    return normalize_text(a or "").strip() == normalize_text(b or "").strip()


# ァ (U+30A1) to ヶ (U+30F6) sit 0x60 above ぁ to ゖ; the iteration marks ヽヾ fold to ゝゞ.
# ヷヸヹヺ have no single hiragana and stay as they are.
_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)} | {0x30FD: 0x309D, 0x30FE: 0x309E}


def fold_for_search(value: str) -> str:
    """`value` as search compares it, so that a resident need not guess how the city typed a word.

    NFKC makes full-width Latin letters, digits and spaces (ＤＸ, １２３) and half-width katakana
    (ﾃﾞｼﾞﾀﾙ) their ordinary forms; katakana then fold to hiragana (デジタル and でじたる match) and
    letters to lower case (DX and dx match). Query and text go through the same function.
    """
    return unicodedata.normalize("NFKC", value).translate(_KATAKANA_TO_HIRAGANA).lower()


def normalize_text_fields(instance) -> None:
    """Normalise every text field (CharField, TextField without choices) of a model instance, in place.

    Called by the models' full_clean (NormalizesText), so that a save through any path stores what the forms store.
    """
    for field in instance._meta.concrete_fields:
        if field.get_internal_type() in ("CharField", "TextField") and not field.choices:
            value = getattr(instance, field.attname)
            cleaned = normalize_text(value)
            if cleaned != value:
                setattr(instance, field.attname, cleaned)


class NormalizesText:
    """Mixin for models: text fields are normalised before they are validated (Model.clean_fields,
    part of full_clean), so limits count the stored characters and every write path stores the same."""

    def clean_fields(self, exclude=None):
        normalize_text_fields(self)
        super().clean_fields(exclude=exclude)


def length_message(label: str, limit: int = LONG_TEXT_MAX_LENGTH) -> str:
    """The message for a text over its limit (a Django validator fills in %(show_value)d)."""
    return f"{label}は{limit:,}字以内で入力してください（いまは%(show_value)d字です）。"


def limit_help(limit: int = LONG_TEXT_MAX_LENGTH) -> str:
    return f"{limit:,}字まで。"
