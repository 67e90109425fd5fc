"""What someone else changed: the answer a refused save gives (optimistic locking)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone


@dataclass(frozen=True)
class Change:
    """One field someone else changed: its label, and the value before and after."""

    label: str
    before: str
    after: str


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
