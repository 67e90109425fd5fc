"""Cells in and out of spreadsheets: safe text on the way out, checked files on the way in."""

from __future__ import annotations

import io
import logging
import math
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from lxml import etree
from openpyxl.cell import WriteOnlyCell
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.worksheet._reader import WorkSheetParser  # openpyxl's cell parser: to locate a cell it could not read
from openpyxl.xml.constants import SHARED_STRINGS

logger = logging.getLogger(__name__)

# Text a spreadsheet would take for a formula or a command (CSV/formula injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="E8E8F8")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")

# Excel's limit on the characters of one cell (counted as UTF-16 code units, as Excel counts them).
CELL_TEXT_LIMIT = 32767

# What XML 1.0, and so a workbook, cannot hold: C0 controls other than tab, line feed and carriage
# return (a vertical tab or form feed pasted from a word processor), lone surrogates, U+FFFE, U+FFFF.
# openpyxl refuses the first (IllegalCharacterError), lxml all of them.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# How a workbook escapes a control character in a text (Excel writes a carriage return as _x000D_);
# openpyxl leaves these escapes in the text it reads.
_ESCAPED_CONTROL = re.compile(r"_x(00[01][0-9A-Fa-f])_")


# ---------------------------------------------------------------- text

def workbook_text(value: str) -> str:
    """`value` as a workbook can hold it: every character a workbook cannot hold becomes a space."""
    return _UNWRITABLE.sub(" ", value)


def uploaded_text(value: str) -> str:
    """Text read from an uploaded workbook, normalised as the forms normalise typed text.

    Escaped control characters are decoded first; line breaks become "\\n"; any
    other control character (but the tab) becomes a space.
    """
    value = _ESCAPED_CONTROL.sub(lambda match: chr(int(match[1], 16)), value)
    value = value.replace("\r\n", "\n").replace("\r", "\n")
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
    """A cell that is text whatever it starts with: never stored as a formula, never cut short, wrapped.

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
    elif "alignment" not in style:
        cell.alignment = WRAP  # every text wraps: a row's height (PrintedSheet) then shows all of it
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


# ---------------------------------------------------------------- printing
# Neither Excel nor LibreOffice grows a row to fit a wrapped text in merged cells, and Excel does not
# grow any row of a file it opens: a row without a height prints one line and clips the rest. So every
# row a workbook writes gets its height here, measured from its texts and its columns' widths.

# A wrapped line's height in points at the default 11pt: Japanese Excel's own row for 游ゴシック 11
# (LibreOffice's Noto Sans CJK takes about 16pt); and the cell's padding above and below.
LINE_POINTS = 18.75
ROW_PADDING = 4.0
# The tallest row Excel keeps (409pt); a taller text is spread over more rows (rows_of_text).
MAX_ROW_POINTS = 409.0
MAX_ROW_LINES = int((MAX_ROW_POINTS - ROW_PADDING) // LINE_POINTS)


def text_columns(line: str) -> int:
    """The columns a line takes in a cell: full-width characters (and those East Asian fonts draw
    full width, such as ①, ※ and ○) count double, as a column's width counts half-width digits."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in line)


def line_count(text, width: float) -> int:
    """The lines a text takes, wrapped in a column (or merged columns) `width` characters wide.

    The one measuring rule for every workbook. A column of width w holds w half-width digits of the
    workbook's font, less the cell's padding; a Japanese glyph beside them is a little wider than two
    digits (15px to Calibri's 7 at 11pt in Excel). So 5% and one column are kept back: a measure errs
    towards a line too many, never one too few.
    """
    usable = max(width * 0.95 - 1.0, 1.0)
    return sum(max(1, math.ceil(text_columns(line) / usable)) for line in str(text or "").split("\n"))


def row_height(lines: int) -> float:
    """The height in points of a row showing `lines` wrapped lines (never above what Excel keeps)."""
    return min(MAX_ROW_POINTS, max(1, lines) * LINE_POINTS + ROW_PADDING)


