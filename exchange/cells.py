"""Cells in and out of spreadsheets: safe text on the way out, checked files on the way in."""

from __future__ import annotations

import io
import logging
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

logger = logging.getLogger(__name__)

# Text a spreadsheet would take for a formula or a command (CSV/formula injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="E8E8F8")
WRAP = Alignment(wrap_text=True, vertical="top")

# Excel's limit on the characters of one cell (counted as UTF-16 code units, as Excel counts them).
CELL_TEXT_LIMIT = 32767

# What XML 1.0, and so a workbook, cannot hold: C0 controls other than tab, line feed and carriage
# return (a vertical tab or form feed pasted from a word processor), lone surrogates, U+FFFE, U+FFFF.
# openpyxl refuses the first (IllegalCharacterError), lxml all of them.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# ---------------------------------------------------------------- text

def workbook_text(value: str) -> str:
    """`value` as a workbook can hold it: every character a workbook cannot hold becomes a space."""
    return _UNWRITABLE.sub(" ", value)


def cell_length(value: str) -> int:
    """The length of a text as Excel counts it: characters beyond the BMP (𠮷, emoji) count twice."""
    return len(value.encode("utf-16-le")) // 2


def _fitting(value: str, limit: int) -> int:
    """How many characters of `value` fit in `limit` UTF-16 code units."""
    units = 0
    for index, character in enumerate(value):
        units += 2 if ord(character) > 0xFFFF else 1
        if units > limit:
            return index
    return len(value)


def split_text(value: str, limit: int = CELL_TEXT_LIMIT) -> list[str]:
    """`value` in pieces that each fit in a cell, cut after a line break where one is near; nothing is lost."""
    value = workbook_text(value)
    pieces = []
    while cell_length(value) > limit:
        fits = _fitting(value, limit)
        cut = value.rfind("\n", fits // 2, fits)
        cut = fits if cut < 0 else cut + 1
        pieces.append(value[:cut])
        value = value[cut:]
    pieces.append(value)
    return pieces


class ExportRefused(Exception):
    """A workbook cannot be written without losing something; the message (Japanese) says what to change."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def safe_csv_text(value: str) -> str:
    """Text for a CSV file: a leading apostrophe keeps a spreadsheet from running it."""
    return f"'{value}" if value.startswith(FORMULA_TRIGGERS) else value


# ---------------------------------------------------------------- cells out

def text_cell(sheet, value: str, **style) -> WriteOnlyCell:
    """A cell that is text whatever it starts with: never stored as a formula, never cut short.

    Characters a workbook cannot hold become spaces. A text longer than a cell
    holds raises ExportRefused (openpyxl would cut it silently), and the
    workbook being written is abandoned; callers that must never fail split
    such a text first (split_text).
    """
    value = workbook_text(value)
    length = cell_length(value)
    if length > CELL_TEXT_LIMIT:
        _abandon(sheet.parent)
        start = value[:20].replace("\n", " ")
        raise ExportRefused(
            f"シート「{sheet.title}」に書き出す文章（「{start}…」で始まる {length:,} 文字）が、"
            f"Excel の1つのセルに入る {CELL_TEXT_LIMIT:,} 文字を超えているため、書き出せません（切り詰めると内容が失われます）。"
            f"管理画面でこの文章を {CELL_TEXT_LIMIT:,} 文字以内にしてから、もう一度ダウンロードしてください。"
        )
    cell = WriteOnlyCell(sheet)
    cell.value = value
    cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
    named = style.pop("style", None)
    if named is not None:
        cell.style = named  # first: a named style resets alignment, protection and quotePrefix
    for name, setting in style.items():
        setattr(cell, name, setting)
    if value.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True
    return cell


def _abandon(workbook) -> None:
    """Close the sheets of a write-only workbook that will not be saved, and delete their temporary files.

    openpyxl writes each sheet to a temporary file as rows come; left open, those
    stay on disk until the process ends, and their writers complain when collected.
    """
    for sheet in getattr(workbook, "worksheets", []):
        writer = getattr(sheet, "_writer", None)
        if writer is None or getattr(sheet, "closed", True):
            continue
        try:
            sheet.close()
            writer.cleanup()
        except Exception:  # best effort: the export is being refused anyway
            logger.warning("Could not discard sheet %s of an abandoned workbook", sheet.title, exc_info=True)


def number_cell(sheet, value: Decimal, number_format: str, **style) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    for name, setting in style.items():
        setattr(cell, name, setting)
    cell.number_format = number_format  # after a named style, which brings a format of its own
    return cell


def unit_number_format(unit: str, decimal_places: int) -> str:
    """A number format that shows the unit without turning the number into text: #,##0"時間"."""
    digits = "#,##0" + ("." + "0" * decimal_places if decimal_places else "")
    escaped = workbook_text(unit).replace('"', "")
    return f'{digits}"{escaped}"' if escaped else digits


# ---------------------------------------------------------------- files in

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
