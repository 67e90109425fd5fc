"""The reporting cycle: progress reports, their notes, proposed results and published snapshots.

A report is opened by the reform office, filled in by department staff
(reports.workflow), and published (reports.publication); once published,
nothing of it changes. The tables keep the names they had when these models
lived in plans and indicators (moved without touching the data).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core import fiscal_years
from core.parsing import decimals_of, result_precision_message
from core.text import NormalizesText, length_message, limit_help
from indicators import presentation
from indicators.models import IndicatorYear, MilestoneStage, YearFigures
from plans.models import long_text_limit


class ReportIsPublished(ValidationError):
    """Raised when anything of a published progress report would change: it is frozen."""

    def __init__(self, message: str = "公表済みの進捗状況報告は変更できません。"):
        super().__init__(message)


def named_date() -> MinValueValidator:
    """Dates that have an era name (reports are titled 令和5年9月1日現在): checked by the forms too."""
    return MinValueValidator(
        fiscal_years.EARLIEST_DATE, message=f"{fiscal_years.era_date(fiscal_years.EARLIEST_DATE)}以降の日付を指定してください。"
    )


def _report_is_published(report_id) -> bool:
    return report_id is not None and ProgressReport.objects.filter(pk=report_id, published_at__isnull=False).exists()


class ProgressReportQuerySet(models.QuerySet):
    def published(self) -> "ProgressReportQuerySet":
        """Published reports of published plans: the ones citizens may read, newest first."""
        return self.filter(published_at__isnull=False, plan__published_at__isnull=False).order_by("-as_of")

    def open(self) -> "ProgressReportQuerySet":
        """Reports not yet published: the ones staff are entering progress for (one per plan at most)."""
        return self.filter(published_at__isnull=True)


class ProgressNoteQuerySet(models.QuerySet):
    def public(self) -> "ProgressNoteQuerySet":
        """Notes citizens may read: approved, in a published report of a published plan."""
        return self.filter(
            status=ProgressNote.Status.APPROVED,
            report__published_at__isnull=False,
            report__plan__published_at__isnull=False,
        )

    def in_open_reports(self) -> "ProgressNoteQuerySet":
        return self.filter(report__published_at__isnull=True)


class ProgressReport(models.Model):
    """A plan's status as of a date (進捗状況 令和5年9月1日現在)."""

    plan = models.ForeignKey("plans.Plan", on_delete=models.CASCADE, related_name="reports", verbose_name="計画")
    as_of = models.DateField("基準日", validators=[named_date()])
    due_date = models.DateField(
        "提出期限", null=True, blank=True, validators=[named_date()], help_text="担当課が入力を終えて提出する期限",
    )
    published_at = models.DateTimeField("公表日時", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="公表した人",
    )
    published_bands = models.JSONField(
        "公表時の評価区分", default=list, blank=True, editable=False,
        help_text="公表した時点の評価区分（[評価, 下限の達成率]）。後で区分を変えても、この報告の評価は変わりません。",
    )
    published_content = models.JSONField(
        "公表時の内容", default=dict, blank=True, editable=False,
        help_text="公表した時点の計画名・柱・推進項目・担当課・指標（単位・方向・段階など）の写し（reports/snapshot.py）。"
        "後で計画を直しても、公表済みの報告の表示は変わりません。",
    )

    class Unapproved(models.TextChoices):
        """What the published report does with measures whose note was not approved (chosen when publishing)."""

        OMIT = "omit", "この報告から外す"
        NOT_SUBMITTED = "not_submitted", "「未提出」と表示する"

    unapproved_measures = models.CharField(
        "承認されていない推進項目の扱い", max_length=20, choices=Unapproved.choices, blank=True, default="",
        editable=False,
        help_text="公表したときに選んだ扱い。空欄は選ばずに公表した報告（指標だけを掲載し、記述の欄に「掲載していません」と表示）。",
    )

    history = HistoricalRecords(table_name="plans_historicalprogressreport")
    objects = ProgressReportQuerySet.as_manager()

    class Meta:
        db_table = "plans_progressreport"
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


