"""Values as staff type them: the one place that reads a typed result or target.

Used by the admin's forms and by spreadsheet uploads alike. Accepted:

- full-width digits and signs (１，８５４ → 1854), spaces anywhere at the ends;
- thousands commas, in the right places only (34,068 but not 3,4068);
- a decimal point (0.28, ０．２８);
- the indicator's unit after the number (34,068時間, 0.28%, ２５ｈａ), but no other unit;
- 万 and 億 (3億5000万円 → 350,000,000; 1.5万 → 15,000).

Refused with a Japanese message that says why: negative numbers (-5, −5, ▲5,
△5, the last two being how Japanese accounts write them), more decimals than
the indicator shows, numbers too large to store, digits other than the
half-width and full-width 0-9 (², ①, ٣, 𝟓: NFKC or Python would read them as
numbers, so the text is checked before it is normalised), and anything else
(約3万, 3万人程度).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import Callable

# What a DecimalField(max_digits=15, decimal_places=4) can hold.
MAX_VALUE = Decimal("99999999999.9999")

_NEGATIVE_SIGNS = "-−－‐‑‒–—―ー▲△"
# The characters a number may be written with, before normalisation: the README's forms only.
DIGITS = "0123456789０１２３４５６７８９"
NUMBER_CHARACTERS = DIGITS + ",，.．万億"
# Spaces kept inside what is typed (and dropped before a unit); other spacing only at the ends.
SPACES = " \u3000\u00a0"
_NUMBER = r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?"
_PLAIN = re.compile(rf"^(?P<number>{_NUMBER})$")
_KANJI = re.compile(
    rf"^(?:(?P<oku>{_NUMBER})億)?(?:(?P<man>{_NUMBER})万)?(?P<rest>{_NUMBER})?$"
)
_LOOKS_LIKE_BAD_COMMAS = re.compile(r"^[0-9,]+(?:\.[0-9]+)?$")


class ParseError(ValueError):
    """A typed value that cannot be read, with a message for the person who typed it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def normalize(text: str) -> str:
    """Full-width to half-width (NFKC), without spaces at the ends or before a unit.

    Spaces between digits stay, so that "12 34" is refused rather than read as 1234.
    """
    text = unicodedata.normalize("NFKC", str(text)).strip()
    return re.sub(r"\s+(?=[^\d\s])", "", text)


