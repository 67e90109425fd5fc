"""Fixtures for the browser tests: Debian's headless Chromium driven by Playwright.

Every test under tests/browser/ is marked `browser` (`pytest -m "not browser"` leaves them out).
Where Chromium or axe-core is missing they are skipped with a message saying how to install it;
under CI (CI=true) a missing tool fails them instead.

    def test_home(page, seed_plan, screenshot):      # page: desktop 1280x900, base_url = live server
        page.goto("/")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(page)                       # from tests.browser.axe
        screenshot(page)                              # test-artifacts/<test name>.png

`phone_page` is the same at 320x720, touch and mobile (meta viewport honoured). Failing tests leave a
screenshot of each page they opened in test-artifacts/ (named …-failed.png).
"""

import datetime
import functools
import os
import re
from pathlib import Path

import pytest

from tests.workflow_helpers import department, open_report, reviewer, staff

from .axe import AXE_PATH

# Playwright's sync API keeps an asyncio event loop marked as running in the main thread for as long
# as the browser lives, so Django's async-unsafe guard would refuse every ORM call made by the tests
# (fixtures such as seed_plan, and the database flush between tests). Nothing in these tests runs
# inside that loop, so the guard is switched off for the test process.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ARTIFACTS = ROOT / "test-artifacts"

DEFAULT_CHROMIUM = "/usr/bin/chromium"
# The machine has no network: these keep Chromium from trying to reach Google's services.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 320, "height": 720}  # WCAG 1.4.10 reflow width
TIMEOUT_MS = 15_000
_PAGES = pytest.StashKey[list]()  # (fixture name, page) opened by a test, for failure screenshots
_CSP_VIOLATIONS = pytest.StashKey[list]()  # what the browser refused under the site's Content-Security-Policy


def _watch(request, context):
    """Prepare a context: axe-core comes in as an init script (the site's CSP refuses injected inline
    scripts, as it should), and anything the CSP blocks on the site's own pages fails the test."""
    if AXE_PATH.is_file():
        context.add_init_script(path=str(AXE_PATH))
    violations = request.node.stash.setdefault(_CSP_VIOLATIONS, [])
    context.on("console", lambda message: violations.append(message.text)
               if "Content Security Policy" in message.text else None)


def chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH") or DEFAULT_CHROMIUM


def running_under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


@functools.cache
def missing_requirements() -> str:
    """What the browser tests need and cannot find, with how to install it; "" when all is there."""
    problems = []
    chromium = chromium_path()
    if not (os.path.isfile(chromium) and os.access(chromium, os.X_OK)):
        problems.append(
            f"Chromium not found at {chromium} (CHROMIUM_PATH overrides the path); "
            "install it with: apt-get install chromium fonts-noto-cjk"
        )
    if not AXE_PATH.is_file():
        problems.append(f"axe-core not found at {AXE_PATH}; install it with: npm ci (in {ROOT})")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("the Python package playwright is missing; install it with: pip install -e '.[test]'")
    if not problems:
        return ""
    return "Browser tests cannot run: " + "; ".join(problems) + "."


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config, items):
    """Mark the browser tests, then run them after all other tests.

    This hook sees the whole session's items, not only this folder's: only ours are touched.
    Marking happens before the other implementations run, so that `-m "not browser"` sees the mark.
    Running them last keeps Playwright's event loop out of the other tests: while it lives, the main
    thread counts as "inside an event loop", where asgiref's async_to_sync (used by Django for async
    views, async signal receivers and async-only middleware) refuses to run.
    """
    for item in items:
        if _is_browser_test(item):
            item.add_marker(pytest.mark.browser)
    result = yield
    items[:] = [item for item in items if not _is_browser_test(item)] + [
        item for item in items if _is_browser_test(item)
    ]
    return result


def _is_browser_test(item) -> bool:
    return HERE in Path(item.path).resolve().parents


@pytest.fixture(scope="session", autouse=True)
def browser_requirements():
    """Skips (locally) or fails (CI=true) every browser test when Chromium or axe-core is missing."""
    message = missing_requirements()
    if message:
        if running_under_ci():
            pytest.fail(message + " (CI=true: missing browser-test tools are a failure, not a skip)", pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="session")
