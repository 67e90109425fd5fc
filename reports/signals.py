"""Signals reports sends to the layers above it, which it may not import (exchange builds files from reports)."""

from django.dispatch import Signal

# Sent once a report's publication has committed (reports.publication.publish_report), with `report`:
# the published ProgressReport. exchange.receivers queues the build of its PDF and workbook.
report_published = Signal()
