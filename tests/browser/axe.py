"""Accessibility checks with axe-core (installed by `npm ci` into node_modules/axe-core).

    from tests.browser.axe import assert_accessible

    def test_page_is_accessible(page):
        page.goto("/")
        assert_accessible(page)
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AXE_PATH = ROOT / "node_modules" / "axe-core" / "axe.min.js"

# WCAG 2.1 levels A and AA, which Japanese public sites follow (JIS X 8341-3:2016 = WCAG 2.0 AA).
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")

MAX_TARGETS = 3
MAX_SUMMARY = 200


def axe_results(page, *, tags=WCAG_TAGS, disable_rules=(), include=None):
    """Run axe-core on the page as it is now and return its results object (a dict).

    `disable_rules` turns rules off by id; `include` is a CSS selector limiting the check
    to part of the page (the whole document by default).
    """
    # The browser fixtures load axe-core into every page as an init script (conftest._watch).
    assert page.evaluate("() => typeof window.axe === 'object'"), "axe-core was not loaded into the page"
    options = {
        "runOnly": {"type": "tag", "values": list(tags)},
        "rules": {rule: {"enabled": False} for rule in disable_rules},
        "resultTypes": ["violations"],
    }
    return page.evaluate(
        "([context, options]) => axe.run(context || document, options)",
        [include, options],
    )


def format_violations(violations, url=""):
    """A readable list: rule id, impact, help text and URL, the first few offending nodes."""
    lines = [f"{len(violations)} accessibility violation(s) found by axe-core" + (f" on {url}" if url else "") + ":"]
    for violation in violations:
        nodes = violation["nodes"]
        lines.append(
            f"- {violation['id']} [{violation.get('impact') or 'n/a'}]: {violation['help']}"
            f" ({len(nodes)} node(s)) {violation.get('helpUrl', '')}".rstrip()
        )
        for node in nodes[:MAX_TARGETS]:
            target = " >> ".join(str(part) for part in node["target"])  # frames / shadow roots
            summary_lines = [line.strip() for line in (node.get("failureSummary") or "").splitlines() if line.strip()]
            summary = "; ".join(summary_lines).replace(":; ", ": ")
            if len(summary) > MAX_SUMMARY:
                summary = summary[: MAX_SUMMARY - 1] + "…"
            lines.append(f"    {target}" + (f" :: {summary}" if summary else ""))
        if len(nodes) > MAX_TARGETS:
            lines.append(f"    ... and {len(nodes) - MAX_TARGETS} more")
    return "\n".join(lines)


def assert_accessible(page, *, tags=WCAG_TAGS, disable_rules=(), include=None):
    """Fail with a readable list of violations if axe-core finds any WCAG 2.1 A/AA problem."""
    __tracebackhide__ = True
    violations = axe_results(page, tags=tags, disable_rules=disable_rules, include=include)["violations"]
    if violations:
        raise AssertionError(format_violations(violations, page.url))
