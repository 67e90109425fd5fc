"""Atom feeds of published progress reports, for the site and for each plan (Django's syndication
framework). What they list and say comes from the page builder public/pages/feed.py."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed

from .pages import feed, parts


class ReportFeed(Feed):
    """The site's feed, or one plan's when the URL names it."""

    feed_type = Atom1Feed
    subtitle = "公表された進捗状況報告（基準日ごとの目標値・結果・活動経過）のお知らせです。"

    def get_object(self, request, plan_slug=None):
        return feed.source(get_object_or_404(parts.plans(), slug=plan_slug) if plan_slug else None)

    def title(self, source):
        return source.title

    def link(self, source):
        return source.link

    def author_name(self, source):
        return source.municipality or "経営改革推進計画"

    def items(self, source):
        return feed.entries(source.plan)

    def item_title(self, entry):
        return entry.title

    def item_description(self, entry):
        return entry.summary

    def item_link(self, entry):
        return entry.url

    def item_pubdate(self, entry):
        return entry.published_at

    def item_updateddate(self, entry):
        return entry.published_at