class ProgressNote(NormalizesText, models.Model):
    """A measure's entry in one progress report: its narrative (活動経過・今後の予定) and review state.

    Citizens see a note only once it is approved and its report is published.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "作成中"
        SUBMITTED = "submitted", "提出済み"
        RETURNED = "returned", "差戻し"
        APPROVED = "approved", "承認済み"

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="notes", verbose_name="進捗状況報告")
    measure = models.ForeignKey("plans.Measure", on_delete=models.CASCADE, related_name="progress_notes", verbose_name="推進項目")
    text = models.TextField(
        "活動経過・今後の予定", blank=True, validators=[long_text_limit("活動経過・今後の予定")],
        help_text=f"段落は空行で区切ります。{limit_help()}",
    )
    status = models.CharField("状態", max_length=10, choices=Status.choices, default=Status.DRAFT)
    review_comment = models.TextField(
        "審査コメント", blank=True, validators=[long_text_limit("審査コメント")],
        help_text=f"差戻しの理由など、経営改革課から担当課へのコメント。{limit_help()}",
    )
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
    # Optimistic locking: every write goes through reports.workflow, which checks and bumps it.
    version = models.PositiveIntegerField("版", default=1)

    history = HistoricalRecords(table_name="plans_historicalprogressnote")
    objects = ProgressNoteQuerySet.as_manager()

    class Meta:
        db_table = "plans_progressnote"
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

    # Not yet with the reform office: the department still enters and submits these.
    NOT_SUBMITTED = (Status.DRAFT, Status.RETURNED)

    @property
    def is_editable_status(self) -> bool:
        return self.status in self.NOT_SUBMITTED

    def author_ids(self) -> set[int]:
        """Who entered this note's text or results: they may not approve it (four eyes).

        Read from the action log: everyone who ever saved a change to the note's text or
        results, in the browser or by uploading a result workbook, since its report was
        opened; a return does not wipe the slate, because what they wrote usually stays
        in the note. Saves made before the action log existed are not counted (the only
        report of that time, the seed's, is published and can no longer be approved).
        """
        return set(
            Action.objects.filter(note=self, kind__in=Action.AUTHORING, user__isnull=False)
            .values_list("user_id", flat=True)
        )

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


class PublishedIndicatorYear(YearFigures):
    """An indicator year frozen as a progress report published it.

    What citizens saw on a report's date stays readable after later edits. The indicator
    and stages are read from the report's own copy (ProgressReport.published_content,
    reports.snapshot), which these ids key into; the live rows are never read for it.
    """

    report = models.ForeignKey(
        ProgressReport, on_delete=models.CASCADE, related_name="published_years", verbose_name="進捗状況報告"
    )
    indicator = models.ForeignKey("indicators.Indicator", on_delete=models.CASCADE, related_name="published_years", verbose_name="指標")
    fiscal_year = models.PositiveSmallIntegerField("年度（西暦）")

    class Meta:
        db_table = "indicators_publishedindicatoryear"
        verbose_name = verbose_name_plural = "公表済みの目標値・結果"
        ordering = ["report", "indicator", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "indicator", "fiscal_year"],
                name="published_year_unique",
                violation_error_message="この報告には同じ指標・年度の値がすでにあります。",
            ),
        ]


EXPLANATION_MAX_LENGTH = 200


class ResultEntry(NormalizesText, models.Model):
    """A result department staff propose for an indicator year, in their measure's progress note.

    It stays a draft with the note: publishing the report copies the entries of
    approved notes into the official IndicatorYear results (reports.publication).
    """

    progress_note = models.ForeignKey(
        ProgressNote, on_delete=models.CASCADE, related_name="result_entries", verbose_name="活動経過・今後の予定"
    )
    indicator_year = models.ForeignKey(
        IndicatorYear, on_delete=models.CASCADE, related_name="result_entries", verbose_name="指標・年度"
    )
    value = models.DecimalField(
        "結果", max_digits=15, decimal_places=4, null=True, blank=True, validators=[MinValueValidator(Decimal(0))]
    )
    stage = models.ForeignKey(
        MilestoneStage, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="到達した段階"
    )
    # Why a result the plausibility checks warn about (indicators.plausibility) is right, for the reviewer.
    explanation = models.CharField(
        "説明", max_length=EXPLANATION_MAX_LENGTH, blank=True,
        error_messages={"max_length": length_message("説明", EXPLANATION_MAX_LENGTH)},
    )

    history = HistoricalRecords(table_name="indicators_historicalresultentry")

    class Meta:
        db_table = "indicators_resultentry"
        verbose_name = verbose_name_plural = "結果の入力"
        ordering = ["progress_note", "indicator_year__indicator__slot", "indicator_year__fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["progress_note", "indicator_year"],
                name="result_entry_unique_per_note",
                violation_error_message="この指標・年度の結果はこの記述にすでに入力されています。",
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=0),
                name="result_entry_not_negative",
                violation_error_message="結果に負の数は使えません。",
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=False, stage__isnull=True) | Q(value__isnull=True, stage__isnull=False),
                name="result_entry_value_or_stage",
                violation_error_message="結果は数値か段階のどちらか一方を入れてください。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_year}"

    @property
    def label(self) -> str:
        """指標① 令和5年度の結果: how pages and messages name the entry."""
        return presentation.result_label(self.indicator_year.indicator, self.indicator_year.fiscal_year)

    def save(self, *args, **kwargs):
        report_id = (
            type(self.progress_note).objects.filter(pk=self.progress_note_id).values_list("report_id", flat=True).first()
        )
        if _report_is_published(report_id):
            raise ReportIsPublished()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if _report_is_published(self.progress_note.report_id):
            raise ReportIsPublished()
        return super().delete(*args, **kwargs)

    def clean(self):
        super().clean()
        if not (self.progress_note_id and self.indicator_year_id):
            return
        errors: dict[str, str] = {}
        note = self.progress_note
        year = self.indicator_year
        indicator = year.indicator
        if indicator.measure_id != note.measure_id:
            errors["indicator_year"] = "この推進項目の指標を選んでください。"
        elif year.fiscal_year > note.report.fiscal_year:
            errors["indicator_year"] = (
                f"基準日（{note.report.as_of_label}）より後の年度（{year.fiscal_year_label}）の結果は入力できません。"
            )
        if indicator.is_milestone:
            if self.value is not None:
                errors["value"] = "段階の指標には数値の結果を入れられません。段階を選んでください。"
            elif self.stage_id is None:
                errors["stage"] = "到達した段階を選んでください。"
            elif self.stage.indicator_id != indicator.pk:
                errors["stage"] = "この指標の段階を選んでください。"
        else:
            if self.stage_id is not None:
                errors["stage"] = "数値の指標には段階を選べません。"
            elif self.value is None:
                errors["value"] = "結果を入力してください。"
            elif decimals_of(self.value) > indicator.result_places:
                errors["value"] = result_precision_message(indicator.result_places)
        if errors:
            raise ValidationError(errors)


class ActionQuerySet(models.QuerySet):
    def record(self, kind: str, user, *, note: ProgressNote | None = None, report: ProgressReport | None = None,
               plan=None, changes: dict | None = None, at=None) -> "Action":
        """Write one action; call it inside the transaction of the change it records.

        Give the most specific object it was done to: a note's report and plan, and a
        report's plan, are filled in, so every action of a report or a plan is one query away.
        """
        target = note or report or plan
        if note is not None:
            report = report or note.report
        return self.create(
            kind=kind, user=user if getattr(user, "pk", None) else None, at=at or timezone.now(),
            plan_id=plan.pk if plan is not None else getattr(report, "plan_id", None), report=report, note=note,
            note_version=note.version if note is not None else None,
            target=str(target)[:300] if target is not None else "", changes=changes or {},
        )

    def of_note(self, note: ProgressNote) -> "ActionQuerySet":
        """A note's actions, and those of its report that concern every note (opening, publishing)."""
        return self.filter(
            Q(note=note) | Q(report_id=note.report_id, note__isnull=True, kind__in=Action.REPORT_WIDE)
        )