def browser(browser_requirements):
    """One headless Chromium for the whole session."""
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS, timeout=60_000
        )
    except BaseException:
        playwright.stop()
        raise
    yield browser
    browser.close()
    playwright.stop()


def _open_page(request, browser, live_server, name, **options):
    context = browser.new_context(
        base_url=live_server.url,
        locale="ja-JP",
        timezone_id="Asia/Tokyo",
        color_scheme="light",
        reduced_motion="reduce",
        **options,
    )
    context.set_default_timeout(TIMEOUT_MS)
    request.addfinalizer(context.close)
    _watch(request, context)
    page = context.new_page()
    request.node.stash.setdefault(_PAGES, []).append((name, page))
    return page


@pytest.fixture
def page(request, browser, live_server):
    """A desktop page (1280x900) in a fresh browser context; `page.goto("/")` opens the live server."""
    return _open_page(request, browser, live_server, "page", viewport=DESKTOP)


@pytest.fixture
def phone_page(request, browser, live_server):
    """A phone page (320x720, touch, mobile) in a fresh browser context, on the live server."""
    return _open_page(
        request, browser, live_server, "phone_page",
        viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2,
    )


def artifact_path(node, label: str = "") -> Path:
    """test-artifacts/<module>__<test name>[-label].png for a test item."""
    name = f"{node.path.stem}__{node.name}" + (f"-{label}" if label else "")
    name = re.sub(r"[^\w.-]+", "_", name).strip("_")
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"


@pytest.fixture
def screenshot(request):
    """`screenshot(page, label="")` saves a full-page PNG named after the test and returns its path."""

    def take(page, label: str = "") -> Path:
        path = artifact_path(request.node, label)
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        for name, page in item.stash.get(_PAGES, []):
            if page.is_closed():
                continue
            try:
                path = artifact_path(item, f"{name}-failed")
                page.screenshot(path=str(path), full_page=True)
                report.sections.append(("browser screenshot", f"{name}: {path}"))
            except Exception as exc:  # the page may have crashed; the failure itself matters more
                report.sections.append(("browser screenshot", f"{name}: not taken ({exc})"))
    return report


@pytest.fixture(autouse=True)
def no_csp_violations(request):
    """After each browser test: the site's pages ran with nothing blocked by their own CSP."""
    yield
    violations = request.node.stash.get(_CSP_VIOLATIONS, [])
    assert not violations, "Content-Security-Policy blocked something on the site's pages: " + "; ".join(violations)


@pytest.fixture
def session(request, browser, live_server):
    """`session(username=None, viewport=None)`: a separate browser context (its own cookies), logged in
    to the admin when a user name is given; closed after the test."""
    from playwright.sync_api import expect

    from tests.workflow_helpers import PASSWORD

    contexts = []

    def open_session(username=None, viewport=None):
        context = browser.new_context(base_url=live_server.url, locale="ja-JP", timezone_id="Asia/Tokyo",
                                      viewport=viewport or {"width": 1280, "height": 900}, reduced_motion="reduce")
        contexts.append(context)
        _watch(request, context)
        context.set_default_timeout(15_000)
        page = context.new_page()
        if username is None:
            return page
        page.goto("/admin/login/?next=/admin/")
        page.get_by_label("ユーザー名").fill(username)
        page.get_by_label("パスワード").fill(PASSWORD)
        page.get_by_role("button", name="ログイン").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("管理メニュー")
        return page

    yield open_session
    for context in contexts:
        context.close()


@pytest.fixture
def loop_world(seed_plan):
    """The seed plan with a report open for June 2024, 職員課's 佐藤 花子 as staff and 改革 次郎 as reviewer:
    the people of the whole-loop journeys (test_workflow_loop.py, test_review_and_publish_preview.py)."""
    shokuin = staff("sato", department("総務部", "職員課"))
    shokuin.last_name, shokuin.first_name = "佐藤", "花子"
    shokuin.save()
    office = reviewer("kaikaku")
    office.last_name, office.first_name = "改革", "次郎"
    office.save()
    report = open_report(seed_plan, office, as_of=datetime.date(2024, 6, 1), due=datetime.date(2024, 6, 30))
    return seed_plan, report
