"""Every kind of public page is valid HTML for the Nu Html Checker (vnu.jar, from npm's vnu-jar): no error.

The pages are saved as served, then checked in one run of the checker (one Java start for all).
Where Java or vnu.jar is missing the test is skipped with how to install them; under CI (CI=true)
that is a failure.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from plans.models import Department
from public.pages import parts as selectors

ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = Path(os.environ.get("VNU_JAR") or ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar")
SEED = "/plans/2023-2026"


def running_under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


def checker() -> list[str]:
    """The command that runs the checker, or a skip (a failure under CI) saying what is missing."""
    problems = []
    java = shutil.which("java")
    if not java:
        problems.append("java not found; install it with: apt-get install default-jre-headless")
    if not VNU_JAR.is_file():
        problems.append(f"vnu.jar not found at {VNU_JAR} (VNU_JAR overrides the path); install it with: npm ci (in {ROOT})")
    if problems:
        message = "The HTML check cannot run: " + "; ".join(problems) + "."
        if running_under_ci():
            pytest.fail(message + " (CI=true: a missing checker is a failure, not a skip)", pytrace=False)
        pytest.skip(message)
    return [java, "-Xss8m", "-jar", str(VNU_JAR), "--errors-only", "--format", "json"]


def public_pages() -> dict[str, str]:
    office = Department.objects.get(section="経営改革課")
    return {
        "home": "/",
        "plan-list": "/plans/",
        "plan": f"{SEED}/",
        "introduction": f"{SEED}/introduction/",
        "pillar": f"{SEED}/pillars/2/",
        "measure-list-filtered": f"{SEED}/measures/?pillar=2&department={office.pk}&sort=-grade",
        "measure": f"{SEED}/measures/2/",
        "measure-with-related-sections": f"{SEED}/measures/6/",
        "report-list": f"{SEED}/reports/",
        "report": f"{SEED}/reports/2023-09-01/",
        "department-list": "/departments/",
        "department": f"/departments/{office.pk}/",
        "achievement": f"{SEED}/achievement/",
        "search": "/search/?q=DX",
        "search-empty": "/search/",
        "opendata": "/opendata/",
    }


def test_every_kind_of_public_page_has_no_html_error(client, seed_plan, monkeypatch, tmp_path):
    command = checker()
    monkeypatch.setattr(selectors, "today", lambda: datetime.date(2024, 10, 1))
    files = {}
    for name, url in public_pages().items():
        response = client.get(url)
        assert response.status_code == 200, url
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.content)
        files[path.name] = url
    run = subprocess.run([*command, *map(str, sorted(tmp_path.glob("*.html")))], capture_output=True, text=True, timeout=300)
    report = json.loads(run.stderr or run.stdout)
    errors = [
        f"{files.get(str(m.get('url')).rsplit('/', 1)[-1], m.get('url'))} line {m.get('lastLine')}: {m.get('message')}"
        for m in report["messages"] if m.get("type") in {"error", "non-document-error"}
    ]
    assert not errors, f"{len(errors)} HTML errors:\n" + "\n".join(errors[:40])
    assert run.returncode == 0, run.stderr[-2000:]
