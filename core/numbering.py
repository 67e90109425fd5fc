"""How the source numbers things: pillars and indicator slots as circled digits (①②…)."""

CIRCLED_DIGITS = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def circled(number: int) -> str:
    """① for 1: how the source numbers pillars and indicator slots."""
    return CIRCLED_DIGITS[number - 1] if 1 <= number <= len(CIRCLED_DIGITS) else f"({number})"

# Numbers, slots and positions are small integer columns: PostgreSQL refuses more, SQLite stores
# anything, so the models check the limit themselves (the same on both databases).
SMALL_INTEGER_MAX = 32767
