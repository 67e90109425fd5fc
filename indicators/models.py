"""Indicators (指標) of a measure, with a target and a result for every fiscal year."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from core import fiscal_years
from core.numbering import circled
from core.text import NormalizesText, limit_help
from plans.models import Measure, Plan, fiscal_year_range, long_text_limit, small_number


class Indicator(NormalizesText, models.Model):
    class Kind(models.TextChoices):
        NUMERIC = "numeric", "数値"
        MILESTONE = "milestone", "段階（マイルストーン）"

    class Direction(models.TextChoices):
        HIGHER_IS_BETTER = "higher", "高いほど良い"
        LOWER_IS_BETTER = "lower", "低いほど良い"

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="indicators", verbose_name="推進項目")
    slot = models.PositiveSmallIntegerField("指標番号", validators=[small_number()], help_text="1 が指標①です。")
    name = models.CharField("名称", max_length=200)
    name_is_provisional = models.BooleanField(
        "仮の名称", default=False, help_text="原資料で名称が失われ、資料の記述から補った名称です。"
    )
    unit = models.CharField("単位", max_length=20, blank=True, help_text="時間、%、件、円、人、ha など")
    decimal_places = models.PositiveSmallIntegerField(
        "小数点以下の桁数", default=0, validators=[MaxValueValidator(4)], help_text="表示の桁数（0.28% なら 2）"
    )
    result_decimal_places = models.PositiveSmallIntegerField(
        # db_default too: rows written by code that predates the column (older migrations' models) get 0.
        "結果の小数点以下の桁数", default=0, db_default=0, validators=[MaxValueValidator(4)],
        help_text="結果として入力できる小数点以下の桁数（経営改革課が決めます。22.5% なら 1）。"
        "目標値の表示の桁数より少なくはなりません。",
    )
    note = models.TextField(
        "注記", blank=True, validators=[long_text_limit("注記")], help_text=f"※印の注記や算出根拠。{limit_help()}",
    )
    kind = models.CharField("種類", max_length=10, choices=Kind.choices, default=Kind.NUMERIC)
    direction = models.CharField("方向", max_length=10, choices=Direction.choices, default=Direction.HIGHER_IS_BETTER)
    is_cumulative = models.BooleanField("累計値", default=False, help_text="目標値・結果が計画開始からの累計です。")

    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "指標"
        ordering = ["measure", "slot"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "slot"],
                name="indicator_slot_unique_in_measure",
                violation_error_message="この推進項目には同じ番号の指標がすでにあります。",
            ),
            models.CheckConstraint(
                condition=Q(slot__gte=1),
                name="indicator_slot_positive",
                violation_error_message="指標番号は1以上にしてください。",
            ),
            models.CheckConstraint(
                condition=Q(decimal_places__lte=4),
                name="indicator_decimal_places_in_range",
                violation_error_message="小数点以下の桁数は0から4にしてください。",
            ),
            models.CheckConstraint(
                condition=Q(result_decimal_places__lte=4),
                name="indicator_result_decimal_places_in_range",
                violation_error_message="結果の小数点以下の桁数は0から4にしてください。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure} 指標{self.slot_label} {self.name}"

    @property
    def slot_label(self) -> str:
        return circled(self.slot)

    @property
    def result_places(self) -> int:
        """The decimals a result may have: the reform office's setting, never fewer than targets show."""
        return max(self.decimal_places, self.result_decimal_places)

    @property
    def is_milestone(self) -> bool:
        return self.kind == self.Kind.MILESTONE

    @property
    def is_lower_better(self) -> bool:
        return self.direction == self.Direction.LOWER_IS_BETTER


# Every milestone indicator has this stage before its first (position 0): a result can say that
# the work has not started. It grades like any stage before the target: not reached.
NOT_STARTED = "未着手"
NOT_STARTED_POSITION = 0


def ensure_not_started_stage(indicator: Indicator) -> "MilestoneStage | None":
    """The indicator's 未着手 stage, made when a milestone indicator has none (numeric ones get none)."""
    if not indicator.is_milestone:
        return None
    stage, _ = MilestoneStage.objects.get_or_create(
        indicator=indicator, position=NOT_STARTED_POSITION, defaults={"label": NOT_STARTED},
    )
    return stage