def _number(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def is_other_digit(character: str) -> bool:
    """A character Unicode counts as a digit or number (², ①, ٣, 𝟓, Ⅻ; not 五) other than 0-9 and ０-９."""
    return character not in DIGITS and unicodedata.category(character) in ("Nd", "No", "Nl")


def refuse_other_digits(original: str, example: str = "34,068、１，８５４") -> None:
    """Raise ParseError when `original` has a digit that is not 0-9 or ０-９ (checked before NFKC)."""
    other = next((c for c in original if is_other_digit(c)), None)
    if other is not None:
        raise ParseError(
            f"「{original}」の「{other}」は数字として読めません。"
            f"半角または全角の数字（0〜9、０〜９）で入力してください（例: {example}）。"
        )


def _split_unit(original: str, unit: str) -> tuple[str, str]:
    """(number, unit as typed): the shortest end of `original` that reads as `unit` (２５ｈａ, 100㎡)."""
    wanted = normalize(unit)
    if not wanted:
        return original, ""
    # NFKC turns one character into a few at most (㎡ → m2), so the unit is near the end.
    for length in range(1, min(len(original), 4 * len(wanted) + 4) + 1):
        if normalize(original[-length:]) == wanted:
            return original[:-length].rstrip(SPACES + "\t"), original[-length:]
    return original, ""


def parse_quantity(
    text: str | None, *, unit: str = "", decimal_places: int = 4, message: Callable[[int], str] | None = None,
) -> Decimal | None:
    """The number in `text`, or None when it is blank.

    `unit` is the indicator's unit, which may follow the number; `decimal_places`
    is how many decimals the indicator shows, and so accepts; `message(decimal_places)`, when given,
    is what a number with more decimals is told.
    """
    if text is None:
        return None
    original = str(text).strip()
    value = normalize(original)
    if not value:
        return None
    if value[0] in _NEGATIVE_SIGNS or value.startswith("マイナス"):
        raise ParseError("負の数は入力できません。0以上の数値を入力してください。")
    number_text, _ = _split_unit(original, unit)
    refuse_other_digits(number_text, f"34,068{unit}、１，８５４")
    value = normalize(number_text)
    trailing = re.search(r"[^0-9.,万億]+$", value)
    if trailing and trailing.start() == 0:
        raise ParseError(f"「{original}」は数値として読めません。数字で入力してください（例: 34,068{unit}、１，８５４）。")
    if trailing:
        if unit:
            raise ParseError(
                f"「{original}」の「{trailing.group(0)}」は読めません。この指標の単位は「{unit}」です。"
                f"数字だけか、数字と「{unit}」で入力してください（例: 34,068{unit}）。"
            )
        raise ParseError(
            f"「{original}」の「{trailing.group(0)}」は読めません。この指標には単位がありません。数字だけで入力してください。"
        )
    if any(c not in NUMBER_CHARACTERS and c not in SPACES for c in number_text):
        raise ParseError(
            f"「{original}」は数値として読めません。数字で入力してください（例: 34,068{unit}、１，８５４）。"
        )
    if ("万" in value or "億" in value) and ("万" in normalize(unit) or "億" in normalize(unit)):
        # 3億5000万 for an indicator counted in 万円 would be read 10,000 times too large.
        raise ParseError(f"この指標は「{unit}」単位です。万・億を使わず、「{unit}」単位の数字で入力してください（例: 350{unit}）。")

    match = _PLAIN.match(value)
    if match:
        number = _number(match["number"])
    else:
        match = _KANJI.match(value)
        if match and any(match.group(g) for g in ("oku", "man")):
            number = Decimal(0)
            if match["oku"]:
                number += _number(match["oku"]) * Decimal(100_000_000)
            if match["man"]:
                number += _number(match["man"]) * Decimal(10_000)
            if match["rest"]:
                number += _number(match["rest"])
        elif _LOOKS_LIKE_BAD_COMMAS.match(value):
            raise ParseError(f"「{original}」の桁区切りのカンマの位置が正しくありません（例: 34,068）。")
        else:
            raise ParseError(
                f"「{original}」は数値として読めません。数字で入力してください（例: 34,068{unit}、１，８５４）。"
            )
    if number > MAX_VALUE:
        raise ParseError("値が大きすぎます。桁数を確かめてください。")
    number = number.normalize()  # 0.280 → 0.28; 15000.0 → 1.5E+4
    if number.as_tuple().exponent > 0:
        number = number.quantize(Decimal(1))  # 1.5E+4 → 15000
    if decimals_of(number) > decimal_places:
        if message is not None:
            raise ParseError(message(decimal_places))
        if decimal_places == 0:
            raise ParseError("この指標は整数で入力してください（小数点以下は入力できません）。")
        raise ParseError(f"この指標は小数点以下{decimal_places}桁までで入力してください。")
    return number


def decimals_of(number: Decimal) -> int:
    """How many decimals a number has, trailing zeros left out (22.50 → 1, 15000 → 0)."""
    exponent = number.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def result_precision_message(places: int) -> str:
    """What a result with more decimals than its indicator allows is told (the reform office sets `places`)."""
    if places == 0:
        return "この指標の結果は整数で入力してください（小数点以下は入力できません）。"
    return f"この指標の結果は小数点以下{places}桁まで入力できます。"


def parse_stage(text: str | None, stages):
    """The stage whose label `text` names (full-width or half-width alike), or None when blank."""
    if text is None:
        return None
    value = normalize(text)
    if not value:
        return None
    for stage in stages:
        if normalize(stage.label) == value:
            return stage
    labels = "、".join(f"「{stage.label}」" for stage in stages)
    raise ParseError(f"「{str(text).strip()}」はこの指標の段階にありません。{labels}のどれかを選んでください。")


def parse_indicator_value(indicator, text: str | None) -> Decimal | None:
    """A result of a numeric indicator, read with its unit and its result precision (`result_places`:
    the decimals the reform office allows for results, never fewer than the target shows). The admin's
    result fields and the result template upload both read results here, so they refuse alike."""
    return parse_quantity(text, unit=indicator.unit, decimal_places=indicator.result_places,
                          message=result_precision_message)
