"""Forms of the admin's progress pages: they read input, the workflow decides."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError

from core import fiscal_years
from core.formatting import format_number, shown_places
from core.parsing import ParseError, parse_indicator_value
from core.text import LONG_TEXT_MAX_LENGTH, length_message, limit_help
from indicators import presentation
from indicators.models import Indicator, IndicatorYear
from plans.admin import CleanTextField

from .models import EXPLANATION_MAX_LENGTH, ProgressNote


@dataclass
class YearRow:
    year: object  # IndicatorYear
    field_name: str
    target: str
    official: str


@dataclass
class IndicatorRows:
    indicator: object
    years: list[YearRow] = field(default_factory=list)


def result_rows(note: ProgressNote) -> list[IndicatorRows]:
    """The measure's indicators with the fiscal years a result can be entered for in this report."""
    fiscal_year = note.report.fiscal_year
    indicators = (
        Indicator.objects.filter(measure_id=note.measure_id)
        .prefetch_related("stages")
        .order_by("slot")
    )
    years = (
        IndicatorYear.objects.filter(indicator__measure_id=note.measure_id, fiscal_year__lte=fiscal_year)
        .select_related("target_stage", "result_stage")
        .order_by("fiscal_year")
    )
    by_indicator = {indicator.pk: IndicatorRows(indicator) for indicator in indicators}
    for year in years:
        rows = by_indicator[year.indicator_id]
        year.indicator = rows.indicator
        target = presentation.target_text(rows.indicator, year)
        official = presentation.result_text(rows.indicator, year.result_value, year.result_stage) or "なし"
        rows.years.append(YearRow(year, f"result_{year.pk}", target, official))
    return [rows for rows in by_indicator.values() if rows.years]


class ResultField(forms.CharField):
    """A numeric result typed as staff type it (34,068時間, １，８５４), read by core.parsing."""

    def __init__(self, indicator, **kwargs):
        self.indicator = indicator
        super().__init__(required=False, max_length=60, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        try:
            return parse_indicator_value(self.indicator, value)
        except ParseError as error:
            raise ValidationError(error.message, code="invalid") from error


class StageField(forms.ChoiceField):
    def __init__(self, indicator, **kwargs):
        self.stages = {str(stage.pk): stage for stage in indicator.stages.all()}
        choices = [("", "（未入力）")] + [(pk, stage.label) for pk, stage in self.stages.items()]
        super().__init__(required=False, choices=choices, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        return self.stages.get(value) if value else None


def long_text_field(label: str, help_text: str, rows: int) -> CleanTextField:
    """A narrative or comment: control characters dropped (core.text), at most LONG_TEXT_MAX_LENGTH characters."""
    return CleanTextField(
        label=label, required=False, max_length=LONG_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": rows, "cols": 80}),
        help_text=f"{help_text}{limit_help()}",
        error_messages={
            "max_length": f"{label}は{LONG_TEXT_MAX_LENGTH:,}字以内で入力してください（いまは%(show_value)d字です）。",
        },
    )


def explanation_name(year_id: int) -> str:
    return f"explanation_{year_id}"


def explanation_field(indicator, year) -> CleanTextField:
    """Why a result that draws a plausibility warning is right (ResultEntry.explanation).
    Its label does not contain the result's own (指標① 令和5年度の結果), which names the result's field."""
    return CleanTextField(
        label=f"説明（指標{indicator.slot_label}・{fiscal_years.era_name(year.fiscal_year)}）",
        required=False, max_length=EXPLANATION_MAX_LENGTH,
        widget=forms.TextInput(attrs={"size": 40, "autocomplete": "off", "aria-describedby": f"warnings_{year.pk}"}),
        error_messages={"max_length": length_message("説明", EXPLANATION_MAX_LENGTH)},
    )


def version_field() -> forms.IntegerField:
    # The version the person started from (optimistic locking); anything else is a stale or crafted page.
    return forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)


class WorkflowErrorsMixin:
    """Put the errors a workflow function raises at the form's fields (the rest above the form)."""

    # A workflow error's key (a model field) -> this form's field, where they differ.
    workflow_fields: dict[str, str] = {}

    def add_workflow_errors(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for key, messages in error.message_dict.items():
                name = self.workflow_fields.get(key, key)
                self.add_error(name if name in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)


class NoteForm(WorkflowErrorsMixin, forms.Form):
    """A note's narrative and its proposed results, with the version the person started from."""

    text = long_text_field("活動経過・今後の予定", "段落は空行で区切ります。提出するには入力が必要です。", rows=12)
    version = version_field()

    def __init__(self, note: ProgressNote, rows: list[IndicatorRows], *args, **kwargs):
        entries = {entry.indicator_year_id: entry for entry in note.result_entries.all()}
        initial = {"text": note.text, "version": note.version}
        super().__init__(*args, initial=initial, **kwargs)
        self.result_fields: list[str] = []
        for rows_of_indicator in rows:
            indicator = rows_of_indicator.indicator
            for row in rows_of_indicator.years:
                label = presentation.result_label(indicator, row.year.fiscal_year)
                entry = entries.get(row.year.pk)
                if indicator.is_milestone:
                    self.fields[row.field_name] = StageField(indicator, label=label)
                    self.initial[row.field_name] = str(entry.stage_id) if entry and entry.stage_id else ""
                else:
                    self.fields[row.field_name] = ResultField(
                        indicator, label=label,
                        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 16, "autocomplete": "off"}),
                    )
                    self.initial[row.field_name] = (
                        format_number(entry.value, shown_places(entry.value, indicator.decimal_places))
                        if entry and entry.value is not None else ""
                    )
                    self.fields[explanation_name(row.year.pk)] = explanation_field(indicator, row.year)
                    self.initial[explanation_name(row.year.pk)] = entry.explanation if entry else ""
                self.result_fields.append(row.field_name)

    def results(self) -> dict[int, object]:
        return {int(name.removeprefix("result_")): self.cleaned_data.get(name) for name in self.result_fields}

    def explanations(self) -> dict[int, str]:
        """Indicator year id -> the explanation typed for its result (numeric results only)."""
        return {int(name.removeprefix("explanation_")): self.cleaned_data.get(name) or ""
                for name in self.fields if name.startswith("explanation_")}



class ReviewForm(WorkflowErrorsMixin, forms.Form):
    workflow_fields = {"review_comment": "comment"}

    comment = long_text_field("審査コメント", "差し戻すときは理由を必ず書いてください。担当課の画面に表示されます。", rows=4)
    version = version_field()
