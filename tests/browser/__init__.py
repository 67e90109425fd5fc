"""Browser tests: drive Debian's headless Chromium through Playwright against pytest-django's live server.

See conftest.py for the fixtures (`browser`, `page`, `phone_page`, `screenshot`) and axe.py for
`assert_accessible`.
"""
