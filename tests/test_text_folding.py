"""fold_for_search: the one folding search applies to a query and to the text it looks in."""

import pytest

from core.text import fold_for_search


@pytest.mark.parametrize(
    "typed, folded",
    [
        ("デジタル", "でじたる"),  # katakana to hiragana
        ("ﾃﾞｼﾞﾀﾙ", "でじたる"),  # half-width katakana, voiced marks composed
        ("ＤＸ推進", "dx推進"),  # full-width Latin, then lower case
        ("１２３", "123"),
        ("ＡＩ－ＯＣＲ", "ai-ocr"),
        ("時間外勤務　削減", "時間外勤務 削減"),  # the ideographic space is a space
        ("（累計）", "(累計)"),
        ("ヴ", "ゔ"),
        ("ヽヾ", "ゝゞ"),
        ("ヷ", "ヷ"),  # no single hiragana: kept
        ("ー", "ー"),  # the prolonged sound mark is neither: kept
        ("ぁゖ", "ぁゖ"),  # hiragana unchanged
        ("職員課", "職員課"),
        ("", ""),
    ],
)
def test_fold_for_search(typed, folded):
    assert fold_for_search(typed) == folded


def test_query_and_text_in_different_forms_fold_alike():
    assert fold_for_search("ﾏｲﾅﾝﾊﾞｰｶｰﾄﾞ") == fold_for_search("マイナンバーカード") == fold_for_search("まいなんばーかーど")
    assert fold_for_search("ＲＰＡ") == fold_for_search("rpa") == fold_for_search("RPA")