class Action(models.Model):
    """One row per workflow action: who did what, when, to which note, report or plan, and what changed.

    Written by the function that performs the action (reports.workflow, reports.publication,
    the plan import), in the same transaction as the change, after Zulip's RealmAuditLog:
    the timeline, edit conflicts and the four-eyes rule read it instead of guessing from
    history rows. `changes` holds, as text shown to people at the time:
    - the note's fields: {"text": {"before": ..., "after": ...}, "status": ..., "review_comment": ...}
      (status as its stored value);
    - results: {"results": [{"indicator_year": id, "measure_id": id, "label": "指標① 令和5年度の結果",
      "before": "（未入力）", "after": "34,068時間"}, ...]} (proposed ones on a save, official ones on publishing);
    - what an action created: {"created": {...}} (opening a report, importing a plan); a note made
      for a measure added while its report is open is recorded on the note, with no changes.
    """

    class Kind(models.TextChoices):
        OPEN_REPORT = "open_report", "作成"
        ADD_MEASURE = "add_measure", "推進項目の追加"
        SAVE = "save", "保存"
        UPLOAD = "upload", "結果ブックから保存"
        SUBMIT = "submit", "提出"
        RETURN = "return", "差戻し"
        APPROVE = "approve", "承認"
        PUBLISH = "publish", "公表"
        IMPORT_PLAN = "import_plan", "計画ブックから作成"

    # Actions that enter a note's text or results: their authors may not approve it.
    AUTHORING = (Kind.SAVE, Kind.UPLOAD)
    # Actions on a report that every one of its notes shows in its timeline.
    REPORT_WIDE = (Kind.OPEN_REPORT, Kind.PUBLISH)

    kind = models.CharField("操作", max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="操作した人",
    )
    at = models.DateTimeField("日時", default=timezone.now)
    # What it was done to; the links are cleared if the object is deleted, `target` keeps its name.
    plan = models.ForeignKey("plans.Plan", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                             verbose_name="計画")
    report = models.ForeignKey(ProgressReport, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="actions", verbose_name="進捗状況報告")
    note = models.ForeignKey(ProgressNote, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="actions", verbose_name="活動経過・今後の予定")
    note_version = models.PositiveIntegerField("記述の版", null=True, blank=True,
                                               help_text="操作の後の記述の版（同時編集の確認に使います）")
    target = models.CharField("対象", max_length=300, blank=True)
    changes = models.JSONField("変更内容", default=dict, blank=True, encoder=DjangoJSONEncoder)

    objects = ActionQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "操作の記録"
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["note", "at"], name="action_note_at"),
            models.Index(fields=["report", "at"], name="action_report_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.target}"


class PublicContentVersion(models.Model):
    """One row: a number that every change to what citizens can read moves (reports.content_version).

    Cached public pages and kept files carry it in their keys, so a change makes them unreachable
    at once, in every worker, whatever cache backend is configured.
    """

    version = models.PositiveBigIntegerField("版", default=0)
    changed_at = models.DateTimeField("変更日時", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "公開内容の版"

    def __str__(self) -> str:
        return f"公開内容の版 {self.version}"


class ReminderPreference(models.Model):
    """Whether a user wants the reminder e-mails (reports.reminders); no row means yes.

    Each user changes their own on the admin's 通知の設定 page; administrators change anyone's.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_preference",
                                verbose_name="ユーザー")
    receive_reminders = models.BooleanField(
        "催促・お知らせのメールを受け取る", default=True,
        help_text="提出期限が近いとき・過ぎたときの催促と、審査を待つ記述のお知らせです。",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "通知の設定"

    def __str__(self) -> str:
        return f"{self.user}の通知の設定"


class SentReminder(models.Model):
    """One reminder e-mail sent: the command that sends them (send_reminders) never sends one twice.

    `stage` names the occasion within its kind: the days before the deadline the reminder is for
    and that deadline ("7@2024-09-30"), the week of being overdue and the deadline ("2@2024-09-30"),
    or the day of a review reminder ("2024-09-03").
    """

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", "提出期限の前"
        OVERDUE = "overdue", "提出期限の後"
        REVIEW = "review", "審査待ち"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                             verbose_name="宛先")
    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="sent_reminders",
                               verbose_name="進捗状況報告")
    kind = models.CharField("種類", max_length=10, choices=Kind.choices)
    stage = models.CharField("時点", max_length=20)
    sent_at = models.DateTimeField("送信日時", default=timezone.now)
    email = models.EmailField("送信先アドレス")
    measures = models.JSONField("知らせた推進項目", default=list, blank=True, help_text="事業No.の一覧")

    class Meta:
        verbose_name = verbose_name_plural = "送信したメール"
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "report", "kind", "stage"],
                name="sent_reminder_once",
                violation_error_message="この通知はすでに送信しています。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.stage}）→ {self.user}"