def rows_of_text(value: str, width: float) -> list[str]:
    """`value` in pieces that each fit one row `width` characters wide (and one cell); nothing is lost.

    A piece ends at a line break where one is near, else after a sentence's 。, else where the row is full.
    """
    pieces = []
    for piece in split_text(value):
        while line_count(piece, width) > MAX_ROW_LINES:
            fits = _fitting_lines(piece, width)
            cut = piece.rfind("\n", fits // 2, fits)
            if cut < 0:
                cut = piece.rfind("。", fits // 2, fits)
            cut = fits if cut < 0 else cut + 1
            pieces.append(piece[:cut])
            piece = piece[cut:]
        pieces.append(piece)
    return pieces


def _fitting_lines(value: str, width: float) -> int:
    """How many characters of `value` fit in MAX_ROW_LINES lines `width` characters wide (at least one)."""
    low, high = 1, len(value)
    while low < high:  # line_count only grows as the text does
        middle = (low + high + 1) // 2
        if line_count(value[:middle], width) <= MAX_ROW_LINES:
            low = middle
        else:
            high = middle - 1
    return low


class PrintedSheet:
    """A write-only sheet whose every row gets the height its texts need, set before the row is written
    (a write-only sheet writes a row when it is appended: a height set later is lost)."""

    def __init__(self, sheet, widths: list[float]):
        self.sheet = sheet
        self.widths = list(widths)
        self.row = 0
        for index, width in enumerate(self.widths, 1):
            sheet.column_dimensions[get_column_letter(index)].width = width

    def width(self, first: int, span: int = 1) -> float:
        """The width of `span` columns from the `first` (0-based); a column past the set ones is Excel's 8.43."""
        return sum(self.widths[i] if i < len(self.widths) else 8.43 for i in range(first, first + span))

    def append(self, cells: list, *, merge: tuple[int, int] | None = None, lines: int = 1) -> int:
        """Write a row, at least `lines` lines tall; `merge` (first, last), 0-based, merges those columns.

        Returns the row's number.
        """
        self.row += 1
        # a bare value (a number) sits at the top of its cell, beside texts that start there
        cells = [_top_cell(self.sheet, value) if isinstance(value, (int, float, Decimal)) else value for value in cells]
        for index, cell in enumerate(cells):
            value = getattr(cell, "value", cell)
            if isinstance(value, str) and value:
                span = merge[1] - merge[0] + 1 if merge and index == merge[0] else 1
                lines = max(lines, line_count(value, self.width(index, span)))
        self.sheet.row_dimensions[self.row].height = row_height(lines)
        self.sheet.append(cells)
        if merge:
            first, last = (get_column_letter(i + 1) for i in merge)
            self.sheet.merged_cells.add(f"{first}{self.row}:{last}{self.row}")
        return self.row


def _top_cell(sheet, value) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.alignment = TOP
    return cell


def print_on_a4(sheet, *, landscape: bool = False, title_rows: str | None = None, header: str = "") -> None:
    """A4, as wide as the page (fit to width, as many pages down as it takes), page numbers in the footer,
    `title_rows` ("1:1") repeated at the top of every page. Call it before a write-only sheet's first row,
    which writes the sheet's properties (fit to page among them)."""
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE if landscape else Worksheet.ORIENTATION_PORTRAIT
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    # Room for the page header and footer between the paper's edge and the table (inches).
    sheet.page_margins.top = sheet.page_margins.bottom = 0.9
    sheet.page_margins.header = sheet.page_margins.footer = 0.3
    sheet.print_options.horizontalCentered = True
    if title_rows:
        sheet.print_title_rows = title_rows
    if header:
        sheet.oddHeader.center.text = page_header(header)
    sheet.oddFooter.center.text = "&P / &N"


# Characters Excel keeps of a page header (it refuses a longer one).
HEADER_LIMIT = 255


def page_header(text: str) -> str:
    """A page header as Excel takes it: "&" starts a code there (&P is the page number), so it is doubled."""
    text = workbook_text(text).replace("\n", " ").replace("&", "&&")
    return text if len(text) <= HEADER_LIMIT else text[: HEADER_LIMIT - 1].rstrip("&") + "…"


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

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = problems or [Problem("", "", message)]
        self.problem = self.problems[0]


class Formula(str):
    """A formula read from a cell (its text, "=..."): never a value, whatever it computes."""


def is_formula(value) -> bool:
    """Whether a value read by sheet_rows came from a formula cell. Text is text, even when it starts with "="."""
    return isinstance(value, Formula)


def number_text(value) -> str:
    """A spreadsheet number as the text a spreadsheet shows, for the parsers of typed values.

    At most 15 significant digits, as Excel shows and computes (0.28000000000000003 → 0.28),
    never an exponent (1e+16 → 10000000000000000); integers stay exact.
    """
    number = Decimal(format(value, ".15g")) if isinstance(value, float) else Decimal(value)
    return format(number, "f")


OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DAMAGED = "ファイルが壊れているため読み込めません。Excel で開けるか確かめてください。"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_ROW, _CELL, _DIMENSION, _SHEET_DATA = (f"{{{MAIN_NS}}}{tag}" for tag in ("row", "c", "dimension", "sheetData"))
# Elements any other part openpyxl reads (styles, the workbook, relationships, properties) may have, and
# a worksheet before its data (views, columns): Excel writes hundreds, openpyxl takes 50 µs for a style.
PART_ELEMENTS = 50_000
# Cells a sheet may hold for each row it may have: our widest sheet has 11 columns.
CELLS_PER_ROW = 16
# Shared strings a workbook may hold beyond one for each cell of its sheets (each string is some cell's).
SPARE_STRINGS = 1_000
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


def _row_limit() -> int:
    return settings.EXCHANGE_MAX_ROWS + 1  # the header row, then the data rows


def _too_many_rows() -> str:
    return f"行が多すぎます（上限 {settings.EXCHANGE_MAX_ROWS} 行）。"


def _parser_options() -> dict:
    return {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}


# A padded file keeps a worker busy: openpyxl walks every element of a part it reads, at tens of
# microseconds each, and a few hundred KB unpack to millions (a sheet padded with a million empty rows,
# a million shared strings: 18 s for a 66 KB file). So before openpyxl reads anything, each part is walked
# here, in C but for the elements counted, and refused as soon as it passes a limit; the limits follow
# EXCHANGE_MAX_ROWS, so the work a file may cause is the work of the largest file we accept.

def _too_much(sheet: str = "") -> WorkbookRefused:
    message = "ファイルの中身（書式・設定・文字列の情報）が多すぎるため読み込めません。書き出した様式に入力し直してください。"
    return WorkbookRefused(message, [Problem(sheet, "", message)])


def _check_part(source, *, stop: str | None = None, sheet: str = "") -> None:
    """Refuse a part with more than PART_ELEMENTS elements (counted up to the element `stop` starts, if given)."""
    for count, (event, element) in enumerate(etree.iterparse(source, events=("start",), **_parser_options())):
        if element.tag == stop:
            return
        if count > PART_ELEMENTS:
            raise _too_much(sheet)


def _check_strings(source, cells: int) -> None:
    """Refuse more shared strings than the sheets' cells could use."""
    for count, (event, element) in enumerate(etree.iterparse(source, events=("end",), tag=f"{{{MAIN_NS}}}si", **_parser_options()), 1):
        if count > cells + SPARE_STRINGS:
            raise _too_much()
        element.clear()
        while element.getprevious() is not None:
            del element.getparent()[0]


def _check_sheet(title: str, open_part) -> tuple[int, int]:
    """The last row number a worksheet's data holds, and its cells; WorkbookRefused when it is padded.

    openpyxl would also walk every row of a sheet padded with empty rows, skip
    rows that come out of order without a word, and read whatever follows the
    data. This walk stops as soon as a limit is passed, reads nothing after the
    data, and keeps one row in memory.
    """
    limit = _row_limit()

    def refused(cell, message):
        return WorkbookRefused(message, [Problem(title, cell, message)])

    with open_part() as source:  # what comes before the data: a few dozen elements, unless the file was padded
        _check_part(source, stop=_SHEET_DATA, sheet=title)
    with open_part() as source:
        return _check_rows(source, limit, refused)


def _check_rows(source, limit: int, refused) -> tuple[int, int]:
    last = cells = 0
    cell_limit = limit * CELLS_PER_ROW
    for event, element in etree.iterparse(source, events=("end",), tag=(_DIMENSION, _ROW, _CELL, _SHEET_DATA), **_parser_options()):
        if element.tag == _CELL:
            cells += 1
            if cells > cell_limit:
                raise refused(f"{last + 1}行目", f"セルが多すぎます（上限 {cell_limit:,} 個）。使っていない列や行を削除してください。")
            element.clear()  # an empty element stays until its row ends: a padded row costs little memory
        elif element.tag == _ROW:
            number = _row_number(element.get("r"), last)
            if number is None or number <= last:
                # openpyxl would skip a row that repeats or goes back: its values would be lost without a word
                raise refused(f"{last + 1}行目", "行の並びが壊れているため読み込めません。Excel で開いて保存し直してください。")
            if number > limit:
                raise refused(f"{limit + 1}行目", _too_many_rows())
            last = number
            element.clear()
            while element.getprevious() is not None:  # keep memory flat: one row at a time
                del element.getparent()[0]
        elif element.tag == _DIMENSION:
            try:
                declared = range_boundaries(element.get("ref", ""))[3]
            except (TypeError, ValueError):
                raise refused("", DAMAGED)
            if declared is not None and declared > limit:  # the sheet says it reaches that far: no need to walk it
                raise refused(f"{limit + 1}行目", _too_many_rows())
        else:  # the end of the data: what follows is never read
            break
    return last, cells


def _row_number(text, last: int):
    """A <row>'s number as openpyxl reads it (r="7", r="7.0", or the next one when r is missing); None when unreadable."""
    if text is None:
        return last + 1
    try:
        return int(text)
    except ValueError:
        try:
            number = float(text)
        except ValueError:
            return None
        return int(number) if number.is_integer() else None


class CellUnreadable(Exception):
    """openpyxl could not read a cell of an uploaded sheet (a damaged number, string or date)."""

    def __init__(self, sheet: str, cell: str):
        message = ("このセルの値を読み取れません（数値・文字・日付の形式が壊れています）。"
                   "値を入力し直して保存してください。このシートのこれより後は読み取っていません。")
        super().__init__(message)
        self.problem = Problem(sheet, cell, message)


class UploadedWorkbook:
    """An uploaded workbook whose sheets were checked for size, opened read-only."""

    def __init__(self, reader: ExcelReader, last_rows: dict[str, int], parts: dict[str, str]):
        self._reader = reader
        self._workbook = reader.wb
        self._last_rows = last_rows
        self._parts = parts

    @property
    def sheetnames(self) -> list[str]:
        """The worksheets, in order (a chart sheet is no sheet of ours)."""
        return [title for title in self._workbook.sheetnames if title in self._parts]

    def close(self) -> None:
        self._workbook.close()

    def rows(self, title: str, width: int):
        """(row number, cells) for each row of a sheet up to its last, `width` cells a row.

        Raises CellUnreadable, located, when openpyxl cannot read a cell.
        """
        worksheet = self._workbook[title]
        worksheet.reset_dimensions()  # openpyxl skips the rows beyond a stale <dimension> without a word
        last = self._last_rows.get(title, 0)
        iterator = worksheet.iter_rows(max_col=width)
        number = 0
        while number < last:  # then stop: openpyxl would read on through whatever follows the data
            try:
                cells = next(iterator)
            except StopIteration:
                return
            except Exception:  # openpyxl parses cells lazily and raises many kinds on a damaged value
                raise CellUnreadable(title, self._unreadable_cell(title, number))
            number += 1
            yield number, cells

    def has_rows(self, title: str) -> bool:
        return self._last_rows.get(title, 0) > 0

    def leading_values(self, title: str, count: int, width: int) -> list[list]:
        """The values of the first `count` rows of a sheet ([] when it is missing or cannot be read)."""
        if title not in self.sheetnames:
            return []
        values = []
        try:
            for number, cells in self.rows(title, width):
                values.append([cell.value for cell in cells])
                if number == count:
                    break
        except CellUnreadable:
            return []
        return values

    def _unreadable_cell(self, title: str, read: int) -> str:
        """Where the cell openpyxl could not read is: found by parsing each cell again, on this rare path only."""
        try:
            worksheet = self._workbook[title]
            with self._reader.archive.open(self._parts[title]) as source:
                parser = WorkSheetParser(source, worksheet._shared_strings, data_only=False,
                                         epoch=self._workbook.epoch, date_formats=self._workbook._date_formats,
                                         timedelta_formats=self._workbook._timedelta_formats)
                for event, row in etree.iterparse(source, events=("end",), tag=_ROW, **_parser_options()):
                    try:
                        parser.parse_row(row)
                    except Exception:
                        parser.col_counter = 0
                        for cell in row:
                            try:
                                parser.parse_cell(cell)
                            except Exception:  # a cell without r="…" counts on from the one before it
                                return cell.get("r") or f"{get_column_letter(parser.col_counter)}{parser.row_counter}"
                        return f"{parser.row_counter}行目"
                    row.clear()
        except Exception:
            logger.warning("Could not locate an unreadable cell of sheet %s", title, exc_info=True)
        return f"{read + 1}行目以降"


def open_workbook(upload) -> UploadedWorkbook:
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
        raise WorkbookRefused(DAMAGED)
    if unpacked > settings.EXCHANGE_MAX_UNPACKED_BYTES:  # a small file that unpacks huge (a zip bomb)
        raise WorkbookRefused(f"ファイルの中身が大きすぎます（展開後の上限 {_size_label(settings.EXCHANGE_MAX_UNPACKED_BYTES)}）。")
    reader = None
    try:
        # openpyxl's own reader finds the parts, so the checks see the very parts it will read.
        reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=False)
        archive = reader.archive
        with archive.open("[Content_Types].xml") as source:
            _check_part(source)
        reader.read_manifest()
        typed = {override.PartName.lstrip("/"): override.ContentType for override in reader.package.Override}
        strings = reader.package.find(SHARED_STRINGS)
        strings = strings.PartName.lstrip("/") if strings is not None else None
        for name in reader.valid_files:  # styles, the workbook, relationships, properties: small
            if name.endswith((".xml", ".rels")) and name != strings and typed.get(name) != WORKSHEET_TYPE:
                with archive.open(name) as source:
                    _check_part(source)
        reader.read_workbook()
        parts = {sheet.name: rel.target for sheet, rel in reader.parser.find_sheets()
                 if rel.target in reader.valid_files and "chartsheet" not in rel.Type}
        problems, last_rows, cells = [], {}, 0
        for title, part in parts.items():
            try:
                last_rows[title], sheet_cells = _check_sheet(title, lambda: archive.open(part))
                cells += sheet_cells
            except WorkbookRefused as refused:
                problems.extend(refused.problems)
        if problems:
            raise WorkbookRefused(problems[0].message, problems)
        if strings in reader.valid_files:
            with archive.open(strings) as source:
                _check_strings(source, cells)
        reader.read()
    except WorkbookRefused:
        if reader is not None:
            reader.archive.close()
        raise
    except Exception:  # openpyxl and lxml raise many kinds on a damaged file; all mean the same to the user
        if reader is not None:
            reader.archive.close()
        raise WorkbookRefused(DAMAGED)
    return UploadedWorkbook(reader, last_rows, parts)


def _size_label(size: int) -> str:
    return f"{size / 2**20:.1f} MB" if size >= 2**20 else f"{max(1, size // 1024)} KB"


def read_workbook(upload, problems: list[Problem], read) -> None:
    """Open an upload and call `read(workbook)`; a file refused whole becomes its problems.

    A cell gets one problem, the first found: a value that cannot be read is not
    also reported as missing.
    """
    try:
        workbook = open_workbook(upload)
    except WorkbookRefused as refused:
        problems.extend(refused.problems)
        return
    try:
        read(workbook)
    finally:
        workbook.close()
    located = set()
    unique = []
    for problem in problems:
        key = (problem.sheet, problem.cell)
        if problem.cell and not problem.cell.endswith(("行目", "行目以降")):
            if key in located:
                continue
            located.add(key)
        unique.append(problem)
    problems[:] = unique


def cell_value(sheet: str, cell, problems: list[Problem]):
    """The value of a cell read from an upload, as the readers take it.

    A formula becomes a Formula (whatever its text), text is normalised
    (uploaded_text), and a number that is not finite or a text longer than a
    cell holds is a problem and no value.
    """
    value = cell.value
    if value is None:
        return None
    if cell.data_type == "f":
        return Formula(getattr(value, "text", None) or str(value))
    if isinstance(value, float) and not math.isfinite(value):
        problems.append(Problem(sheet, cell.coordinate, "数値が大きすぎるか、数値として読めない値です。数値を入力し直してください。"))
        return None
    if isinstance(value, str):
        length = cell_length(value)
        if length > CELL_TEXT_LIMIT:
            problems.append(Problem(sheet, cell.coordinate,
                                    f"文字数が多すぎます（{length:,} 文字）。1つのセルには {CELL_TEXT_LIMIT:,} 文字までしか入りません。"))
            return None
        return uploaded_text(value)
    return value


def sheet_rows(workbook: UploadedWorkbook, title: str, header: list[str], problems: list[Problem], *, hint: str,
               failed: set | None = None):
    """(row number, values) for each non-empty row below a header that must be exactly `header`.

    A missing sheet, an edited header, too many rows or a cell that cannot be
    read is added to `problems` (and the sheet to `failed`), and no further row
    is given. Values are read by cell_value: a formula is a Formula, never text.
    `hint` tells which workbook to use instead.
    """
    def refuse(cell, message):
        problems.append(Problem(title, cell, message))
        if failed is not None:
            failed.add(title)

    if title not in workbook.sheetnames:
        refuse("", f"シートがありません。{hint}")
        return
    limit = settings.EXCHANGE_MAX_ROWS
    edited_header = f"見出しが様式と違います（「{'」「'.join(header)}」が必要です）。{hint}"
    try:
        for number, cells in workbook.rows(title, len(header)):
            if number == 1:
                values = [cell.value for cell in cells]
                if [str(v).strip() if v is not None else "" for v in values] != header:
                    refuse("1行目", edited_header)
                    return
                continue
            if number > limit + 1:  # the workbook's check refuses such a sheet first; kept as the last word
                refuse(f"{number}行目", _too_many_rows())
                return
            values = [cell_value(title, cell, problems) for cell in cells]
            values += [None] * (len(header) - len(values))
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            yield number, values
    except CellUnreadable as unreadable:
        problems.append(unreadable.problem)
        if failed is not None:
            failed.add(title)
        return
    if not workbook.has_rows(title):  # an emptied sheet is not "no rows": its header went too
        refuse("1行目", edited_header)
