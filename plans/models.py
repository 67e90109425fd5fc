"""Plans and what they are made of: pillars, measures, departments, progress reports.

A municipality keeps many plans side by side (one every three or four years);
nothing here is specific to one city.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from . import fiscal_years

CIRCLED_DIGITS = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def circled(number: int) -> str:
    """① for 1: how the source numbers pillars and indicator slots."""
    return CIRCLED_DIGITS[number - 1] if 1 <= number <= len(CIRCLED_DIGITS) else f"({number})"


class PlanQuerySet(models.QuerySet):
    def current(self, today: datetime.date | None = None) -> "Plan | None":
        """The plan whose period holds today, else the latest one; one query."""
        fiscal_year = fiscal_years.of_date(today or timezone.localdate())
        running = Q(first_fiscal_year__lte=fiscal_year, last_fiscal_year__gte=fiscal_year)
        return (
            self.annotate(is_running=models.Case(models.When(running, then=models.Value(1)), default=models.Value(0),
                                                 output_field=models.IntegerField()))
            .order_by("-is_running", "-first_fiscal_year")
            .first()
        )


class Plan(models.Model):
    slug = models.SlugField("URL名", max_length=40, unique=True, help_text="URLに使う英数字（例: 2023-2026）")
    title = models.CharField("計画名", max_length=200)
    municipality = models.CharField("自治体名", max_length=100)
    policy = models.CharField("基づく方針", max_length=200, blank=True)
    first_fiscal_year = models.PositiveSmallIntegerField("開始年度（西暦）")
    last_fiscal_year = models.PositiveSmallIntegerField("終了年度（西暦）")
    introduction = models.TextField("はじめに", blank=True)
    published_at = models.DateTimeField(
        "公開日時", null=True, blank=True,
        help_text="空欄のあいだ、この計画とその報告は市民向けサイトに表示されません（次期計画の準備中など）。",
    )

    history = HistoricalRecords()
    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "経営改革推進計画"
        ordering = ["-first_fiscal_year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_fiscal_year__gte=models.F("first_fiscal_year")),
                name="plan_period_in_order",
                violation_error_message="終了年度は開始年度以降にしてください。",
            ),
            models.CheckConstraint(
                condition=Q(first_fiscal_year__gte=fiscal_years.EARLIEST_FISCAL_YEAR),
                name="plan_first_year_supported",
                violation_error_message=f"開始年度は{fiscal_years.EARLIEST_FISCAL_YEAR}年度以降にしてください。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.period_label}）"

    def get_absolute_url(self) -> str:
        return reverse("plans:plan", args=[self.slug])

    @property
    def fiscal_years(self) -> range:
        return range(self.first_fiscal_year, self.last_fiscal_year + 1)

    @property
    def period_label(self) -> str:
        return f"{fiscal_years.era_name(self.first_fiscal_year)}〜{fiscal_years.era_name(self.last_fiscal_year)}"

    def holds_fiscal_year(self, fiscal_year: int) -> bool:
        return self.first_fiscal_year <= fiscal_year <= self.last_fiscal_year

    def clean(self):
        super().clean()
        for field in ("first_fiscal_year", "last_fiscal_year"):
            value = getattr(self, field)
            if value is not None and value < fiscal_years.EARLIEST_FISCAL_YEAR:
                raise ValidationError({field: f"{fiscal_years.EARLIEST_FISCAL_YEAR}年度以降を指定してください。"})


class Pillar(models.Model):
    """One of a plan's pillars (5つの柱), with its aim (取組視点)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="pillars", verbose_name="計画")
    number = models.PositiveSmallIntegerField("番号")
    name = models.CharField("名称", max_length=50)
    aim = models.TextField("取組視点", blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "柱"
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "number"],
                name="pillar_number_unique_in_plan",
                violation_error_message="この計画には同じ番号の柱がすでにあります。",
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1),
                name="pillar_number_positive",
                violation_error_message="柱の番号は1以上にしてください。",
            ),
        ]

    def __str__(self) -> str:
        return f"5つの柱{self.label}"

    @property
    def label(self) -> str:
        return f"{circled(self.number)} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("plans:pillar", args=[self.plan.slug, self.number])


