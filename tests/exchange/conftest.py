"""Fixtures shared by the exchange tests."""

import pytest

from exchange import kept_files


@pytest.fixture
def builds(monkeypatch):
    """The PDF builder, counted: it returns bytes naming the report and how many builds came before."""
    calls = []

    def build(report):
        calls.append(report.pk)
        return f"%PDF-1.7 report {report.pk} build {len(calls)}".encode()

    monkeypatch.setattr(kept_files, "report_pdf", build)
    return calls
