"""Plans and what they are made of: pillars, measures, departments and who works in them.

A municipality keeps many plans side by side (one every three or four years);
nothing here is specific to one city.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core import fiscal_years
from core.numbering import SMALL_INTEGER_MAX, circled
from core.text import LONG_TEXT_MAX_LENGTH, NormalizesText, length_message, limit_help


def fiscal_year_range() -> list:
    """Fiscal years that can be named (昭和元年度 on) and whose reports have dates: checked by the forms too."""
    return [
        MinValueValidator(fiscal_years.EARLIEST_FISCAL_YEAR, message=f"{fiscal_years.EARLIEST_FISCAL_YEAR}年度以降を指定してください。"),
        MaxValueValidator(fiscal_years.LATEST_FISCAL_YEAR, message=f"{fiscal_years.LATEST_FISCAL_YEAR}年度までで指定してください。"),
    ]


def small_number() -> MaxValueValidator:
    """Numbers, slots and positions fit their small integer column on every database."""
    return MaxValueValidator(SMALL_INTEGER_MAX, message=f"{SMALL_INTEGER_MAX:,}以下の数を指定してください。")


def long_text_limit(label: str) -> MaxLengthValidator:
    """The limit of a long text (core.text.LONG_TEXT_MAX_LENGTH), with a message that names the field."""
    return MaxLengthValidator(LONG_TEXT_MAX_LENGTH, message=length_message(label))


class PlanQuerySet(models.QuerySet):
    def published(self) -> "PlanQuerySet":
        """Plans citizens may see: their 公開日時 is set (a next plan being prepared stays out of sight)."""
        return self.filter(published_at__isnull=False)

    def current(self, today: datetime.date | None = None) -> "Plan | None":
        """The plan whose period holds today, else the latest one; one query."""
        return self.running_first(fiscal_years.of_date(today or timezone.localdate())).first()

    def running_first(self, fiscal_year: int) -> "PlanQuerySet":
        """The plans whose period holds the fiscal year first, then the latest ones."""
        running = Q(first_fiscal_year__lte=fiscal_year, last_fiscal_year__gte=fiscal_year)
        return (
            self.annotate(is_running=models.Case(models.When(running, then=models.Value(1)), default=models.Value(0),
                                                 output_field=models.IntegerField()))
            .order_by("-is_running", "-first_fiscal_year")
        )


class Plan(NormalizesText, models.Model):
    slug = models.SlugField("URL名", max_length=40, unique=True, help_text="URLに使う英数字（例: 2023-2026）")
    title = models.CharField("計画名", max_length=200)
    municipality = models.CharField("自治体名", max_length=100)
    policy = models.CharField("基づく方針", max_length=200, blank=True)
    first_fiscal_year = models.PositiveSmallIntegerField("開始年度（西暦）", validators=fiscal_year_range())
    last_fiscal_year = models.PositiveSmallIntegerField("終了年度（西暦）", validators=fiscal_year_range())
    introduction = models.TextField(
        "はじめに", blank=True, validators=[long_text_limit("はじめに")], help_text=limit_help(),
    )
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
        return reverse("public:plan", args=[self.slug])

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


class Pillar(NormalizesText, models.Model):
    """One of a plan's pillars (5つの柱), with its aim (取組視点)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="pillars", verbose_name="計画")
    number = models.PositiveSmallIntegerField("番号", validators=[small_number()])
    name = models.CharField("名称", max_length=50)
    aim = models.TextField("取組視点", blank=True, validators=[long_text_limit("取組視点")], help_text=limit_help())

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
        return reverse("public:pillar", args=[self.plan.slug, self.number])


# Words a plan uses for "every section concerned" rather than one section (the source's 関係各課).
COLLECTIVE_SECTIONS = frozenset({"関係各課", "関係課", "各課", "全課"})


def is_collective(division: str, section: str) -> bool:
    """Whether a department row stands for the sections concerned as a group (関係各課): no division,
    and a section named as a group. Read on live departments and on published snapshots alike."""
    return not division and section in COLLECTIVE_SECTIONS


class DepartmentQuerySet(models.QuerySet):
    def sections(self) -> "DepartmentQuerySet":
        """Real sections only: without the collective row (関係各課), which has no page of its own."""
        return self.exclude(division="", section__in=COLLECTIVE_SECTIONS)


class Department(NormalizesText, models.Model):
    """A section in charge (担当課): a division (部・室) and a section (課・室).

    The source's 関係各課 ("all related sections") is kept as a department with
    no division, written as the source writes it; it is collective (is_collective):
    pages write it as text after the departments, never link or list it as a section.
    """

    division = models.CharField("部・室", max_length=50, blank=True)
    section = models.CharField("課・室", max_length=50)
    position = models.PositiveSmallIntegerField(
        "表示順", null=True, blank=True, validators=[small_number()],
        help_text="公開サイトと一覧に並べる順（小さい順）。空欄なら最後に加えます。",
    )

    history = HistoricalRecords()

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "担当課"
        # The city's order, which the reform office sets (the seed's is the source's); never the
        # character-code order of the names.
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["division", "section"],
                name="department_unique",
                violation_error_message="同じ部・課がすでに登録されています。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.division}{self.section}"

    def save(self, *args, **kwargs):
        if self.position is None:  # a new department, e.g. from a plan workbook: after the others
            last = Department.objects.aggregate(last=models.Max("position"))["last"]
            self.position = min((last or 0) + 1, SMALL_INTEGER_MAX)
        super().save(*args, **kwargs)

    @property
    def name(self) -> str:
        return str(self)

    @property
    def is_collective(self) -> bool:
        return is_collective(self.division, self.section)

    @property
    def city_order(self) -> tuple[int, int]:
        """Meta.ordering as a sort key, for departments gathered in Python (a page's measures)."""
        return (self.position or 0, self.pk)

    def get_absolute_url(self) -> str:
        return reverse("public:department", args=[self.pk])


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


class MeasureQuerySet(models.QuerySet):
    def with_departments(self) -> "MeasureQuerySet":
        """Measures in number order with their pillar and departments (the lead first), prefetched."""
        return self.select_related("pillar").prefetch_related(
            models.Prefetch(
                "assignments", queryset=MeasureDepartment.objects.select_related("department").order_by("position")
            )
        ).order_by("number")


class Measure(NormalizesText, models.Model):
    """A numbered measure (推進項目) of a plan, under one pillar."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="measures", verbose_name="計画")
    pillar = models.ForeignKey(Pillar, on_delete=models.PROTECT, related_name="measures", verbose_name="柱")
    number = models.PositiveSmallIntegerField("事業No.", validators=[small_number()])
    title = models.CharField("推進項目名称", max_length=200)
    subtitle = models.CharField("副題", max_length=200, blank=True, help_text="名称の後に括弧書きで添える語")
    current_situation = models.TextField(
        "現状と課題", blank=True, validators=[long_text_limit("現状と課題")],
        help_text=f"段落は空行で区切ります。{limit_help()}",
    )
    approach = models.TextField(
        "課題解決に向けた方向性・活動内容", blank=True, validators=[long_text_limit("課題解決に向けた方向性・活動内容")],
        help_text=f"段落は空行で区切ります。{limit_help()}",
    )
    departments = models.ManyToManyField(
        Department, through="MeasureDepartment", related_name="measures", verbose_name="担当課"
    )

    history = HistoricalRecords()
    objects = MeasureQuerySet.as_manager()

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
        return reverse("public:measure", args=[self.plan.slug, self.number])

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
    position = models.PositiveSmallIntegerField("順序", default=1, validators=[small_number()], help_text="1が主担当です。")

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