class Department(models.Model):
    """A section in charge (担当課): a division (部・室) and a section (課・室).

    The source's 関係各課 ("all related sections") is kept as a department with
    no division, written as the source writes it.
    """

    division = models.CharField("部・室", max_length=50, blank=True)
    section = models.CharField("課・室", max_length=50)

    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "担当課"
        ordering = ["division", "section"]
        constraints = [
            models.UniqueConstraint(
                fields=["division", "section"],
                name="department_unique",
                violation_error_message="同じ部・課がすでに登録されています。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.division}{self.section}"

    @property
    def name(self) -> str:
        return str(self)

    def get_absolute_url(self) -> str:
        return reverse("plans:department", args=[self.pk])


class DepartmentMembership(models.Model):
    """A user working in a department: department staff enter progress for its measures."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="department_memberships", verbose_name="利用者"
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="memberships", verbose_name="所属課"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "所属課"
        ordering = ["user", "department"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "department"],
                name="department_membership_unique",
                violation_error_message="この利用者はすでにこの課に所属しています。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} / {self.department}"


class ReportIsPublished(ValidationError):
    """Raised when anything of a published progress report would change: it is frozen."""

    def __init__(self, message: str = "公表済みの進捗状況報告は変更できません。"):
        super().__init__(message)


def _report_is_published(report_id) -> bool:
    return report_id is not None and ProgressReport.objects.filter(pk=report_id, published_at__isnull=False).exists()


class Measure(models.Model):
    """A numbered measure (推進項目) of a plan, under one pillar."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="measures", verbose_name="計画")
    pillar = models.ForeignKey(Pillar, on_delete=models.PROTECT, related_name="measures", verbose_name="柱")
    number = models.PositiveSmallIntegerField("事業No.")
    title = models.CharField("推進項目名称", max_length=200)
    subtitle = models.CharField("副題", max_length=200, blank=True, help_text="名称の後に括弧書きで添える語")
    current_situation = models.TextField("現状と課題", blank=True, help_text="段落は空行で区切ります。")
    approach = models.TextField("課題解決に向けた方向性・活動内容", blank=True, help_text="段落は空行で区切ります。")
    departments = models.ManyToManyField(
        Department, through="MeasureDepartment", related_name="measures", verbose_name="担当課"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "推進項目"
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "number"],
                name="measure_number_unique_in_plan",
                violation_error_message="この計画には同じ事業No.の推進項目がすでにあります。",
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1),
                name="measure_number_positive",
                violation_error_message="事業No.は1以上にしてください。",
            ),
        ]

    def __str__(self) -> str:
        return f"No.{self.number} {self.full_title}"

    @property
    def full_title(self) -> str:
        return f"{self.title}（{self.subtitle}）" if self.subtitle else self.title

    def get_absolute_url(self) -> str:
        return reverse("plans:measure", args=[self.plan.slug, self.number])

    def clean(self):
        super().clean()
        if self.plan_id and self.pillar_id and self.pillar.plan_id != self.plan_id:
            raise ValidationError({"pillar": "この計画の柱を選んでください。"})


