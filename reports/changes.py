"""What changed, as people read it: the items an action records and the answer a refused save gives.

A change is written down as text when it happens (指標① 令和5年度の結果: （未入力） → 34,068時間),
so the action log reads the same years later, whatever is renamed meanwhile.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from indicators import presentation

NOT_ENTERED = "（未入力）"

# The note's fields an action records, with their labels on pages.
NOTE_FIELDS = (("text", "活動経過・今後の予定"), ("status", "状態"), ("review_comment", "審査コメント"))


@dataclass(frozen=True)
class Change:
    """One field someone changed: its label, and the value before and after."""

    label: str
    before: str
    after: str


def result_text(indicator, value=None, stage=None) -> str:
    """A result as text (34,068時間, a stage's name), or （未入力） when there is none."""
    return presentation.result_text(indicator, value, stage) or NOT_ENTERED


def result_item(year, before: str, after: str) -> dict:
    """A result's change as the action log keeps it (year: an IndicatorYear with its indicator)."""
    return {
        "indicator_year": year.pk,
        "measure_id": year.indicator.measure_id,
        "label": presentation.result_label(year.indicator, year.fiscal_year),
        "before": before,
        "after": after,
    }


def explanation_item(year, before: str, after: str) -> dict:
    """A change to a result's explanation (ResultEntry.explanation), kept with the results' changes."""
    return {**result_item(year, before, after), "field": "explanation",
            "label": f"{presentation.result_label(year.indicator, year.fiscal_year)}の説明"}


@dataclass
class EditConflict(Exception):
    """The note changed since the user loaded it: the save is refused, nothing is written."""

    changed_by: list[str]
    changed_at: datetime.datetime | None
    changes: list[Change] = field(default_factory=list)

    def __post_init__(self):
        super().__init__(self.message)

    @property
    def message(self) -> str:
        who = "、".join(self.changed_by) or "ほかの人"
        when = timezone.localtime(self.changed_at).strftime("%Y年%-m月%-d日 %H:%M") if self.changed_at else ""
        return (
            f"この記述は、あなたが開いた後に{who}さんが{when}に変更しました。"
            "あなたの入力はまだ保存されていません。下の変更内容を確かめ、必要ならもう一度保存してください。"
        )
