"""Helpers for the report PDF tests: skip (or fail under CI) without WeasyPrint's libraries or a Japanese
font, and read a PDF's pages, fonts and tags with pypdf."""

from __future__ import annotations

import io
import os
import re

import pytest

from exchange import report_pdf


def running_under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


def require_pdf_tools() -> None:
    """Skip with what to install where this machine cannot make PDFs; under CI (CI=true) fail instead."""
    unavailable = report_pdf.missing_requirements()
    if unavailable is None:
        return
    message = f"report PDFs cannot be made here: {unavailable.hint}"
    if running_under_ci():
        pytest.fail(message)
    pytest.skip(message)


def squeeze(text: str) -> str:
    """Text with every space and line break taken out: Japanese wraps anywhere."""
    return re.sub(r"\s+", "", text)


def sentences(text: str) -> list[str]:
    """A narrative's sentences (split after 。), without spaces; empty pieces left out."""
    return [s for s in (squeeze(piece) for piece in re.split(r"(?<=。)", text or "")) if s]


def reader(content: bytes):
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(content))


def page_texts(content: bytes) -> list[str]:
    return [page.extract_text() or "" for page in reader(content).pages]


def embedded_fonts(content: bytes) -> dict[str, bool]:
    """Every font the pages use: its name, and whether its program is embedded in the file."""
    fonts = {}
    for page in reader(content).pages:
        resources = page.get("/Resources") or {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            described = descendants[0].get_object() if descendants else font
            descriptor = (described.get("/FontDescriptor") or {})
            descriptor = descriptor.get_object() if descriptor else {}
            embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts[str(font.get("/BaseFont"))] = embedded
    return fonts


def fold(text: str) -> str:
    """squeeze() with the wave dash a font draws for both 〜 and ～ read as one."""
    return squeeze(text).replace("～", "〜")


def without_margins(page: str) -> str:
    """A page's text without its running header and footer (the margin boxes, read after the body):
    a sentence that goes on to the next page reads as one."""
    lines = page.rstrip("\n").split("\n")
    if lines and re.match(r"- \d+ / \d+ -", lines[-1]):
        lines.pop()
        if lines and lines[-1].endswith("進捗状況") or lines and lines[-1].endswith("進捗状況（案）"):
            lines.pop()
    return "\n".join(lines)