class MeasureDepartment(models.Model):
    """A department in charge of a measure; the one in first position leads."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="assignments", verbose_name="推進項目")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="assignments", verbose_name="担当課"
    )
    position = models.PositiveSmallIntegerField("順序", default=1, help_text="1が主担当です。")

    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "推進項目の担当課"
        ordering = ["measure", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "department"],
                name="measure_department_unique",
                violation_error_message="この担当課はすでにこの推進項目に割り当てられています。",
            ),
            models.UniqueConstraint(
                fields=["measure", "position"],
                name="measure_department_position_unique",
                violation_error_message="同じ順序の担当課がすでにあります。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure} / {self.department}"


class ProgressReport(models.Model):
    """A plan's status as of a date (進捗状況 令和5年9月1日現在)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="reports", verbose_name="計画")
    as_of = models.DateField("基準日")
    due_date = models.DateField("提出期限", null=True, blank=True, help_text="担当課が入力を終えて提出する期限")
    published_at = models.DateTimeField("公表日時", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="公表した人",
    )
    published_bands = models.JSONField(
        "公表時の評価区分", default=list, blank=True, editable=False,
        help_text="公表した時点の評価区分（[評価, 下限の達成率]）。後で区分を変えても、この報告の評価は変わりません。",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "進捗状況報告"
        ordering = ["plan", "-as_of"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "as_of"],
                name="report_as_of_unique_in_plan",
                violation_error_message="この計画には同じ基準日の進捗状況報告がすでにあります。",
            ),
            models.UniqueConstraint(
                fields=["plan"],
                condition=Q(published_at__isnull=True),
                name="one_open_report_per_plan",
                violation_error_message="この計画には公表前の進捗状況報告がすでにあります。先に公表してください。",
            ),
        ]

    def __str__(self) -> str:
        return f"進捗状況（{self.as_of_label}）"

    @property
    def as_of_label(self) -> str:
        return f"{fiscal_years.era_date(self.as_of)}現在"

    @property
    def fiscal_year(self) -> int:
        return fiscal_years.of_date(self.as_of)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def due_date_label(self) -> str:
        return fiscal_years.era_date(self.due_date) if self.due_date else ""

    def save(self, *args, **kwargs):
        # Publishing sets published_at on a report that is not yet published; after that it is frozen.
        if self.pk and _report_is_published(self.pk):
            raise ReportIsPublished()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if _report_is_published(self.pk):
            raise ReportIsPublished("公表済みの進捗状況報告は削除できません。")
        return super().delete(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.due_date and self.as_of and self.due_date < self.as_of:
            raise ValidationError({"due_date": "提出期限は基準日以降にしてください。"})
        if self.plan_id and self.as_of:
            # A report may come up to a year after the plan ends, to give its last results.
            first = fiscal_years.first_day(self.plan.first_fiscal_year)
            last = fiscal_years.last_day(self.plan.last_fiscal_year + 1)
            if not first <= self.as_of <= last:
                raise ValidationError(
                    {"as_of": f"基準日は{fiscal_years.era_date(first)}から{fiscal_years.era_date(last)}までにしてください。"}
                )


class ProgressNote(models.Model):
    """A measure's entry in one progress report: its narrative (活動経過・今後の予定) and review state.

    Citizens see a note only once it is approved and its report is published.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "作成中"
        SUBMITTED = "submitted", "提出済み"
        RETURNED = "returned", "差戻し"
        APPROVED = "approved", "承認済み"

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="notes", verbose_name="進捗状況報告")
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="progress_notes", verbose_name="推進項目")
    text = models.TextField("活動経過・今後の予定", blank=True, help_text="段落は空行で区切ります。")
    status = models.CharField("状態", max_length=10, choices=Status.choices, default=Status.DRAFT)
    review_comment = models.TextField("審査コメント", blank=True, help_text="差戻しの理由など、経営改革課から担当課へのコメント")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="提出した人",
    )
    submitted_at = models.DateTimeField("提出日時", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="審査した人",
    )
    reviewed_at = models.DateTimeField("審査日時", null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="最後に更新した人",
    )
    updated_at = models.DateTimeField("最終更新日時", null=True, blank=True)
    # Optimistic locking: every write goes through plans.workflow, which checks and bumps it.
    version = models.PositiveIntegerField("版", default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "活動経過・今後の予定"
        ordering = ["report", "measure__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "measure"],
                name="progress_note_unique_per_report",
                violation_error_message="この推進項目の記述はこの報告にすでにあります。",
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1),
                name="progress_note_version_positive",
                violation_error_message="版は1以上にしてください。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} / {self.measure}"

    @property
    def is_editable_status(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    def save(self, *args, **kwargs):
        if _report_is_published(self.report_id):
            raise ReportIsPublished()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if _report_is_published(self.report_id):
            raise ReportIsPublished()
        return super().delete(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.report_id and self.measure_id and self.report.plan_id != self.measure.plan_id:
            raise ValidationError({"measure": "報告と同じ計画の推進項目を選んでください。"})
