"""The form the reform office opens or edits a progress report with (its dates as people type them:
plans.admin.JapaneseDateField, applied to every admin date field)."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils import timezone

from core import fiscal_years
from plans import permissions
from plans.models import Plan

from .models import ProgressReport

CONFIRM_FIELD = "confirm_past_due_date"


class ProgressReportForm(forms.ModelForm):
    """A deadline already past is saved only when the person confirms it: the checkbox for that
    appears, with the warning, when such a date is entered; saving without it is refused."""

    confirm_past_due_date = forms.BooleanField(
        label="過去の提出期限のまま保存する", required=False, widget=forms.HiddenInput,
        help_text="提出期限が今日より前の日付です。担当課はすぐに期限切れと表示されます。誤りでなければチェックを入れて保存してください。",
    )

    class Meta:
        model = ProgressReport
        fields = ("plan", "as_of", "due_date")

    def clean(self):
        cleaned = super().clean()
        due = cleaned.get("due_date")
        today = timezone.localdate()
        changed = self.instance.pk is None or "due_date" in self.changed_data
        if due is not None and due < today and changed and not cleaned.get(CONFIRM_FIELD):
            confirm = self.fields.get(CONFIRM_FIELD)
            if confirm is not None:
                confirm.widget = forms.CheckboxInput()
            self.add_error("due_date", (
                f"提出期限（{fiscal_years.era_date(due)}）は今日（{fiscal_years.era_date(today)}）より前です。"
                f"このまま保存するときは、下の「{self.fields[CONFIRM_FIELD].label}」にチェックを入れてください。"
            ))
        return cleaned


def preselected_plan(user, today=None) -> Plan | None:
    """The plan a new report is most likely for: the only plan running today (its period holds
    today's fiscal year) that the user may see and that has no report open; None when not exactly one."""
    fiscal_year = fiscal_years.of_date(today or timezone.localdate())
    plans = list(
        permissions.scope(user, Plan.objects.all())
        .filter(Q(first_fiscal_year__lte=fiscal_year, last_fiscal_year__gte=fiscal_year))
        .exclude(pk__in=ProgressReport.objects.open().values("plan_id"))[:2]
    )
    return plans[0] if len(plans) == 1 else None
