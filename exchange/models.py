"""Uploads waiting for their uploader's confirmation.

A workbook is checked and shown before anything is saved; what was checked waits here, in the
database (not in the session row), until the person who uploaded it confirms or drops it, or
until it expires.
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from reports.models import ProgressReport

# How long an upload waits for its confirmation.
PENDING_UPLOAD_LIFETIME = datetime.timedelta(hours=1)


class PendingUploadUnavailable(Exception):
    """The upload to confirm is gone, belongs to someone else, or has expired; the message says what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


MISSING_MESSAGE = "確認中のアップロードが見つかりません。もう一度ファイルを選んでください。"
EXPIRED_MESSAGE = (
    "アップロードから{hours}時間が過ぎたため、確認の期限が切れました。何も保存していません。"
    "もう一度ファイルを選んでアップロードしてください。"
)


class PendingUploadQuerySet(models.QuerySet):
    def expired(self, now: datetime.datetime | None = None):
        return self.filter(created_at__lte=(now or timezone.now()) - PENDING_UPLOAD_LIFETIME)

    def keep(self, user, kind: str, *, report: ProgressReport | None = None,
             workbook: bytes | None = None, data: dict | None = None) -> PendingUpload:
        """Keep a checked upload for its confirmation; uploads past their time (anyone's) are deleted."""
        self.expired().delete()
        return self.create(user=user, kind=kind, report=report, workbook=workbook, data=data)

    def take(self, user, kind: str, pending_id, *, report: ProgressReport | None = None) -> PendingUpload:
        """The user's own pending upload of this kind (and report), removed so that it is used once.

        Raises PendingUploadUnavailable when there is none (another user's counts as none) or it has expired.
        """
        try:
            pending = self.get(pk=pending_id, user=user, kind=kind, report=report)
        except (self.model.DoesNotExist, ValidationError, ValueError):  # ValidationError: not a UUID
            raise PendingUploadUnavailable(MISSING_MESSAGE) from None
        # Whoever deletes the row uses it: a second confirmation (a double click) finds nothing.
        deleted, _ = self.filter(pk=pending.pk).delete()
        if not deleted:
            raise PendingUploadUnavailable(MISSING_MESSAGE)
        if pending.has_expired():
            raise PendingUploadUnavailable(EXPIRED_MESSAGE.format(hours=_hours(PENDING_UPLOAD_LIFETIME)))
        return pending

    def drop(self, user, pending_id) -> None:
        """The user decided not to save it."""
        try:
            self.filter(pk=pending_id, user=user).delete()
        except (ValidationError, ValueError):
            pass


def _hours(delta: datetime.timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:g}"


class PendingUpload(models.Model):
    """A checked upload, kept until its uploader confirms or drops it (or it expires)."""

    class Kind(models.TextChoices):
        PLAN_WORKBOOK = "plan_workbook", "計画ブック"
        RESULT_TEMPLATE = "result_template", "結果入力ブック"

    id = models.UUIDField("ID", primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                             verbose_name="アップロードした人")
    kind = models.CharField("種類", max_length=20, choices=Kind.choices)
    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                               verbose_name="進捗状況報告")
    workbook = models.BinaryField("ファイル", null=True, blank=True)  # a plan workbook, as uploaded
    data = models.JSONField("読み取った内容", null=True, blank=True)  # a result template, as read
    created_at = models.DateTimeField("アップロード日時", default=timezone.now, db_index=True)

    objects = PendingUploadQuerySet.as_manager()

    class Meta:
        verbose_name = "確認待ちのアップロード"
        verbose_name_plural = verbose_name
        constraints = [
            models.CheckConstraint(
                name="pending_upload_holds_a_workbook_or_data",
                condition=(models.Q(kind="plan_workbook", workbook__isnull=False)
                           | models.Q(kind="result_template", data__isnull=False, report__isnull=False)),
                violation_error_message="計画ブックはファイルを、結果入力ブックは報告と読み取った内容を持ちます。",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}（{self.created_at:%Y-%m-%d %H:%M}）"

    @property
    def expires_at(self) -> datetime.datetime:
        return self.created_at + PENDING_UPLOAD_LIFETIME

    def has_expired(self, now: datetime.datetime | None = None) -> bool:
        return self.expires_at <= (now or timezone.now())


class KeptFile(models.Model):
    """A generated download kept in the database, so that it is built once and every app server serves it.

    Only files that cannot change under their key are kept: a published report's workbook (the report is
    frozen) and open data for one version of the public content and one day (exchange.kept_files).
    """

    class Kind(models.TextChoices):
        REPORT_WORKBOOK = "report_workbook", "公表済み進捗状況報告のブック"
        REPORT_PDF = "report_pdf", "公表済み進捗状況報告のPDF"
        OPENDATA_CSV = "opendata_csv", "オープンデータ（CSV）"
        OPENDATA_JSON = "opendata_json", "オープンデータ（JSON）"

    key = models.CharField("キー", max_length=200, unique=True)
    kind = models.CharField("種類", max_length=20, choices=Kind.choices)
    # The report a workbook is of: its kept file goes with it, and a newer one of it supersedes it.
    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                               verbose_name="進捗状況報告")
    content = models.BinaryField("ファイル")
    # When its build began: a file begun later supersedes it (exchange.kept_files).
    created_at = models.DateTimeField("作成開始日時", default=timezone.now)

    class Meta:
        verbose_name = "保存済みの生成ファイル"
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["kind", "report", "created_at"], name="kept_file_supersede")]
        constraints = [
            models.CheckConstraint(
                name="kept_file_workbook_has_its_report",
                condition=models.Q(kind="report_workbook", report__isnull=False) | ~models.Q(kind="report_workbook"),
                violation_error_message="進捗状況報告のブックは報告を持ちます。",
            ),
        ]

    def __str__(self):
        return self.key


class KeptFileBuild(models.Model):
    """A kept file being built: whoever inserts the row for a key builds it; everyone else waits for the file.

    A row, not a lock held in a transaction, so that it holds across processes and servers on PostgreSQL and
    SQLite alike without a transaction open for the length of a build (a large report's PDF takes a minute).
    A build that died (a worker killed mid-build) leaves its row; after KEPT_FILE_BUILD_TIMEOUT it is taken
    over (exchange.kept_files.get_or_build_once).
    """

    key = models.CharField("キー", max_length=200, unique=True)
    started_at = models.DateTimeField("作成開始日時", default=timezone.now)

    class Meta:
        verbose_name = "作成中の生成ファイル"
        verbose_name_plural = verbose_name

    def __str__(self):
        return self.key