class MilestoneStage(NormalizesText, models.Model):
    """A stage of a milestone indicator, in order (未着手 → 検討80% → 条例への反映 → 実施).

    Position 0 is 未着手 (not started), which every milestone indicator has (ensure_not_started_stage);
    the plan's own stages start at 1.
    """

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="stages", verbose_name="指標")
    position = models.PositiveSmallIntegerField("順序", validators=[small_number()])
    label = models.CharField("段階", max_length=100)

    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "指標の段階"
        ordering = ["indicator", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "position"],
                name="stage_position_unique",
                violation_error_message="同じ順序の段階がすでにあります。",
            ),
            models.UniqueConstraint(
                fields=["indicator", "label"],
                name="stage_label_unique",
                violation_error_message="同じ名前の段階がすでにあります。",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def is_not_started(self) -> bool:
        return self.position == NOT_STARTED_POSITION


class YearFigures(models.Model):
    """A fiscal year's target (目標値, as of the year's end) and result (結果).

    A numeric indicator keeps values; a milestone indicator keeps stages. A
    target the source marks "-" is not applicable, which is not the same as a
    target that is not set (lost from the source, or not yet decided).
    """

    class TargetStatus(models.TextChoices):
        SET = "set", "設定あり"
        NOT_SET = "not_set", "未設定"
        NOT_APPLICABLE = "not_applicable", "対象外"

    target_status = models.CharField(
        "目標値の状態", max_length=20, choices=TargetStatus.choices, default=TargetStatus.NOT_SET
    )
    target_value = models.DecimalField(
        "目標値", max_digits=15, decimal_places=4, null=True, blank=True, validators=[MinValueValidator(Decimal(0))]
    )
    target_stage = models.ForeignKey(
        MilestoneStage, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="目標の段階"
    )
    result_value = models.DecimalField(
        "結果", max_digits=15, decimal_places=4, null=True, blank=True, validators=[MinValueValidator(Decimal(0))]
    )
    result_stage = models.ForeignKey(
        MilestoneStage, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="到達した段階"
    )

    class Meta:
        abstract = True

    @property
    def fiscal_year_label(self) -> str:
        return fiscal_years.era_name(self.fiscal_year)


class IndicatorYear(YearFigures):
    """An indicator's target and official result for one fiscal year of its plan.

    The result here is the published one: staff's drafts live with their
    progress note until the reform office approves and publishes them.
    """

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="years", verbose_name="指標")
    fiscal_year = models.PositiveSmallIntegerField("年度（西暦）", validators=fiscal_year_range())

    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "年度別の目標値・結果"
        ordering = ["indicator", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "fiscal_year"],
                name="indicator_year_unique",
                violation_error_message="この指標には同じ年度の目標値がすでにあります。",
            ),
            models.CheckConstraint(
                condition=Q(target_value__isnull=True) | Q(target_value__gte=0),
                name="target_not_negative",
                violation_error_message="目標値に負の数は使えません。",
            ),
            models.CheckConstraint(
                condition=Q(result_value__isnull=True) | Q(result_value__gte=0),
                name="result_not_negative",
                violation_error_message="結果に負の数は使えません。",
            ),
            models.CheckConstraint(
                condition=(
                    Q(target_status="set", target_value__isnull=False, target_stage__isnull=True)
                    | Q(target_status="set", target_value__isnull=True, target_stage__isnull=False)
                    | Q(
                        target_status__in=["not_set", "not_applicable"],
                        target_value__isnull=True,
                        target_stage__isnull=True,
                    )
                ),
                name="target_matches_status",
                violation_error_message="目標値は「設定あり」のときだけ、数値か段階のどちらか一方を入れてください。",
            ),
            models.CheckConstraint(
                condition=Q(result_value__isnull=True) | Q(result_stage__isnull=True),
                name="result_value_or_stage",
                violation_error_message="結果は数値か段階のどちらか一方にしてください。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.fiscal_year_label}"

    def clean(self):
        super().clean()
        errors: dict[str, str] = {}
        indicator = self.indicator if self.indicator_id else None
        if indicator is None:
            return
        plan = indicator.measure.plan
        if self.fiscal_year is not None and not plan.holds_fiscal_year(self.fiscal_year):
            errors["fiscal_year"] = f"年度は計画期間（{plan.period_label}）の中で指定してください。"
        if indicator.is_milestone:
            if self.target_value is not None:
                errors["target_value"] = "段階の指標には数値の目標値を入れられません。段階を選んでください。"
            if self.result_value is not None:
                errors["result_value"] = "段階の指標には数値の結果を入れられません。段階を選んでください。"
            for field in ("target_stage", "result_stage"):
                stage = getattr(self, field)
                if stage is not None and stage.indicator_id != indicator.pk:
                    errors[field] = "この指標の段階を選んでください。"
        else:
            if self.target_stage_id is not None:
                errors["target_stage"] = "数値の指標には段階を選べません。"
            if self.result_stage_id is not None:
                errors["result_stage"] = "数値の指標には段階を選べません。"
        if self.target_status == self.TargetStatus.SET and self.target_value is None and self.target_stage_id is None:
            errors["target_value"] = "「設定あり」のときは目標値を入れてください。"
        if self.target_status != self.TargetStatus.SET and (
            self.target_value is not None or self.target_stage_id is not None
        ):
            errors["target_status"] = "目標値を入れるときは「設定あり」にしてください。"
        if errors:
            raise ValidationError(errors)


class GradeBand(NormalizesText, models.Model):
    """A grade of a plan (達成, 概ね達成, 未達成): the lowest achievement rate that earns it.

    The bands belong to the plan, so a later plan can grade otherwise (e.g. S/A/B/C).
    """

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="grade_bands", verbose_name="計画")
    label = models.CharField("評価", max_length=20)
    min_rate = models.DecimalField(
        "下限の達成率（%）", max_digits=6, decimal_places=1, validators=[MinValueValidator(Decimal(0))],
        help_text="この達成率以上でこの評価になります。最も低い評価は 0 にします。",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "評価の区分"
        ordering = ["plan", "-min_rate"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "label"], name="grade_band_label_unique",
                violation_error_message="同じ名前の評価がすでにあります。",
            ),
            models.UniqueConstraint(
                fields=["plan", "min_rate"], name="grade_band_rate_unique",
                violation_error_message="同じ下限の評価がすでにあります。",
            ),
            models.CheckConstraint(
                condition=Q(min_rate__gte=0), name="grade_band_rate_not_negative",
                violation_error_message="下限の達成率に負の数は使えません。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label}（{self.min_rate}%以上）"
