"""Send the reminder e-mails that are due today (reports/reminders.py). Meant to run once a day
(docs/operations.md, "Reminder e-mails"); running it again sends nothing twice."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reports import reminders


class Command(BaseCommand):
    help = "Send due reminders: to departments that have not submitted, and to reviewers when notes wait."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day to act as (YYYY-MM-DD, Asia/Tokyo); today by default")
        parser.add_argument("--dry-run", action="store_true", help="list what would be sent, send nothing")

    def handle(self, *args, date=None, dry_run=False, **options):
        if not settings.SITE_URL:
            raise CommandError("SITE_URL is not set: the reminders link to the site (e.g. SITE_URL=https://reform.city.example.jp).")
        try:
            today = datetime.date.fromisoformat(date) if date else None
        except ValueError:
            raise CommandError(f"--date: not a date: {date!r} (YYYY-MM-DD)") from None
        if dry_run:
            plan = reminders.reminders_due(today)
            for reminder in plan.to_send:
                self.stdout.write(f"would send to {reminder.user.email}: {reminder.subject}")
            outcome = reminders.Outcome(no_address=plan.no_address)
        else:
            outcome = reminders.send_reminders(today)
            for reminder in outcome.sent:
                self.stdout.write(f"sent to {reminder.user.email}: {reminder.subject}")
        for reminder in outcome.no_address:
            self.stderr.write(f"not sent (user {reminder.user.username} has no e-mail address): {reminder.subject}")
        for reminder, error in outcome.failed:
            self.stderr.write(f"FAILED to {reminder.user.email} (tried again next run): {reminder.subject}: {error}")
        self.stdout.write(f"{len(outcome.sent)} sent, {len(outcome.failed)} failed, {len(outcome.no_address)} without an address.")
        if outcome.failed:
            raise CommandError(f"{len(outcome.failed)} reminder(s) could not be sent.")
