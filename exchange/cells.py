"""Cells in and out of spreadsheets: safe text on the way out, checked files on the way in."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

# Text a spreadsheet would take for a formula or a command (CSV/formula injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="E8E8F8")
WRAP = Alignment(wrap_text=True, vertical="top")


def safe_csv_text(value: str) -> str:
    """Text for a CSV file: a leading apostrophe keeps a spreadsheet from running it."""
    return f"'{value}" if value.startswith(FORMULA_TRIGGERS) else value


def text_cell(sheet, value: str, **style) -> WriteOnlyCell:
    """A cell that is text whatever it starts with: never stored as a formula."""
    cell = WriteOnlyCell(sheet)
    cell.value = value
    cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
    if value.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def number_cell(sheet, value: Decimal, number_format: str, **style) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    for name, setting in style.items():
        setattr(cell, name, setting)
    cell.number_format = number_format  # after a named style, which brings a format of its own
    return cell


def unit_number_format(unit: str, decimal_places: int) -> str:
    """A number format that shows the unit without turning the number into text: #,##0"時間"."""
    digits = "#,##0" + ("." + "0" * decimal_places if decimal_places else "")
    escaped = unit.replace('"', "")
    return f'{digits}"{escaped}"' if escaped else digits


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an uploaded file, located for the person who fixes it."""

    sheet: str
    cell: str
    message: str

    def __str__(self) -> str:
        where = "・".join(part for part in (f"シート「{self.sheet}」" if self.sheet else "", self.cell) if part)
        return f"{where}：{self.message}" if where else self.message


class WorkbookRefused(Exception):
    """The file cannot be read as one of our workbooks at all."""

    def __init__(self, message: str):
        super().__init__(message)
        self.problem = Problem("", "", message)


OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def open_workbook(upload) -> Workbook:
    """Open an uploaded .xlsx read-only, refusing what is not one, with a message in Japanese.

    `upload` is a file-like object or bytes. The caller closes the workbook.
    """
    limit = settings.EXCHANGE_MAX_UPLOAD_BYTES
    too_large = WorkbookRefused(f"ファイルが大きすぎます（上限 {_size_label(limit)}）。")
    if getattr(upload, "size", 0) and upload.size > limit:  # before reading an uploaded file into memory
        raise too_large
    data = upload if isinstance(upload, bytes) else upload.read(limit + 1)
    if len(data) > limit:
        raise too_large
    if not data:
        raise WorkbookRefused("ファイルが空です。")
    if data.startswith(OLE_SIGNATURE):
        raise WorkbookRefused(
            "パスワードで保護（暗号化）されたファイルか、古い形式（.xls）のファイルです。"
            "保護を解除し、Excel ブック（.xlsx）として保存してからアップロードしてください。"
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise WorkbookRefused("Excel ブック（.xlsx）ではありません。")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile:
        raise WorkbookRefused("ファイルが壊れているため読み込めません。Excel で開けるか確かめてください。")
    if unpacked > settings.EXCHANGE_MAX_UNPACKED_BYTES:  # a small file that unpacks huge (a zip bomb)
        raise WorkbookRefused(f"ファイルの中身が大きすぎます（展開後の上限 {_size_label(settings.EXCHANGE_MAX_UNPACKED_BYTES)}）。")
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds on a damaged file; all mean the same to the user
        raise WorkbookRefused("ファイルが壊れているため読み込めません。Excel で開けるか確かめてください。")


def _size_label(size: int) -> str:
    return f"{size / 2**20:.1f} MB" if size >= 2**20 else f"{max(1, size // 1024)} KB"


def is_formula(value) -> bool:
    return isinstance(value, str) and value.startswith("=")


def read_workbook(upload, problems: list[Problem], read) -> None:
    """Open an upload and call `read(workbook)`; a file refused whole becomes one problem."""
    try:
        workbook = open_workbook(upload)
    except WorkbookRefused as refused:
        problems.append(refused.problem)
        return
    try:
        read(workbook)
    finally:
        workbook.close()


def sheet_rows(workbook, title: str, header: list[str], problems: list[Problem], *, hint: str, failed: set | None = None):
    """(row number, values) for each non-empty row below a header that must be exactly `header`.

    A missing sheet, an edited header or too many rows is added to `problems`
    (and the sheet to `failed`), and no row is given. `hint` tells which
    workbook to use instead.
    """
    def refuse(cell, message):
        problems.append(Problem(title, cell, message))
        if failed is not None:
            failed.add(title)

    if title not in workbook.sheetnames:
        refuse("", f"シートがありません。{hint}")
        return
    limit = settings.EXCHANGE_MAX_ROWS
    for number, values in enumerate(workbook[title].iter_rows(values_only=True), 1):
        values = list(values[: len(header)]) + [None] * (len(header) - len(values))
        if number == 1:
            if [str(v).strip() if v is not None else "" for v in values] != header:
                refuse("1行目", f"見出しが様式と違います（「{'」「'.join(header)}」が必要です）。{hint}")
                return
            continue
        if number > limit + 1:
            refuse(f"{number}行目", f"行が多すぎます（上限 {limit} 行）。")
            return
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        yield number, values
