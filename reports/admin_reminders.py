"""The admin of reminder e-mails: each user's 通知の設定 (their own page), administrators' list of
everyone's, and the reform office's record of what was sent. Rights from plans.permissions."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from plans import permissions
from plans.admin import ScopedAdminMixin

from .models import ReminderPreference, SentReminder


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = ReminderPreference
        fields = ("receive_reminders",)


@admin.register(ReminderPreference)
class ReminderPreferenceAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("user", "receive_reminders")
    list_filter = ("receive_reminders",)
    autocomplete_fields = ("user",)
    search_fields = ("user__username", "user__last_name", "user__first_name", "user__email")

    def get_urls(self):
        return [
            path("mine/", self.admin_site.admin_view(self.mine_view), name="reports_reminderpreference_mine"),
        ] + super().get_urls()

    def mine_view(self, request):
        """The signed-in user's own settings: whether they get reminder e-mails."""
        preference = ReminderPreference.objects.filter(user=request.user).first() or ReminderPreference(user=request.user)
        if preference.pk is not None:
            permissions.require(request.user, permissions.CHANGE, preference)
        form = PreferenceForm(request.POST if request.method == "POST" else None, instance=preference)
        if request.method == "POST" and form.is_valid():
            form.save()
            self.message_user(request, "通知の設定を保存しました。", messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:reports_reminderpreference_mine"))
        context = {
            **self.admin_site.each_context(request),
            "title": "通知の設定",
            "opts": self.model._meta,
            "form": form,
            "email": request.user.email,
        }
        return TemplateResponse(request, "admin/reports/reminderpreference/mine.html", context)


@admin.register(SentReminder)
class SentReminderAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("sent_at", "kind", "stage", "user", "email", "report")
    list_filter = ("kind", "report")
    list_select_related = ("user", "report__plan")
    date_hierarchy = "sent_at"
